"""Russian tax ids (INN): 10 digits for organisations, 12 for individuals, with check digits."""

from __future__ import annotations

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights)) % 11 % 10


def inn_error(value: str) -> str | None:
    """None when ``value`` is a valid INN, else the reason it is not."""
    if not value.isdigit() or not value.isascii():
        return "must contain digits only"
    digits = [int(ch) for ch in value]
    if len(digits) == 10:
        return None if _check(digits, _W10) == digits[9] else "check digit does not match"
    if len(digits) == 12:
        if _check(digits, _W12_1) != digits[10] or _check(digits, _W12_2) != digits[11]:
            return "check digits do not match"
        return None
    return "must be 10 digits (organisation) or 12 digits (individual)"


def with_check_digits(prefix: str) -> str:
    """Complete a 9- or 10-digit prefix into a valid 10- or 12-digit INN (for demo data and tests)."""
    digits = [int(ch) for ch in prefix]
    if len(digits) == 9:
        digits.append(_check(digits, _W10))
    elif len(digits) == 10:
        digits.append(_check(digits, _W12_1))
        digits.append(_check(digits, _W12_2))
    else:
        raise ValueError("prefix must have 9 or 10 digits")
    return "".join(map(str, digits))
