"""A tracker that starts again from the calls a previous one saved: the calls go on as if never stopped."""

from __future__ import annotations

import json

import pytest

from callcenter.calls.events import CallAnswered, CallEnded
from callcenter.models.enums import CallOutcome
from telephony.tracker import CallTracker
from tests.telephony.test_tracker import CALL_TRACES, ended, load, replay


@pytest.mark.parametrize("trace", [t for t in CALL_TRACES if not t.startswith("h2_")])
def test_a_tracker_restored_midway_ends_every_call_as_the_uninterrupted_one(trace: str) -> None:
    lines = [line for line in load(trace) if line.incoming]
    whole = ended(replay(CallTracker(), lines))
    for cut in range(1, len(lines), max(1, len(lines) // 7)):
        first = CallTracker()
        events = replay(first, lines[:cut])
        saved = [s for s in first.take_changes().values() if s is not None]
        second = CallTracker()
        second.restore(json.loads(json.dumps(saved)))  # through the database's JSON, as it is kept
        events += replay(second, lines[cut:])
        assert ended(events) == whole, (trace, cut)


def test_a_restored_answered_call_keeps_its_answer_time_and_is_told_to_the_desk() -> None:
    lines = [line for line in load("a_queue_answered") if line.incoming]
    first = CallTracker()
    replay(first, lines)
    answered_at = next(line.at for line in lines if line.frame.get("Event") == "AgentConnect")
    cut = next(i for i, line in enumerate(lines) if line.frame.get("Event") == "AgentConnect") + 5
    tracker = CallTracker()
    replay(tracker, lines[:cut])
    saved = [s for s in tracker.take_changes().values() if s is not None]
    again = CallTracker()
    told = again.restore(saved)
    assert [(type(e), e.interface) for e in told if isinstance(e, CallAnswered)] == [(CallAnswered, "PJSIP/agent1")]
    closed = again.reconcile([], lines[-1].at)  # the call ended while nobody listened
    [summary] = [e.summary for e in closed if isinstance(e, CallEnded)]
    assert summary.outcome is CallOutcome.ANSWERED and summary.answered_by == "PJSIP/agent1"
    assert summary.answered_at is not None and abs((summary.answered_at - answered_at).total_seconds()) < 0.01
    assert summary.recording and summary.times_approximate


def test_a_change_is_reported_once_and_an_ended_call_as_none() -> None:
    lines = [line for line in load("a_queue_answered") if line.incoming]
    tracker = CallTracker()
    replay(tracker, lines[:40])
    assert list(tracker.take_changes()) == ["1795413747.0"]
    assert tracker.take_changes() == {}
    replay(tracker, lines[40:])
    assert tracker.take_changes() == {"1795413747.0": None}


def test_a_call_answered_while_no_one_listened_is_answered_by_whoever_the_channel_list_shows() -> None:
    from telephony.ami.frames import Frame
    from tests.telephony.fake_ami import LiveChannels

    lines = [line for line in load("a_queue_answered") if line.incoming]
    answer = next(i for i, line in enumerate(lines) if line.frame.get("Event") == "DialEnd"
                  and line.frame.get("DialStatus") == "ANSWER")
    bridged = max(i for i, line in enumerate(lines) if line.frame.get("Event") == "BridgeEnter")
    before = CallTracker()
    replay(before, lines[:answer])  # ringing at agents 1 to 3 when the process died
    saved = [s for s in before.take_changes().values() if s is not None]
    listed = LiveChannels()
    for line in lines[: bridged + 1]:
        listed.see(line.frame)
    channels = [Frame([("Event", "CoreShowChannel"), *c.items(), ("Duration", "00:00:02")])
                for c in listed.live.values()]
    after = CallTracker()
    after.restore(saved)
    events = after.reconcile(channels, lines[bridged].at)
    assert [e.interface for e in events if isinstance(e, CallAnswered)] == ["PJSIP/agent1"]
    events += replay(after, lines[bridged + 1:])
    [summary] = [e.summary for e in events if isinstance(e, CallEnded)]
    assert (summary.outcome, summary.answered_by) == (CallOutcome.ANSWERED, "PJSIP/agent1")
    assert summary.times_approximate  # the answer time is the reconnect's: the PBX's record may correct it
