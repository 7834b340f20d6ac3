"""Times in requests: ISO 8601 with a time zone, read as UTC.

A time without a zone (``2024-05-01T10:00:00``) is refused with a field error ("Input should have timezone
info") rather than guessed: an operator's local time and the server's UTC differ by hours, and a callback
promised for the wrong hour is worse than a rejected request. Answers give every time in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
