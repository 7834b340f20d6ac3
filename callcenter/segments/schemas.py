"""What a segment is made of: its name and its filter document, as the outside world may send them.

The filter document is the ``segments.filters`` JSON: every condition is optional, the ones given are
combined with AND, and an unknown key is refused (422 naming it). An empty list means "no condition", so
an editor that sends every field, some of them unticked, says what it means. Dates may be fixed
(``2026-10-01``) or relative to the day the segment is counted (``quarter_start``, ``-30d``), so that a
saved "did not buy this quarter" stays true next quarter.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

from callcenter.clients.schemas import TimeZoneName
from callcenter.enums import AbcClass, Stage, XyzClass
from callcenter.ids import Id
from callcenter.tags import Tag

# Period starts a date condition may name instead of a fixed day; resolved on the day the segment is counted.
PERIOD_STARTS = ("today", "week_start", "month_start", "quarter_start", "year_start")
_DAYS_AGO = re.compile(r"^-(\d{1,4})d$")
MAX_ITEMS = 200


def _date_bound(text: str) -> str:
    if text in PERIOD_STARTS or _DAYS_AGO.match(text):
        return text
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(
            "a date (YYYY-MM-DD), -Nd (N days ago) or one of " + ", ".join(PERIOD_STARTS)
        ) from None


# A day: fixed or relative (see the module's docstring).
DateBound = Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_date_bound)]
PropertyKey = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PropertyValue = Annotated[StrictStr, StringConstraints(max_length=500)] | int | float | bool


def resolve_bound(bound: str, today: date) -> date:
    """The day ``bound`` names when the segment is counted on ``today``."""
    days = _DAYS_AGO.match(bound)
    if days:
        return date.fromordinal(today.toordinal() - int(days.group(1)))
    if bound == "today":
        return today
    if bound == "week_start":
        return date.fromordinal(today.toordinal() - today.weekday())
    if bound == "month_start":
        return today.replace(day=1)
    if bound == "quarter_start":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if bound == "year_start":
        return today.replace(month=1, day=1)
    return date.fromisoformat(bound)


class SegmentFilter(BaseModel):
    """The conditions of a segment, every one optional, all combined with AND."""

    model_config = ConfigDict(extra="forbid")

    stages: list[Stage] | None = Field(default=None, max_length=10)
    abc: list[AbcClass] | None = Field(default=None, max_length=10)
    xyz: list[XyzClass] | None = Field(default=None, max_length=10)
    owner_ids: list[Id] | None = Field(default=None, max_length=MAX_ITEMS, description="owned by one of these users")
    team_ids: list[Id] | None = Field(default=None, max_length=MAX_ITEMS,
                                      description="owned by a member of one of these teams")
    time_zones: list[TimeZoneName] | None = Field(
        default=None, max_length=MAX_ITEMS,
        description="the client's time zone is one of these, or (without one) one of their phone numbers lies "
                    "in one of them by its area code")
    last_contact_before: DateBound | None = Field(
        default=None, description="no contact with the client on or after this day (never contacted included)")
    last_contact_after: DateBound | None = Field(default=None, description="a contact on or after this day")
    never_called: StrictBool | None = Field(default=None, description="true: no call ever; false: at least one")
    tags_any: list[Tag] | None = Field(default=None, max_length=MAX_ITEMS, description="has at least one of these tags")
    tags_all: list[Tag] | None = Field(default=None, max_length=MAX_ITEMS, description="has every one of these tags")
    custom_equals: dict[PropertyKey, PropertyValue] | None = Field(
        default=None, max_length=50, description="custom properties equal to these values (compared as text)")
    custom_has: list[PropertyKey] | None = Field(default=None, max_length=50,
                                                 description="custom properties the client has (not null)")
    has_open_deals: StrictBool | None = None
    purchased_since: DateBound | None = Field(default=None, description="a sale on or after this day")
    not_purchased_since: DateBound | None = Field(default=None, description="no sale on or after this day")
    name_contains: Annotated[StrictStr, StringConstraints(strip_whitespace=True, max_length=300)] | None = None

    @model_validator(mode="after")
    def _dedupe(self) -> SegmentFilter:
        for name in ("stages", "abc", "xyz", "owner_ids", "team_ids", "time_zones", "tags_any", "tags_all", "custom_has"):
            values = getattr(self, name)
            if values is not None:
                setattr(self, name, list(dict.fromkeys(values)))
        return self

    def document(self) -> dict[str, Any]:
        """The stored form: the conditions given, in JSON types; empty lists and blank text dropped."""
        dumped = self.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in dumped.items() if value not in ([], {}, "")}


SegmentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SegmentName
    filters: SegmentFilter = Field(default_factory=SegmentFilter)


class SegmentPatch(BaseModel):
    """A change: the fields given replace the old ones (``filters`` whole)."""

    model_config = ConfigDict(extra="forbid")

    name: SegmentName | None = None
    filters: SegmentFilter | None = None
