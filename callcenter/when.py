"""Times in requests: ISO 8601 with a time zone, read as UTC.

A time without a zone (``2024-05-01T10:00:00``) is refused with a field error ("Input should have timezone
info") rather than guessed: an operator's local time and the server's UTC differ by hours, and a callback
promised for the wrong hour is worse than a rejected request. Answers give every time in UTC.

Bounds of a report or a list (``since``, ``until``) are the exception: ``LocalInstant`` also takes a day
(``2026-12-08``, its midnight) or a time without a zone, both read in the installation's zone
(``Settings.time_zone``), which the API passes as the validation context ``{"time_zone": ...}``. A time that
is no instant at all once in UTC (``0001-01-01`` east of Greenwich) is a field error, never a server error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, ValidationInfo

OUT_OF_RANGE = "Input is outside the years 1 to 9999 once read in UTC"


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE) from None


def context_zone(info: ValidationInfo) -> str | None:
    """The installation's time zone the API passed to the validation, if any."""
    context = info.context if isinstance(info.context, dict) else {}
    zone = context.get("time_zone")
    return zone if isinstance(zone, str) else None


def _local(moment: datetime, info: ValidationInfo) -> datetime:
    if moment.tzinfo is None:  # pydantic reads a bare day as its midnight, without a zone
        zone = context_zone(info)
        if zone is None:
            raise ValueError("Input should have timezone info")
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return _utc(moment)


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
# A bound of a period: a zoned time, or a day or a time in the installation's zone; always UTC once read.
LocalInstant = Annotated[datetime, AfterValidator(_local)]
