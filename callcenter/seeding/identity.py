"""Tax ids and phone numbers for demo rows: valid, and unique because they are derived from row ids.

A random draw would repeat itself a few dozen times in a hundred thousand clients, and every repeat
would show up as a false duplicate. Instead a row id goes through a bijection of ``0 .. 10**k - 1``
(multiplying by a number prime to 10), so distinct ids give distinct digits that still look random.
"""

from __future__ import annotations

import random

from callcenter.taxid import with_check_digits

# Russian mobile prefixes; 93x is left out because most of it is not allocated.
MOBILE_CODES = tuple(f"9{x}{y}" for x in "0125689" for y in range(10))
_MULTIPLIER = 7_368_787  # prime to 10, so n → n * M mod 10**k is a bijection


def scramble(n: int, digits: int) -> str:
    """``n`` mapped one-to-one onto ``digits`` digits (for ``n < 10**digits``), zero-padded."""
    modulus = 10**digits
    return str((n * _MULTIPLIER + 1_234_567) % modulus).zfill(digits)


def organisation_inn(region: str, client_id: int) -> str:
    """A valid 10-digit INN of an organisation registered in ``region`` (two digits)."""
    return with_check_digits(region + scramble(client_id, 7))


def individual_inn(region: str, client_id: int) -> str:
    """A valid 12-digit INN of a person or sole proprietor."""
    return with_check_digits(region + scramble(client_id, 8))


def mobile_e164(rng: random.Random, phone_id: int) -> str:
    return "+7" + rng.choice(MOBILE_CODES) + scramble(phone_id, 7)


def landline_e164(area_code: str, phone_id: int) -> str:
    return "+7" + area_code + scramble(phone_id, 7)


def written(rng: random.Random, e164: str, domestic: bool = True) -> str:
    """The number as people type it: ``8 (913) 123-45-67``, ``+7 913 123 45 67``, ``79131234567``...

    Without ``domestic`` (numbers read with another default region) only forms with ``+7`` are used.
    """
    n = e164[2:]
    code, a, b, c = n[:3], n[3:6], n[6:8], n[8:]
    style = rng.randrange(7) if domestic else rng.choice((1, 3, 6))
    if style == 0:
        return f"8 ({code}) {a}-{b}-{c}"
    if style == 1:
        return f"+7 {code} {a} {b} {c}"
    if style == 2:
        return "7" + n
    if style == 3:
        return f"+7 ({code}) {a}-{b}-{c}"
    if style == 4:
        return f"8-{code}-{a}-{b}-{c}"
    if style == 5:
        return "8" + n
    return e164
