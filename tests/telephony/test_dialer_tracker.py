"""A campaign's calls in the tracker: the recorded dialer traces j (a person, handed to agent1) and j2 (a
machine), and the busy, unanswered and abandoned calls built from recorded frames (``dialer_variants``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from callcenter.calls.events import (
    CallAnswered,
    CallEnded,
    CallEvent,
    CallPickedUp,
    CallRinging,
    CallSummary,
    MachineDetection,
    OriginateFailed,
)
from callcenter.models.enums import CallOutcome, Direction
from callcenter.wire import decode, encode
from telephony.ami.frames import Frame
from telephony.tracker import CallTracker
from tests.telephony import dialer_variants as variants
from tests.telephony.test_tracker import T0, Line, ended, load, replay

HUMAN = "dialer-1795415869-lead1001"
MACHINE = "dialer-1795415891-lead1002"


def at(seconds: float) -> object:
    return T0 + timedelta(seconds=seconds)


def near(value: object, seconds: float, within: float = 0.01) -> bool:
    return value is not None and abs((value - T0).total_seconds() - seconds) <= within  # type: ignore[operator]


def only(events: list[CallEvent], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


def summary_of(lines: list[Line]) -> tuple[CallSummary, list[CallEvent]]:
    tracker = CallTracker()
    events = replay(tracker, lines)
    assert tracker.active_calls == ()
    [summary] = ended(events).values()
    return summary, events


def test_j_a_person_handed_to_an_operator() -> None:
    call, events = summary_of(load("j_dialer_amd_human"))
    assert call.linkedid == HUMAN
    assert (call.direction, call.caller, call.callee) == (Direction.OUTBOUND, "+74951234567", "+79131234567")
    assert (call.outcome, call.answered_by, call.offered_to) == (CallOutcome.ANSWERED, "PJSIP/agent1", ("PJSIP/agent1",))
    assert (call.amd_status, call.amd_cause) == ("HUMAN", "HUMAN-800-800")
    assert near(call.started_at, 1.910) and near(call.answered_at, 3.921) and near(call.ended_at, 17.927)
    # rings 2 s from the carrier's dial to the pick-up; waits 2.3 s (AMD and the operator's phone) for agent1;
    # talks from agent1's answer at 6.26 to the end
    assert (call.ring_seconds, call.wait_seconds, call.talk_seconds) == (2, 2, 12)
    assert call.hangup_cause == 16 and call.transfers == () and call.queue is None
    kinds = [type(e) for e in events]
    assert kinds == [CallPickedUp, MachineDetection, CallRinging, CallAnswered, CallEnded]
    [picked] = only(events, CallPickedUp)
    assert picked == CallPickedUp(HUMAN, call.answered_at)
    [verdict] = only(events, MachineDetection)
    assert (verdict.linkedid, verdict.status, verdict.cause) == (HUMAN, "HUMAN", "HUMAN-800-800") and near(verdict.at, 5.251)
    [ringing] = only(events, CallRinging)
    # the pop: the operator sees the client's number, the call is the campaign's outbound call
    assert (ringing.direction, ringing.caller, ringing.callee, ringing.interface) == (
        Direction.OUTBOUND, "+74951234567", "+79131234567", "PJSIP/agent1")
    [answered] = only(events, CallAnswered)
    assert answered.interface == "PJSIP/agent1" and near(answered.at, 6.262)


def test_j2_a_machine_is_voicemail_with_no_operator() -> None:
    call, events = summary_of(load("j2_dialer_amd_machine"))
    assert call.linkedid == MACHINE
    assert (call.direction, call.caller, call.callee) == (Direction.OUTBOUND, "+74951234567", "+79137654321")
    assert (call.outcome, call.answered_by, call.offered_to) == (CallOutcome.VOICEMAIL, None, ())
    assert (call.amd_status, call.amd_cause) == ("MACHINE", "LONGGREETING-1500-1500")
    assert near(call.answered_at, 3.927) and near(call.ended_at, 11.134)
    assert (call.ring_seconds, call.wait_seconds, call.talk_seconds, call.hangup_cause) == (2, None, None, 16)
    assert [type(e) for e in events] == [CallPickedUp, MachineDetection, CallEnded]
    [verdict] = only(events, MachineDetection)
    assert (verdict.status, verdict.cause) == ("MACHINE", "LONGGREETING-1500-1500") and near(verdict.at, 5.755)


@pytest.mark.parametrize(("build", "outcome", "cause", "ring", "reason"), [
    (variants.busy, CallOutcome.BUSY, 17, 0, 0),
    (variants.no_answer, CallOutcome.NO_ANSWER, 19, 30, 3),
])
def test_a_client_who_never_answers_is_busy_or_no_answer(build, outcome, cause, ring, reason) -> None:  # type: ignore[no-untyped-def]
    call, events = summary_of(build())
    assert (call.linkedid, call.direction, call.caller, call.callee) == (
        HUMAN, Direction.OUTBOUND, "+74951234567", "+79131234567")
    assert (call.outcome, call.hangup_cause, call.ring_seconds) == (outcome, cause, ring)
    assert call.answered_at is None and call.answered_by is None and call.amd_status is None
    assert (call.wait_seconds, call.talk_seconds) == (None, None)
    assert not only(events, CallPickedUp) and not only(events, MachineDetection)
    [failed] = only(events, OriginateFailed)
    assert (failed.action_id, failed.reason) == ("lab-2", reason)


def test_a_person_left_without_an_operator_is_abandoned() -> None:
    call, events = summary_of(variants.abandoned())
    assert (call.outcome, call.answered_by, call.offered_to) == (CallOutcome.ABANDONED, None, ())
    assert (call.amd_status, call.caller, call.callee) == ("HUMAN", "+74951234567", "+79131234567")
    assert near(call.answered_at, 3.921) and near(call.ended_at, variants.ABANDON_AT, 0.01)
    assert call.wait_seconds == round(variants.ABANDON_AT - 3.921) and call.talk_seconds is None
    assert [type(e) for e in events] == [CallPickedUp, MachineDetection, CallEnded]


def test_a_person_the_amd_took_for_a_machine_is_voicemail_and_says_so() -> None:
    lines = [
        replace(line, frame=Frame([(n, "MACHINE" if n == "Value" and v == "HUMAN" else v) for n, v in line.frame.headers]))
        for line in variants.abandoned()
    ]
    call, _ = summary_of(lines)
    assert (call.outcome, call.amd_status, call.wait_seconds) == (CallOutcome.VOICEMAIL, "MACHINE", None)


def _renamed(lines: list[Line], old: str, new: str) -> list[Line]:
    return [replace(line, frame=Frame([(n, v.replace(old, new)) for n, v in line.frame.headers])) for line in lines]


def test_an_attempts_channel_id_alone_makes_a_dialer_call_whose_pickup_is_told_at_once() -> None:
    lines = _renamed(_renamed(variants.abandoned(), HUMAN, "crm-att-1001"), "dialer-out", "campaign-local")
    lines = [line for line in lines if line.frame.get("Variable") not in ("AMDSTATUS", "AMDCAUSE")]
    tracker = CallTracker()
    told: list[tuple[float, CallEvent]] = []
    for line in lines:
        if line.incoming:
            told += [(line.t, e) for e in tracker.feed(line.frame, line.at)]
    [(when, picked)] = [(t, e) for t, e in told if isinstance(e, CallPickedUp)]
    assert picked.linkedid == "crm-att-1001" and when == pytest.approx(3.921, abs=0.01)
    [summary] = [e.summary for _, e in told if isinstance(e, CallEnded)]
    assert (summary.outcome, summary.amd_status, summary.callee) == (CallOutcome.ABANDONED, None, "+79131234567")


def test_the_answering_channel_is_the_local_first_half_while_it_lives() -> None:
    lines = [line for line in load("j_dialer_amd_human") if line.incoming]
    tracker = CallTracker()
    assert tracker.answering_channel(HUMAN) is None
    replay(tracker, [line for line in lines if line.t <= variants.AMD_DONE])
    assert tracker.answering_channel(HUMAN) == "Local/79131234567@dialer-out-00000000;1"
    assert tracker.answering_channel("crm-att-404") is None
    replay(tracker, [line for line in lines if line.t > variants.AMD_DONE])
    assert tracker.answering_channel(HUMAN) is None


def test_an_originate_that_fails_before_any_channel_is_logged_under_its_channel_id() -> None:
    tracker = CallTracker()
    tracker.originated("crm-dial-crm-att-9", "Local/79990000009@dialer-out", "s", T0, channel_id="crm-att-9")
    response = Frame([
        ("Event", "OriginateResponse"), ("ActionID", "crm-dial-crm-att-9"), ("Response", "Failure"),
        ("Channel", "Local/79990000009@dialer-out"), ("Context", "dialer-out-answered"), ("Exten", "s"),
        ("Reason", "0"), ("Uniqueid", "<unknown>"), ("CallerIDNum", "+74951234567"),
    ])
    events = tracker.feed(response, T0 + timedelta(seconds=1))
    [summary] = ended(events).values()
    assert (summary.linkedid, summary.direction, summary.caller, summary.callee, summary.outcome) == (
        "crm-att-9", Direction.OUTBOUND, "+74951234567", "+79990000009", CallOutcome.FAILED)


@pytest.mark.parametrize("build", [lambda: load("j_dialer_amd_human"), lambda: load("j2_dialer_amd_machine"),
                                   variants.abandoned, variants.busy])
def test_a_tracker_restored_midway_keeps_the_verdict_and_ends_the_call_the_same(build) -> None:  # type: ignore[no-untyped-def]
    lines = [line for line in build() if line.incoming]
    whole, events = summary_of(lines)
    for cut in range(1, len(lines), 3):
        first = CallTracker()
        before = replay(first, lines[:cut])
        saved = [s for s in first.take_changes().values() if s is not None]
        second = CallTracker()
        told = second.restore(json.loads(json.dumps(saved)))
        after = replay(second, lines[cut:])
        assert ended(before + after) == {whole.linkedid: whole}, cut
        # what was told before the stop is told again, once, with its first time; nothing is told twice after
        for kind in (CallPickedUp, MachineDetection):
            if not only(before, CallEnded):
                assert only(told, kind) == only(before, kind)
            assert only(before, kind) + only(after, kind) == only(events, kind)


def test_the_new_events_cross_processes() -> None:
    for event in (CallPickedUp(HUMAN, at(3.9)), MachineDetection(HUMAN, "NOTSURE", None, at(5.2))):  # type: ignore[arg-type]
        assert decode(encode(event)) == event
    call, _ = summary_of(load("j2_dialer_amd_machine"))
    assert decode(encode(CallEnded(call))) == CallEnded(call)
