"""Dates and sums of money as people write them in spreadsheets, read strictly.

Dates: ISO ``2024-03-31`` (also what a real Excel date cell reads as, ``2024-03-31T00:00:00``) or the
Russian ``31.03.2024``; the time of day, when present, is dropped. ``03/04/2024`` is refused: it is the
3rd of April in Moscow and the 4th of March in New York.

Sums: digits with an optional sign, a decimal comma or point, and thousands separated by spaces (of any
width), apostrophes, or by the other mark (``1 234,50``, ``1.234,50``, ``1,234.50``, ``1234.5``). A
single mark is the decimal one, so ``1,234`` is one and 234 thousandths and is refused for having more
than two decimal places rather than read as a thousand. Binary floating-point noise from a spreadsheet
formula (``1234.5600000000002``) is rounded away.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

CENTS = Decimal("0.01")
_FLOAT_NOISE = Decimal("0.000001")
FIRST_YEAR, LAST_YEAR = 1900, 2100

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME)
_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = str.maketrans("", "", "'\u2019")
_MINUS = "-\u2212\u2013"  # the hyphen, the minus sign, and the en dash a word processor puts for it


def parse_date(text: str) -> date:
    """The date ``text`` writes; :class:`ValueError` with the reason when it writes none."""
    value = text.strip()
    iso = _ISO.fullmatch(value)
    dotted = None if iso else _DOTTED.fullmatch(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif dotted:
        day, month, year = (int(g) for g in dotted.groups())
    else:
        raise ValueError(f"{value!r} is not a date: write 2024-03-31 or 31.03.2024")
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a date: there is no such day") from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise ValueError(f"{value!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return found


def parse_money(text: str) -> Decimal:
    """The sum ``text`` writes, to the cent; :class:`ValueError` with the reason when it writes none."""
    shown = text.strip()
    compact = "".join(ch for ch in shown if not ch.isspace()).translate(_SEPARATORS)
    sign = ""
    if compact[:1] and compact[0] in "+" + _MINUS:
        sign, compact = ("-" if compact[0] in _MINUS else ""), compact[1:]
    number = _plain_number(compact)
    if number is None:
        raise ValueError(f"{shown!r} is not a sum of money: write 1234.50 or 1 234,50")
    value = Decimal(sign + number)
    rounded = value.quantize(CENTS)
    if abs(value - rounded) > _FLOAT_NOISE:
        raise ValueError(f"{shown!r} has more than two decimal places")
    return rounded


def _plain_number(compact: str) -> str | None:
    """``1.234,5`` → ``1234.5``: thousands marks dropped, the decimal mark made a point; None if malformed."""
    marks = [ch for ch in compact if ch in ",."]
    decimal_mark = None
    if marks and (len(set(marks)) == 2 or marks.count(marks[-1]) == 1):
        decimal_mark = marks[-1]
    whole, fraction = compact, ""
    if decimal_mark is not None:
        whole, _, fraction = compact.rpartition(decimal_mark)
        if not _DIGITS.fullmatch(fraction):
            return None
    group_marks = set(whole) & {",", "."}
    if len(group_marks) > 1:
        return None
    if group_marks:
        group = group_marks.pop()
        if not re.fullmatch(r"[0-9]{1,3}(?:" + re.escape(group) + r"[0-9]{3})+", whole):
            return None
        whole = whole.replace(group, "")
    if not _DIGITS.fullmatch(whole):
        return None
    return f"{whole}.{fraction}" if fraction else whole
