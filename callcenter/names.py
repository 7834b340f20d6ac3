"""Name normalisation for case-insensitive search and duplicate detection."""

from __future__ import annotations

import re
import unicodedata

# Legal forms ignored when comparing names; matched as whole words after case folding.
LEGAL_FORMS = frozenset(
    {
        "ооо", "оао", "зао", "пао", "ао", "нао", "ип", "тоо", "чп", "гуп", "муп", "фгуп", "нко", "ано",
        "llc", "ltd", "inc", "corp", "co", "gmbh", "ag", "plc", "llp", "sa", "sarl", "bv", "oy", "ab",
    }
)
_LEGAL_FORM_PATTERN = re.compile(
    r"^\s*(" + "|".join(sorted(LEGAL_FORMS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_WORD = re.compile(r"\w+", re.UNICODE)


def search_form(text: str) -> str:
    """Case-folded, NFKC, single-spaced; "ё" read as "е" as Russian readers do."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(folded.split())


def duplicate_key(name: str) -> str:
    """``ООО "Ромашка"`` and ``Ромашка, ООО`` give the same key: words sorted, legal form and punctuation gone."""
    words = [w for w in _WORD.findall(search_form(name)) if w not in LEGAL_FORMS]
    return " ".join(sorted(words))


def split_legal_form(name: str) -> tuple[str | None, str]:
    """``ООО "Ромашка"`` → ``("ООО", 'Ромашка')``; names without a leading legal form come back unchanged."""
    match = _LEGAL_FORM_PATTERN.match(name)
    if not match:
        return None, name.strip()
    rest = name[match.end() :].strip(" ,")
    return match.group(1), rest.strip()


def like_fragment(text: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``text`` anywhere, its wildcards taken literally.

    ``text`` is folded with :func:`search_form` so it meets the stored ``name_search`` columns.
    """
    folded = search_form(text)
    return "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
