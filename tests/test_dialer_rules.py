"""The dialer's pure rules: call windows in each number's local time, and retries by outcome."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from callcenter.campaigns.schemas import CampaignIn, CampaignRules
from callcenter.enums import AttemptOutcome, LeadState
from dialer.retries import ABANDONED_QUIET, after_attempt
from dialer.windows import WeeklyWindows, zones_for, zones_of_number

VLADIVOSTOK = "+74232123456"
KALININGRAD = "+74012123456"
NEW_YORK = "+12125551234"
RU_MOBILE = "+79131234567"
WEEKDAYS_9_20 = WeeklyWindows.from_rules({d: [["09:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def zones(number: str, client_zone: str | None = None) -> tuple[ZoneInfo, ...]:
    return zones_for(number, client_zone, "Europe/Moscow")


def test_vladivostok_and_kaliningrad_at_the_same_instant() -> None:
    # Wednesday 2026-07-15 01:30 UTC: 11:30 in Vladivostok (UTC+10), 03:30 in Kaliningrad (UTC+2, no summer time).
    at = utc(2026, 7, 15, 1, 30)
    assert [z.key for z in zones(VLADIVOSTOK)] == ["Asia/Vladivostok"]
    assert [z.key for z in zones(KALININGRAD)] == ["Europe/Kaliningrad"]
    assert WEEKDAYS_9_20.open_in_all(zones(VLADIVOSTOK), at)
    assert not WEEKDAYS_9_20.open_in_all(zones(KALININGRAD), at)
    # Kaliningrad opens at 09:00 local = 07:00 UTC; by then Vladivostok (17:00) is still open, at 10:00 UTC it is not.
    assert WEEKDAYS_9_20.next_open(zones(KALININGRAD), at) == utc(2026, 7, 15, 7, 0)
    assert not WEEKDAYS_9_20.open_in_all(zones(VLADIVOSTOK), utc(2026, 7, 15, 10, 0))
    assert WEEKDAYS_9_20.next_open(zones(VLADIVOSTOK), utc(2026, 7, 15, 10, 0)) == utc(2026, 7, 15, 23, 0)


def test_us_number_across_daylight_saving() -> None:
    # New York: 09:00 is 14:00 UTC in winter (EST) and 13:00 UTC after 2026-03-08 (EDT).
    ny = zones(NEW_YORK)
    assert [z.key for z in ny] == ["America/New_York"]
    assert WEEKDAYS_9_20.next_open(ny, utc(2026, 3, 6, 3, 0)) == utc(2026, 3, 6, 14, 0)  # Friday, EST
    # From Friday night the next window is Monday, after the change.
    assert WEEKDAYS_9_20.next_open(ny, utc(2026, 3, 7, 2, 0)) == utc(2026, 3, 9, 13, 0)
    assert WEEKDAYS_9_20.open_in_all(ny, utc(2026, 3, 9, 13, 0))
    assert not WEEKDAYS_9_20.open_in_all(ny, utc(2026, 3, 9, 12, 59))


def test_window_starting_in_the_skipped_hour_opens_at_the_jump() -> None:
    sunday_night = WeeklyWindows.from_rules({"sun": [["02:30", "05:00"]]})
    ny = (ZoneInfo("America/New_York"),)
    # 2026-03-08 02:00 EST the clock jumps to 03:00 EDT (07:00 UTC): 02:30 never happens.
    assert sunday_night.next_open(ny, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 7, 0)
    assert not sunday_night.open_in_all(ny, utc(2026, 3, 8, 6, 59))
    # The autumn's repeated hour: 01:30 is lived twice, callable both times in a 01:00-02:00 window.
    repeated = WeeklyWindows.from_rules({"sun": [["01:00", "02:00"]]})
    assert repeated.open_in_all(ny, utc(2026, 11, 1, 5, 30)) and repeated.open_in_all(ny, utc(2026, 11, 1, 6, 30))
    assert not repeated.open_in_all(ny, utc(2026, 11, 1, 7, 0))


def test_weekday_boundary_at_local_midnight() -> None:
    friday_only = WeeklyWindows.from_rules({"fri": [["18:00", "24:00"]], "sat": [["00:00", "01:00"]]})
    vl = zones(VLADIVOSTOK)
    # Friday 2026-07-17 23:59 in Vladivostok is 13:59 UTC; Saturday 00:30 is 14:30 UTC; 01:00 closes.
    assert friday_only.open_in_all(vl, utc(2026, 7, 17, 13, 59))
    assert friday_only.open_in_all(vl, utc(2026, 7, 17, 14, 30))
    assert not friday_only.open_in_all(vl, utc(2026, 7, 17, 15, 0))
    # In Moscow at that instant it is still Friday 16:59: not yet open there.
    assert not friday_only.open_in_all((ZoneInfo("Europe/Moscow"),), utc(2026, 7, 17, 13, 59))
    assert friday_only.next_open(vl, utc(2026, 7, 17, 15, 0)) == utc(2026, 7, 24, 8, 0)


def test_several_windows_a_day() -> None:
    split = WeeklyWindows.from_rules({"mon": [["09:00", "13:00"], ["14:00", "20:00"]]})
    moscow = (ZoneInfo("Europe/Moscow"),)  # UTC+3
    monday = (2026, 7, 13)
    assert split.open_in_all(moscow, utc(*monday, 9, 59))
    assert not split.open_in_all(moscow, utc(*monday, 10, 0))  # 13:00, lunch
    assert split.next_open(moscow, utc(*monday, 10, 0)) == utc(*monday, 11, 0)
    assert split.next_open(moscow, utc(*monday, 17, 0)) == utc(2026, 7, 20, 6, 0)


def test_number_in_many_zones_must_be_open_in_all_unless_the_client_says_which() -> None:
    many = zones(RU_MOBILE)
    assert len(many) > 5 and "Asia/Kamchatka" in {z.key for z in many}
    # Wednesday 10:00 in Moscow (07:00 UTC) is 19:00 on Kamchatka: open everywhere; 12:00 Moscow is not.
    assert WEEKDAYS_9_20.open_in_all(many, utc(2026, 7, 15, 7, 0))
    assert not WEEKDAYS_9_20.open_in_all(many, utc(2026, 7, 15, 9, 0))
    own = zones(RU_MOBILE, "Asia/Novosibirsk")
    assert [z.key for z in own] == ["Asia/Novosibirsk"]
    assert WEEKDAYS_9_20.open_in_all(own, utc(2026, 7, 15, 9, 0))
    # A zone the number cannot be in does not narrow it.
    assert len(zones(RU_MOBILE, "America/Chicago")) == len(many)


def test_unplaceable_number_falls_back_to_client_then_campaign_zone() -> None:
    assert zones_of_number("+80012345678") == ()
    assert [z.key for z in zones_for("+80012345678", "Asia/Omsk", "Europe/Moscow")] == ["Asia/Omsk"]
    assert [z.key for z in zones_for("+80012345678", "Not/AZone", "Europe/Samara")] == ["Europe/Samara"]


def rules(**kw: object) -> CampaignRules:
    return CampaignRules.model_validate(kw)


@pytest.mark.parametrize(("outcome", "delay"), [
    (AttemptOutcome.BUSY, timedelta(minutes=7)),
    (AttemptOutcome.NO_ANSWER, timedelta(hours=3)),
    (AttemptOutcome.MACHINE, timedelta(hours=5)),
    (AttemptOutcome.FAILED, timedelta(minutes=11)),
    (AttemptOutcome.ABANDONED, timedelta(hours=72)),
])
def test_retry_by_outcome(outcome: AttemptOutcome, delay: timedelta) -> None:
    r = rules(busy_retry_minutes=7, no_answer_retry_hours=3.0, machine_retry_hours=5.0, failed_retry_minutes=11)
    ended = utc(2026, 7, 15, 10, 0)
    step = after_attempt(outcome, r, ended_at=ended, client_attempts=1, numbers_left=1)
    assert (step.lead_state, step.next_attempt_at, step.reason) == (LeadState.PENDING, ended + delay, outcome.value)


def test_connected_is_done_and_attempts_run_out() -> None:
    ended = utc(2026, 7, 15, 10, 0)
    r = rules(max_attempts_per_client=3, max_attempts_per_number=2)
    assert after_attempt(AttemptOutcome.CONNECTED, r, ended_at=ended, client_attempts=1, numbers_left=1).reason == "reached"
    assert after_attempt(AttemptOutcome.BUSY, r, ended_at=ended, client_attempts=3, numbers_left=1).reason == "attempts"
    step = after_attempt(AttemptOutcome.BUSY, r, ended_at=ended, client_attempts=2, numbers_left=0)
    assert (step.lead_state, step.next_attempt_at, step.reason) == (LeadState.DONE, None, "attempts")
    assert after_attempt(AttemptOutcome.BUSY, r, ended_at=ended, client_attempts=2, numbers_left=1).lead_state \
        == LeadState.PENDING


def test_72_hours_after_an_abandoned_call_hold_for_every_later_outcome() -> None:
    abandoned = utc(2026, 7, 14, 9, 0)
    ended = utc(2026, 7, 15, 10, 0)
    step = after_attempt(AttemptOutcome.BUSY, rules(), ended_at=ended, client_attempts=1, numbers_left=1,
                         last_abandoned_at=abandoned)
    assert step.next_attempt_at == abandoned + ABANDONED_QUIET
    assert ABANDONED_QUIET == timedelta(hours=72)
    with pytest.raises(ValidationError):
        rules(abandon_retry_hours=1)  # not a setting at all


def test_rules_are_strict() -> None:
    assert CampaignRules.model_validate({}).abandon_target == 0.03
    bad = [{"unknown": 1}, {"abandon_target": 0.05}, {"connect_window_s": 3.0}, {"ring_timeout_s": "25"},
           {"windows": {"mon": [["09:00", "08:00"]]}}, {"windows": {"mon": [["09:00", "13:00"], ["12:00", "14:00"]]}},
           {"windows": {"mon": [["9:00", "13:00"]]}}, {"windows": {"funday": [["09:00", "10:00"]]}},
           {"windows": {"mon": []}}, {"default_timezone": "Mars/Olympus"}, {"order": "random"},
           {"machine_action": "sing"}, {"regulator_window": "eu"}]
    for doc in bad:
        with pytest.raises(ValidationError):
            CampaignRules.model_validate(doc)
    ok = CampaignIn.model_validate({"name": "x", "segment_id": 1, "caller_id": "8 (495) 123-45-67"})
    assert ok.caller_id == "+74951234567"
    with pytest.raises(ValidationError):
        CampaignIn.model_validate({"name": "x", "segment_id": 1, "caller_id": "12"})


def test_the_rules_load_no_orm() -> None:
    code = "import json, sys\nimport dialer.windows, dialer.retries\nprint(json.dumps(sorted(sys.modules)))\n"
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True,
                         env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    loaded = set(json.loads(run.stdout))
    assert "dialer.windows" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] == "sqlalchemy" or m.startswith(("callcenter.models",
                                                                                        "callcenter.db"))) == []
