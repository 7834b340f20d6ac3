"""Call windows in the client's own local time: may a number be dialled now, and when next.

Pure: no database, no clock of its own. A number's time zones come from ``phonenumbers`` (its
geography); a number the library places in several zones (a Russian mobile: all of Russia) is callable
only when it is callable in every one of them, unless the client's own time zone is one of them: then
that zone is taken as the number's. A number the library cannot place falls back to the client's zone,
then to the campaign's default.

Windows are ``[start, end)`` on the local wall clock of each weekday. Wall clocks are read with
``zoneinfo``, so a daylight-saving change moves a window with the clock: a window starting inside the
hour the clock skips opens at the moment the clock jumps over it, and the repeated hour of an autumn
change is callable both times it is lived.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from callcenter.campaigns.schemas import WEEKDAYS, clock_minutes

Spans = tuple[tuple[int, int], ...]  # [start, end) minutes of the day
UNKNOWN_ZONE = "Etc/Unknown"
# phonenumbers places Kaliningrad (+7 4012) in Europe/Bucharest, which keeps summer time; Kaliningrad does not.
_ZONE_FIXES = {("RU", "Europe/Bucharest"): "Europe/Kaliningrad"}
_HORIZON_DAYS = 8  # every weekday once, and the day we start on again


class WeeklyWindows:
    """The windows of each weekday (Monday first), in minutes of the local day."""

    __slots__ = ("days",)

    def __init__(self, days: Sequence[Spans]) -> None:
        if len(days) != 7:
            raise ValueError("seven weekdays")
        self.days = tuple(tuple(sorted(spans)) for spans in days)

    @classmethod
    def from_rules(cls, windows: Mapping[Any, Sequence[Sequence[str]]]) -> WeeklyWindows:
        """From a campaign's rules: ``{"mon": [["09:00", "13:00"], ...], ...}``; a missing day has none."""
        return cls([tuple((clock_minutes(s[0]), clock_minutes(s[1])) for s in windows.get(day, ())) for day in WEEKDAYS])

    def open_in(self, zone: ZoneInfo, at: datetime) -> bool:
        """Whether the local wall clock of ``zone`` at the instant ``at`` is inside a window."""
        local = at.astimezone(zone)
        minute = local.hour * 60 + local.minute + local.second / 60
        return any(start <= minute < end for start, end in self.days[local.weekday()])

    def open_in_all(self, zones: Iterable[ZoneInfo], at: datetime) -> bool:
        return all(self.open_in(zone, at) for zone in zones)

    def next_open(self, zones: Sequence[ZoneInfo], now: datetime) -> datetime | None:
        """The first instant at or after ``now`` when the number is callable in all its zones; None if the
        windows never open (within a week, so never)."""
        if self.open_in_all(zones, now):
            return now
        # Where the zones' windows overlap, the overlap starts where one zone's window starts.
        candidates = sorted({c for zone in zones for c in self._openings(zone, now)})
        return next((c for c in candidates if self.open_in_all(zones, c)), None)

    def _openings(self, zone: ZoneInfo, now: datetime) -> Iterable[datetime]:
        first_day = now.astimezone(zone).date()
        for offset in range(_HORIZON_DAYS):
            day = first_day + timedelta(days=offset)
            for start, _end in self.days[day.weekday()]:
                wall = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=start)
                instant = _instant_of(wall, zone)
                if instant > now:
                    yield instant


def _instant_of(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant the wall clock of ``zone`` reads ``wall`` or later (a skipped time: the jump)."""
    before = wall.replace(fold=0).astimezone(UTC)
    after = wall.replace(fold=1).astimezone(UTC)
    target = wall.replace(tzinfo=None)
    if before.astimezone(zone).replace(tzinfo=None) == target:
        return before  # fold 0: the first time a repeated wall time is lived
    # The clock skips ``wall``: the window opens when the clock jumps, between the two readings.
    low, high = min(before, after), max(before, after)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= target:
            high = middle
        else:
            low = middle
    return high


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=65536)
def zones_of_number(e164: str) -> tuple[str, ...]:
    """The time zones ``phonenumbers`` places a number in (corrected where its data is known wrong); ()
    when it cannot tell."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ()
    region = phonenumbers.region_code_for_number(number) or ""
    names = (_ZONE_FIXES.get((region, name), name) for name in number_zones.time_zones_for_number(number))
    return tuple(sorted({name for name in names if name != UNKNOWN_ZONE and _zone(name) is not None}))


def zones_for(e164: str, client_zone: str | None, default_zone: str) -> tuple[ZoneInfo, ...]:
    """The zones whose windows a number must be inside to be dialled (see the module's docstring)."""
    names = zones_of_number(e164)
    if len(names) > 1 and client_zone in names:
        names = (client_zone,)
    zones = tuple(z for z in (_zone(n) for n in names) if z is not None)
    if zones:
        return zones
    fallback = _zone(client_zone) if client_zone else None
    return (fallback,) if fallback is not None else (_zone(default_zone) or ZoneInfo("UTC"),)
