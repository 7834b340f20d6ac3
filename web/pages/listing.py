"""What list pages share: reading filters from the query string and the pager's links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

MAX_PAGE = 100_000


def choice(value: str | None, allowed: list[str]) -> str | None:
    """``value`` when it is one of ``allowed``; anything else (a stale or edited link) means no filter."""
    return value if value in allowed else None


def whole_number(value: str | None, default: int | None = None) -> int | None:
    """A positive whole number written in ASCII digits ("²" is a digit to Python, not to ``int``), else ``default``."""
    if value and value.isascii() and value.isdigit() and len(value) < 12 and int(value) > 0:
        return int(value)
    return default


def page_number(value: str | None) -> int:
    return min(max(whole_number(value, 1) or 1, 1), MAX_PAGE)


def pager(path: str, number: int, total: int, size: int, kept: Mapping[str, object]) -> dict[str, Any]:
    """The template values of the pager: ``page``, ``pages``, ``prev_url``, ``next_url``."""
    pages = max(1, -(-total // size))

    def url(n: int) -> str:
        return f"{path}?" + urlencode({**kept, "page": n})

    return {
        "page": number, "pages": pages,
        "prev_url": url(number - 1) if number > 1 else None,
        "next_url": url(number + 1) if number < pages else None,
    }
