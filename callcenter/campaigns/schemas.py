"""What the outside may send to make or change a campaign, and the rules a campaign dials by.

The rules (:class:`CampaignRules`) are stored whole in ``campaigns.rules`` and read whole by the dialer,
so this module imports no ORM: the pure rule modules of ``dialer`` read it too.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from callcenter.enums import DialMode
from callcenter.ids import Id
from callcenter.phones import BadPhone, to_e164

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Order = Literal["class_a_first", "longest_since_contact", "recently_active"]
MachineAction = Literal["hangup", "message"]
RegulatorWindow = Literal["uk_24h", "us_30d"]

# The ceiling the law sets on abandoned calls (share of live answers) and on the wait for an operator.
MAX_ABANDON_RATE = 0.03
MAX_CONNECT_WINDOW_S = 2.0

_CLOCK = re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$")


def clock_minutes(text: str) -> int:
    """``"09:30"`` -> 570; ``"24:00"`` -> 1440 (the end of the day)."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _default_windows() -> dict[Weekday, list[list[str]]]:
    weekdays: dict[Weekday, list[list[str]]] = {day: [["09:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    return {**weekdays, "sat": [["10:00", "18:00"]], "sun": []}


class CampaignRules(BaseModel):
    """How a campaign dials. Unknown keys are refused; every value has a default, so ``{}`` is valid.

    The 72-hour pause after an abandoned call is not here: it is the law, not a setting (``dialer.retries``).
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    # Per weekday, [start, end) pairs of the client's local wall clock ("HH:MM", end may be "24:00").
    windows: dict[Weekday, list[list[str]]] = Field(default_factory=_default_windows)
    # For numbers whose zone neither the number nor the client tells.
    default_timezone: str = "Europe/Moscow"
    busy_retry_minutes: int = Field(default=15, ge=1, le=10080)
    no_answer_retry_hours: float = Field(default=2.0, ge=0.1, le=720)
    machine_retry_hours: float = Field(default=4.0, ge=0.1, le=720)
    failed_retry_minutes: int = Field(default=30, ge=1, le=10080)
    max_attempts_per_number: int = Field(default=3, ge=1, le=50)
    max_attempts_per_client: int = Field(default=6, ge=1, le=200)
    machine_action: MachineAction = "hangup"
    order: Order = "class_a_first"
    ring_timeout_s: int = Field(default=25, ge=5, le=120)
    preview_countdown_s: int = Field(default=0, ge=0, le=600)  # 0: wait for the operator's click
    abandon_target: float = Field(default=MAX_ABANDON_RATE, ge=0, le=MAX_ABANDON_RATE)
    connect_window_s: float = Field(default=MAX_CONNECT_WINDOW_S, ge=0.5, le=MAX_CONNECT_WINDOW_S)
    regulator_window: RegulatorWindow = "uk_24h"
    max_lines: int | None = Field(default=None, ge=1, le=1000)

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: dict[Weekday, list[list[str]]]) -> dict[Weekday, list[list[str]]]:
        for day, spans in value.items():
            problem = window_problem(day, spans)
            if problem is not None:
                raise problem
        if not any(spans for spans in value.values()):
            raise PydanticCustomError("windows_empty", "at least one call window in the week")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError("unknown_timezone", "unknown time zone '{zone}'", {"zone": value[:64]}) from None
        return value


def window_problem(day: str, spans: list[list[str]]) -> PydanticCustomError | None:
    """What is wrong with one weekday's windows, or None. Each problem has its own error type (``window_count``,
    ``window_format``, ``window_order``, ``window_overlap``) with the day (and the window) in its context, so
    that a form can say it in its reader's language, and can check each day on its own."""
    if len(spans) > 12:
        return PydanticCustomError("window_count", "{day}: at most 12 windows a day", {"day": day})
    previous_end = -1
    for span in sorted(spans, key=lambda s: s[0] if s and isinstance(s[0], str) else ""):
        if len(span) != 2 or not all(isinstance(t, str) and _CLOCK.match(t) for t in span):
            return PydanticCustomError("window_format", '{day}: each window is ["HH:MM", "HH:MM"]', {"day": day})
        start, end = clock_minutes(span[0]), clock_minutes(span[1])
        if start >= end:
            return PydanticCustomError("window_order", "{day}: a window ends after it starts ({window})",
                                       {"day": day, "window": f"{span[0]}-{span[1]}"})
        if start < previous_end:
            return PydanticCustomError("window_overlap", "{day}: windows overlap", {"day": day})
        previous_end = end
    return None


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Queue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")]
CallerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _caller_id(value: str | None) -> str | None:
    """The number clients see: a real number, kept in E.164 (what Asterisk's CallerID is set to)."""
    if value is None:
        return None
    try:
        return to_e164(value)
    except BadPhone as exc:
        raise PydanticCustomError("bad_phone", "not a valid phone number: {reason}", {"reason": exc.reason}) from None


class CampaignIn(BaseModel):
    """A new campaign (always a draft). ``refresh_minutes`` None: the segment is frozen at the first start."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    segment_id: Id
    mode: DialMode = DialMode.PROGRESSIVE
    refresh_minutes: int | None = Field(default=None, ge=5, le=10080)
    team_id: Id | None = None
    operator_ids: list[Id] = Field(default_factory=list, max_length=500)
    caller_id: CallerId
    queue: Queue | None = None
    rules: CampaignRules = Field(default_factory=CampaignRules)

    @field_validator("caller_id")
    @classmethod
    def _check_caller_id(cls, value: str) -> str:
        return _caller_id(value) or value


class CampaignPatch(BaseModel):
    """A change; only the fields sent change. ``rules`` replaces the rules whole."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    segment_id: Id | None = None
    mode: DialMode | None = None
    refresh_minutes: int | None = Field(default=None, ge=5, le=10080)
    team_id: Id | None = None
    operator_ids: list[Id] | None = Field(default=None, max_length=500)
    caller_id: CallerId | None = None
    queue: Queue | None = None
    rules: CampaignRules | None = None

    @field_validator("caller_id")
    @classmethod
    def _check_caller_id(cls, value: str | None) -> str | None:
        return _caller_id(value)


class CampaignFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["draft", "running", "paused", "finished"] | None = None


class DncIn(BaseModel):
    """A number never to dial: by every campaign (``campaign_id`` None) or by one."""

    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    campaign_id: Id | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class DncFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: Id | None = None
    scope: Literal["all", "global", "campaign"] = "all"
    number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
