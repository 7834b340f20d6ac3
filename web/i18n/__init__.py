"""The pages' languages: choosing one per request, looking texts up, and writing dates the local way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from web.i18n import en, ru

CATALOGUES: dict[str, dict[str, str]] = {"ru": ru.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGUES)
DEFAULT_LANGUAGE = "ru"
LANG_COOKIE = "cc_lang"


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in CATALOGUES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser likes best (``en-US,en;q=0.9,ru;q=0.8`` → ``en``)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((header or "").split(",")):
        code, _, params = part.partition(";")
        lang = _supported(code)
        if lang is None:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality <= 0:
            continue
        # Higher quality wins; among equals, the one the browser listed first.
        candidate = (quality, -position, lang)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else None


def negotiate(*, cookie: str | None, user_locale: str | None, accept_language: str | None) -> str:
    """The switch (cookie) first, then the user's own setting, then the browser, then the default."""
    return (
        _supported(cookie)
        or _supported(user_locale)
        or from_accept_language(accept_language)
        or DEFAULT_LANGUAGE
    )


class Translator:
    """``t("key", name=...)``: the text in this language, with ``{name}`` placeholders filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in CATALOGUES else DEFAULT_LANGUAGE
        self._messages = CATALOGUES[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key)
        if text is None:
            # A missing key is a bug the catalogue test catches; the page still shows something useful.
            text = CATALOGUES["en"].get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages

    def datetime(self, value: datetime | str | None) -> str:
        """``5 марта 2025, 14:05`` / ``5 Mar 2025, 14:05`` (UTC; the page script turns it into local time)."""
        moment = _as_datetime(value)
        if moment is None:
            return ""
        moment = moment.astimezone(UTC)
        return f"{self.date(moment.date())}, {moment:%H:%M}"

    def date(self, value: date | str | None) -> str:
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if value is None:
            return ""
        return self("date.format", day=value.day, month=self(f"month.{value.month}"), year=value.year)

    def money(self, value: Decimal | str | None, currency: str = "") -> str:
        """Grouped thousands the local way: ``1 234 567,50`` / ``1,234,567.50``."""
        if value is None or value == "":
            return ""
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        text = f"{amount:,.2f}"
        if self.lang == "ru":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return f"{text}\u00a0{currency}" if currency else text


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace(" ", "T", 1))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
