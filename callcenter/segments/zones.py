"""Phone numbers in a time zone, decided in SQL from ``phonenumbers``' area-code table.

``phonenumbers.timezone`` finds a number's zones by the longest prefix of its digits listed in its table.
A number is in zone Z here when that longest prefix lists Z alone: numbers whose prefix lists several zones
(Russian mobile numbers list all eleven Russian zones) tell nothing about where the client is. The same rule
is written as SQL over ``phones.e164``: for each prefix length, the number's leading digits are one of the
zone's prefixes of that length, and no longer prefix of the table begins the number.

``phonenumbers`` reads the table only for geographic numbers (fixed lines, and mobiles in a few countries);
other numbers get their whole country's zones. The number's type cannot be told in SQL, so a prefix whose
numbers ``phonenumbers`` classes as not geographic (Russia's ``+79``: mobiles) is left out of the table
here; for a country with one zone, such a number still lands in that zone through the country's prefix.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers.phonenumberutil import is_number_type_geographical
from phonenumbers.tzdata import TIMEZONE_DATA
from sqlalchemy import and_, false, func, or_


@lru_cache(maxsize=4096)
def _geographic(prefix: str) -> bool:
    """Whether numbers beginning with ``prefix`` are geographic, judged from a few made-up valid ones.

    False only when some are valid and none of those is geographic; a prefix that gives no valid number
    (whole countries) is kept.
    """
    verdicts = set()
    for filler in "52381":
        for extra in range(4, 13):
            try:
                number = phonenumbers.parse("+" + prefix + filler * extra)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                kind = phonenumbers.number_type(number)
                verdicts.add(is_number_type_geographical(kind, number.country_code or 0))
    return not verdicts or True in verdicts


@lru_cache(maxsize=64)
def _prefix_sets(zones: frozenset[str]) -> tuple[tuple[int, tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...]], ...]:
    """Per prefix length L: the prefixes naming one of ``zones`` alone, and per longer length the table's
    prefixes extending one of them (which, when they begin a number, decide its zone instead)."""
    good: dict[int, set[str]] = defaultdict(set)
    for prefix, listed in TIMEZONE_DATA.items():
        if len(listed) == 1 and listed[0] in zones and _geographic(prefix):
            good[len(prefix)].add(prefix)
    result = []
    for length in sorted(good):
        starts = good[length]
        longer: dict[int, set[str]] = defaultdict(set)
        for prefix in TIMEZONE_DATA:
            if len(prefix) > length and prefix[:length] in starts:
                longer[len(prefix)].add(prefix)
        result.append((
            length,
            tuple(sorted(starts)),
            tuple((other, tuple(sorted(longer[other]))) for other in sorted(longer)),
        ))
    return tuple(result)


def number_in_zones(e164: Any, zones: list[str]) -> Any:
    """A condition on an E.164 column: the number lies in one of ``zones`` by its area code alone."""
    terms = []
    for length, starts, longer in _prefix_sets(frozenset(zones)):
        term = [func.substr(e164, 2, length).in_(starts)]
        term += [func.substr(e164, 2, other).not_in(prefixes) for other, prefixes in longer]
        terms.append(and_(e164.like("+%"), *term))
    return or_(*terms) if terms else false()
