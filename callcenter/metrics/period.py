"""A reporting period: whole days from ``from`` to ``to`` inclusive, in the CRM's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callcenter.errors import ValidationFailed

MAX_DAYS = 400  # a year and a bit: the longest period one request may ask for


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # inclusive
    zone: str = "UTC"

    @classmethod
    def of(cls, first: date, last: date, zone: str = "UTC") -> Period:
        """The period, or :class:`ValidationFailed` when it runs backwards or is too long."""
        if last < first:
            raise ValidationFailed({"to": "must not be before from"})
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationFailed({"to": f"a period is at most {MAX_DAYS} days"})
        return cls(first, last, zone)

    @property
    def start(self) -> datetime:
        """The first day's midnight, in UTC."""
        return datetime.combine(self.first, time(), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The midnight after the last day, in UTC (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1
