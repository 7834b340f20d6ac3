"""Client tags: short labels a manager puts on clients and selects segments by.

A tag is stored trimmed, lower-cased and single-spaced, so that "VIP", " vip " and "Vip" are one tag and a
segment's condition is an exact comparison in SQL.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StrictStr, StringConstraints

MAX_TAGS = 50


def normal_tag(text: str) -> str:
    """The stored form of a tag as written."""
    return " ".join(text.split()).lower()


def _tag(text: str) -> str:
    tag = normal_tag(text)
    if not tag:
        raise ValueError("a tag may not be blank")
    return tag


Tag = Annotated[StrictStr, StringConstraints(max_length=50), AfterValidator(_tag)]


def split_tags(text: str) -> list[str]:
    """Tags written in one line, separated by commas (a form field, an import cell), in their stored form."""
    return list(dict.fromkeys(tag for tag in (normal_tag(part) for part in text.replace(";", ",").split(",")) if tag))
