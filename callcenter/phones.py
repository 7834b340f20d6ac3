"""Phone numbers: parsing any written form into E.164 with the ``phonenumbers`` library."""

from __future__ import annotations

import phonenumbers


class BadPhone(ValueError):
    """The text is not a usable phone number; ``reason`` says why."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"{raw!r}: {reason}")
        self.raw = raw
        self.reason = reason


_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _prepare(raw: str, region: str) -> str:
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    # Russian habit: "8 913 ..." is a trunk prefix and "7913..." a country code written without "+".
    if region == "RU" and not text.startswith("+") and len(digits) == 11 and digits[0] == "7":
        return "+" + digits
    return text


def to_e164(raw: str, region: str = "RU") -> str:
    """``8 (913) 123-45-67``, ``+7 913 123 45 67`` and ``79131234567`` all give ``+79131234567``.

    Raises :class:`BadPhone` with the reason when the text is not a valid number.
    """
    if not raw or not raw.strip():
        raise BadPhone(raw, "empty")
    if len(raw) > 64:
        raise BadPhone(raw[:64], "too long")
    try:
        number = phonenumbers.parse(_prepare(raw, region), region)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(raw, _REASONS.get(exc.error_type, "not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(raw, "not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(raw: str, region: str = "RU") -> str | None:
    """E.164 form, or None when ``raw`` is not a valid number (for lookups, where a miss is an answer)."""
    try:
        return to_e164(raw, region)
    except BadPhone:
        return None


def display(e164: str) -> str:
    """The international written form, for pages."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
