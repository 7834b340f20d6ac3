"""The columns a file of clients may have, their Russian and English names, and the words their cells may hold.

Header names are compared after case folding, with punctuation, ``_`` and ``-`` read as spaces, so
``Contact_Phone``, ``contact phone`` and ``Contact-Phone`` are the same column, and ``Owner (login)``
is ``owner login``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from callcenter.importing.reading import BadImportFile
from callcenter.models.enums import AbcClass, ClientKind, Stage, XyzClass
from callcenter.names import search_form

# Canonical column names: what export writes and what row errors call a field.
NAME = "name"
KIND = "kind"
TAX_ID = "tax_id"
PHONES = "phones"
EMAILS = "emails"
ADDRESS = "address"
NOTES = "notes"
STAGE = "stage"
ABC = "abc_class"
XYZ = "xyz_class"
OWNER = "owner"
CONTACT = "contact"
CONTACT_POSITION = "contact_position"
CONTACT_PHONE = "contact_phone"
CONTACT_EMAIL = "contact_email"

EXPORT_COLUMNS = (
    NAME, KIND, TAX_ID, PHONES, EMAILS, ADDRESS, NOTES, STAGE, ABC, XYZ, OWNER,
    CONTACT, CONTACT_POSITION, CONTACT_PHONE, CONTACT_EMAIL,
)
# Columns whose several values may be given in one cell, one per line, one line per contact person.
CONTACT_COLUMNS = (CONTACT, CONTACT_POSITION, CONTACT_PHONE, CONTACT_EMAIL)
# Columns that may appear more than once (``Телефон 1``, ``Телефон 2`` are read as the same list).
LIST_COLUMNS = frozenset({PHONES, EMAILS})

_ALIASES: dict[str, tuple[str, ...]] = {
    NAME: ("name", "наименование", "название", "клиент", "client", "client name", "company", "компания",
           "организация", "фио", "full name"),
    KIND: ("kind", "type", "тип", "вид", "тип клиента"),
    TAX_ID: ("tax id", "taxid", "inn", "инн", "vat", "vat id"),
    PHONES: ("phones", "phone", "телефон", "телефоны", "тел", "phone number", "номер телефона"),
    EMAILS: ("emails", "email", "e mail", "e mails", "mail", "почта", "электронная почта", "эл почта"),
    ADDRESS: ("address", "addresses", "адрес", "адреса", "юридический адрес"),
    NOTES: ("notes", "note", "comment", "comments", "примечание", "примечания", "комментарий"),
    STAGE: ("stage", "стадия", "этап", "lifecycle stage"),
    ABC: ("abc", "abc class", "класс abc", "abc класс"),
    XYZ: ("xyz", "xyz class", "класс xyz", "xyz класс"),
    OWNER: ("owner", "owner login", "ответственный", "ответственный логин", "менеджер", "manager"),
    CONTACT: ("contact", "contacts", "contact person", "contact name", "контакт", "контактное лицо",
              "контактные лица"),
    CONTACT_POSITION: ("contact position", "position", "должность", "должность контакта"),
    CONTACT_PHONE: ("contact phone", "contact phones", "телефон контакта", "телефон контактного лица"),
    CONTACT_EMAIL: ("contact email", "contact e mail", "email контакта", "e mail контакта", "почта контакта"),
}

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def header_key(text: str) -> str:
    """A header cell as compared against the aliases."""
    return " ".join(_PUNCT.sub(" ", search_form(text.lstrip("\ufeff"))).split())


def _numbered(key: str) -> str:
    """``телефон 2`` → ``телефон``: numbered repeats of a list column."""
    return re.sub(r"\s*\d+$", "", key)


class ColumnSet:
    """The columns of one kind of import file: canonical names, the header names that mean them, and
    which of them may appear more than once (read as one list)."""

    def __init__(self, aliases: dict[str, tuple[str, ...]], repeatable: frozenset[str] = frozenset()) -> None:
        self.repeatable = repeatable
        self._by_alias = {header_key(alias): column for column, names in aliases.items() for alias in names}

    def column_for(self, header: str) -> str | None:
        """The canonical column a header cell names, or None when it names none of them."""
        key = header_key(header)
        found = self._by_alias.get(key)
        if found is None:
            found = self._by_alias.get(_numbered(key))
            if found not in self.repeatable:
                return None
        return found

    def map_header(self, header: list[str]) -> tuple[dict[str, list[int]], list[str]]:
        """``{column: [cell indexes]}`` and the header cells that name no known column."""
        found: dict[str, list[int]] = {}
        ignored: list[str] = []
        for index, text in enumerate(header):
            column = self.column_for(text) if text.strip() else None
            if column is None:
                if text.strip():
                    ignored.append(text.strip())
                continue
            if column in found and column not in self.repeatable:
                first = header[found[column][0]]
                raise BadImportFile(f"Columns {first!r} and {text!r} both mean {column!r}; keep one of them.")
            found.setdefault(column, []).append(index)
        return found, ignored


def unguard(text: str) -> str:
    """Drop the apostrophe an export puts before a leading ``= + - @`` so spreadsheets read it as text."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def cell_reader(cells: list[str], found: dict[str, list[int]]) -> Callable[[str], str]:
    """``get(column)``: the row's non-empty cells of that column, one per line; ``""`` when there are none."""

    def get(column: str) -> str:
        return "\n".join(unguard(cells[i]) for i in found.get(column, ()) if cells[i].strip())

    return get


CLIENT_COLUMNS = ColumnSet(_ALIASES, LIST_COLUMNS)
column_for = CLIENT_COLUMNS.column_for


def _words(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(word): value for value, words in pairs.items() for word in words}


# "ИП" (a sole trader) reads as a company: a trader is dealt with as a business, has a legal form and an INN.
KINDS = _words({
    ClientKind.COMPANY.value: ("company", "организация", "компания", "юрлицо", "юр лицо", "юридическое лицо", "юл",
                               "legal entity", "business", "ип", "индивидуальный предприниматель"),
    ClientKind.PERSON.value: ("person", "физлицо", "физ лицо", "физическое лицо", "фл", "частное лицо",
                              "individual", "private person"),
})
STAGES = _words({
    Stage.POTENTIAL.value: ("potential", "потенциальный", "потенциальный клиент", "новый", "лид", "lead"),
    Stage.ONE_TIME.value: ("one time", "onetime", "разовый", "разовый клиент"),
    Stage.REGULAR.value: ("regular", "постоянный", "постоянный клиент"),
    Stage.LOST.value: ("lost", "потерян", "потерянный", "ушел", "ушедший"),
})
ABC_CLASSES = {header_key(c.value): c.value for c in AbcClass} | {"а": "A", "в": "B", "с": "C"}
XYZ_CLASSES = {header_key(c.value): c.value for c in XyzClass}

_LIST_SPLIT = re.compile(r"[;,\n]+")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


def split_phones(cell: str) -> list[str]:
    """Several phones in one cell, separated by ``;``, ``,`` or line breaks."""
    return [part.strip() for part in _LIST_SPLIT.split(cell) if part.strip()]


def split_emails(cell: str) -> list[str]:
    return [part for part in _EMAIL_SPLIT.split(cell) if part]


def split_lines(cell: str) -> list[str]:
    """Lines of a multi-line cell, each stripped; inner empty lines kept (they hold a place for a contact)."""
    lines = [line.strip() for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines
