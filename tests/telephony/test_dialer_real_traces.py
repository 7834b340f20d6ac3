"""Campaign calls placed on a real Asterisk 22 exactly as the product places them (traces y1..y10: the product's
``originate_frame``, its ``Setvar CRM_AGENT`` on the channel the tracker names, the dialplan of
docs/asterisk/extensions.conf): what Asterisk did, and the tracker making the same calls of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.calls.events import (
    CallAnswered,
    CallEnded,
    CallEvent,
    CallPickedUp,
    CallQueued,
    CallRinging,
    CallSummary,
    MachineDetection,
    OriginateFailed,
)
from callcenter.campaigns.events import CampaignDialRequested, attempt_channel_id
from callcenter.models.enums import CallOutcome, Direction
from telephony.dialing import originate_frame
from telephony.tracker import CallTracker
from tests.telephony.test_tracker import T0, Line, ended, load, replay

CALLER = "+74951234567"
AGENT1 = "PJSIP/agent1"
BOTH = ("PJSIP/agent2", "PJSIP/agent1")  # queue support rings both (ringall), agent2 first


def summary_of(name: str) -> tuple[CallSummary, list[CallEvent]]:
    tracker = CallTracker()
    events = replay(tracker, load(name))
    assert tracker.active_calls == ()
    [summary] = ended(events).values()
    return summary, events


def t(value: datetime | None) -> float | None:
    return None if value is None else round((value - T0).total_seconds(), 3)


def frames(name: str, event: str) -> list[Line]:
    return [line for line in load(name) if line.incoming and line.frame.event == event]


# name, attempt, number, outcome, operator, offered, queue, (ring, wait, talk), cause, AMD verdict, event kinds
CASES = [
    ("y1_dialer_handover", 2001, "79130000004", CallOutcome.ANSWERED, AGENT1, (AGENT1,), None, (2, 3, 5), 16,
     ("HUMAN", "HUMAN-800-800"), [CallPickedUp, MachineDetection, CallRinging, CallAnswered, CallEnded]),
    ("y2_dialer_abandoned", 2002, "79130000004", CallOutcome.ABANDONED, None, (), None, (2, 7, None), 16,
     ("HUMAN", "HUMAN-800-800"), [CallPickedUp, MachineDetection, CallEnded]),
    ("y3_dialer_machine_hangup", 2003, "79130000005", CallOutcome.VOICEMAIL, None, (), None, (2, None, None), 16,
     ("MACHINE", "MAXWORDS-3-2"), [CallPickedUp, MachineDetection, CallEnded]),
    ("y4_dialer_machine_message", 2004, "79130000005", CallOutcome.VOICEMAIL, None, (), None, (2, None, None), 16,
     ("MACHINE", "MAXWORDS-3-2"), [CallPickedUp, MachineDetection, CallEnded]),
    ("y5_dialer_busy", 2005, "79130000002", CallOutcome.BUSY, None, (), None, (0, None, None), 17,
     (None, None), [OriginateFailed, CallEnded]),
    ("y6_dialer_no_answer", 2006, "79130000003", CallOutcome.NO_ANSWER, None, (), None, (10, None, None), 19,
     (None, None), [OriginateFailed, CallEnded]),
    ("y7_dialer_preview", 2007, "79130000001", CallOutcome.ANSWERED, AGENT1, (AGENT1,), None, (2, 1, 5), 16,
     (None, None), [CallPickedUp, CallRinging, CallAnswered, CallEnded]),
    ("y8_dialer_queue_answered", 2008, "79130000004", CallOutcome.ANSWERED, AGENT1, BOTH, "support", (2, 3, 5), 16,
     ("HUMAN", "HUMAN-800-800"),
     [CallPickedUp, MachineDetection, CallQueued, CallRinging, CallRinging, CallAnswered, CallEnded]),
    ("y9_dialer_queue_nobody", 2009, "79130000004", CallOutcome.ABANDONED, None, BOTH, "support", (2, 7, None), 16,
     ("HUMAN", "HUMAN-800-800"), [CallPickedUp, MachineDetection, CallQueued, CallRinging, CallRinging, CallEnded]),
    ("y10_dialer_late_offer", 2010, "79130000004", CallOutcome.ABANDONED, None, (), None, (2, 7, None), 16,
     ("HUMAN", "HUMAN-800-800"), [CallPickedUp, MachineDetection, CallEnded]),
]


@pytest.mark.parametrize(("name", "attempt", "number", "outcome", "operator", "offered", "queue", "times", "cause",
                          "verdict", "kinds"), CASES, ids=[case[0] for case in CASES])
def test_each_recorded_campaign_call(name: str, attempt: int, number: str, outcome: CallOutcome, operator: str | None,
                                     offered: tuple[str, ...], queue: str | None, times: tuple[int | None, ...],
                                     cause: int, verdict: tuple[str | None, str | None], kinds: list[type]) -> None:
    call, events = summary_of(name)
    assert call.linkedid == attempt_channel_id(attempt)
    assert (call.direction, call.caller, call.callee) == (Direction.OUTBOUND, CALLER, f"+{number}")
    assert (call.outcome, call.answered_by, call.offered_to, call.queue) == (outcome, operator, offered, queue)
    assert (call.ring_seconds, call.wait_seconds, call.talk_seconds) == times
    assert (call.hangup_cause, (call.amd_status, call.amd_cause)) == (cause, verdict)
    assert [type(e) for e in events] == kinds
    assert call.transfers == ()
    # the pick-up is the carrier leg's answer, and the ;1 half's Uniqueid is the attempt's channel id
    [picked] = only(events, CallPickedUp) or [None]
    if picked is not None:
        assert picked.at == call.answered_at
    [first] = frames(name, "Newchannel")[:1]
    assert first.frame["Uniqueid"] == call.linkedid and first.frame["Channel"].endswith(";1")


def only(events: list[CallEvent], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


def request(name: str) -> CampaignDialRequested:
    """The command the recorded Originate was made from (read back from its variables)."""
    [sent] = [line.frame for line in load(name) if not line.incoming and line.frame.get("Action") == "Originate"]
    variables = dict(v.split("=", 1) for n, v in sent.headers if n == "Variable")
    return CampaignDialRequested(
        channel_id=sent["ChannelId"], attempt_id=int(variables["CRM_ATTEMPT"]), campaign_id=int(variables["CRM_CAMPAIGN"]),
        number="+" + sent["Channel"].split("@")[0].removeprefix("Local/"), caller_id='"ACME Bank" <+74951234567>',
        ring_timeout_s=int(sent["Timeout"]) // 1000, amd=variables["CRM_AMD"] == "1", machine_action=variables["CRM_MACHINE"],
        queue=variables["CRM_QUEUE"] or None, agent_interface=variables["CRM_AGENT"] or None,
        connect_window_s=float(variables["CRM_CONNECT_S"]), at=datetime(2026, 12, 8, tzinfo=UTC))


@pytest.mark.parametrize("name", [case[0] for case in CASES])
def test_the_recorded_originate_is_the_products_own(name: str) -> None:
    [sent] = [line.frame for line in load(name) if not line.incoming and line.frame.get("Action") == "Originate"]
    assert originate_frame(request(name), "dialer-out").headers == sent.headers
    [response, outcome] = [line.frame for line in load(name) if line.incoming and line.frame.get("ActionID") == sent["ActionID"]]
    assert (response["Response"], outcome.event) == ("Success", "OriginateResponse")  # queued; the fate comes later


def test_y1_the_setvar_goes_to_the_waiting_channel_the_tracker_names_and_is_taken_within_a_step() -> None:
    lines = load("y1_dialer_handover")
    [setvar_at] = [line.t for line in lines if not line.incoming and line.frame.get("Action") == "Setvar"]
    [setvar] = [line.frame for line in lines if not line.incoming and line.frame.get("Action") == "Setvar"]
    tracker = CallTracker()
    replay(tracker, [line for line in lines if line.t < setvar_at])
    assert tracker.answering_channel("crm-att-2001") == setvar["Channel"] == "Local/79130000004@dialer-out-0000000b;1"
    # the dialplan's 0.2 s loop sees CRM_AGENT at its next step and dials the operator at once
    [dial] = [line for line in lines if line.incoming and line.frame.get("Application") == "Dial"
              and line.frame.get("AppData") == "PJSIP/agent1,20"]
    assert 0 < dial.t - setvar_at <= 0.21
    # once the operator answers, the Local pair optimizes itself away: both halves hang up, the call goes on
    gone = [line.t for line in lines if line.incoming and line.frame.event == "Hangup" and "Local/" in line.frame["Channel"]]
    call, _ = summary_of("y1_dialer_handover")
    assert len(gone) == 2 and max(gone) < (t(call.ended_at) or 0) - 4
    assert any(line.frame.event == "LocalOptimizationEnd" for line in lines if line.incoming)
    replay(tracker, [line for line in lines if line.t >= setvar_at])
    assert tracker.answering_channel("crm-att-2001") is None


def test_y2_the_abandon_message_starts_connect_s_after_the_verdict() -> None:
    lines = load("y2_dialer_abandoned")
    [verdict] = [line.t for line in lines if line.incoming and line.frame.get("Variable") == "AMDCAUSE"]
    [message] = [line.t for line in lines if line.incoming and line.frame.get("AppData") == "custom/dialer_abandon"]
    assert 2.0 <= message - verdict < 2.2  # CRM_CONNECT_S=2 in ten Wait(0.2) steps
    assert sum(line.frame.get("Application") == "Wait" for line in lines if line.incoming) == 10


def test_y3_y4_a_machine_is_hung_up_on_or_left_the_message_after_the_beep() -> None:
    hung_up, _ = summary_of("y3_dialer_machine_hangup")
    assert (t(hung_up.ended_at) or 0) - (t(hung_up.answered_at) or 0) < 2.5  # right after AMD's verdict
    lines = load("y4_dialer_machine_message")
    status = [line.frame["Value"] for line in lines if line.incoming and line.frame.get("Variable") == "WAITSTATUS"]
    played = [line for line in lines if line.incoming and line.frame.get("AppData") == "custom/dialer_machine_msg"]
    assert status == ["SILENCE"] and len(played) == 1


@pytest.mark.parametrize(("name", "reason", "cause"), [("y5_dialer_busy", 0, 17), ("y6_dialer_no_answer", 3, 19)])
def test_a_busy_or_unanswered_client_fails_the_originate_before_the_call_ends(name: str, reason: int, cause: int) -> None:
    call, events = summary_of(name)
    [failed] = only(events, OriginateFailed)
    assert (failed.action_id, failed.reason) == (f"crm-dialer-{call.linkedid}", reason)
    assert call.answered_at is None and call.hangup_cause == cause
    assert events.index(failed) < next(i for i, e in enumerate(events) if isinstance(e, CallEnded))
    # busy gives Reason 0, not 5; the Failure names the Local channel without its sequence
    [response] = frames(name, "OriginateResponse")
    assert response.frame["Channel"] == f"Local/{call.callee.removeprefix('+')}@dialer-out"


def test_y6_the_originate_timeout_is_the_ring_limit() -> None:
    call, _ = summary_of("y6_dialer_no_answer")
    [response] = frames("y6_dialer_no_answer", "OriginateResponse")
    assert round(response.t - (t(call.started_at) or 0)) == 10 == request("y6_dialer_no_answer").ring_timeout_s


def test_y7_preview_runs_no_amd_and_rings_the_operator_at_the_pick_up() -> None:
    call, events = summary_of("y7_dialer_preview")
    lines = load("y7_dialer_preview")
    assert not any(line.frame.get("Application") == "AMD" for line in lines)
    [ringing] = only(events, CallRinging)
    assert ringing.interface == AGENT1 and (ringing.at - call.answered_at) < timedelta(seconds=0.1)  # type: ignore[operator]


def test_y8_the_queue_credits_no_talk_once_the_local_pair_is_gone_and_the_tracker_keeps_the_real_one() -> None:
    call, events = summary_of("y8_dialer_queue_answered")
    [complete] = frames("y8_dialer_queue_answered", "AgentComplete")
    # the queue's caller (the ;1 half) hangs up when the Local pair optimizes away: TalkTime 0, no Linkedid
    assert (complete.frame["TalkTime"], complete.frame["Reason"], complete.frame.get("Linkedid")) == ("0", "caller", None)
    [connect] = frames("y8_dialer_queue_answered", "AgentConnect")
    assert (connect.frame["HoldTime"], connect.frame["Interface"]) == ("1", AGENT1)
    assert call.talk_seconds == 5 and [e.queue for e in only(events, CallAnswered)] == ["support"]


def test_y9_a_queue_nobody_answers_in_connect_s_times_out_and_plays_the_abandon_message() -> None:
    lines = load("y9_dialer_queue_nobody")
    [abandon] = frames("y9_dialer_queue_nobody", "QueueCallerAbandon")
    assert abandon.frame["HoldTime"] == "2"
    status = [line.frame["Value"] for line in lines if line.incoming and line.frame.get("Variable") == "QUEUESTATUS"]
    assert status == ["TIMEOUT"]
    assert [line.frame["RingTime"] for line in frames("y9_dialer_queue_nobody", "AgentRingNoAnswer")] == ["2000", "2000"]
    assert any(line.frame.get("AppData") == "custom/dialer_abandon" for line in lines)


def test_y10_a_late_setvar_is_accepted_and_ignored_so_the_tracker_stops_naming_the_channel() -> None:
    lines = load("y10_dialer_late_offer")
    [message] = [line.t for line in lines if line.incoming and line.frame.get("AppData") == "custom/dialer_abandon"]
    [setvar] = [line for line in lines if not line.incoming and line.frame.get("Action") == "Setvar"]
    [answer] = [line.frame for line in lines if line.incoming and line.frame.get("ActionID") == setvar.frame["ActionID"]]
    assert setvar.t > message and answer["Response"] == "Success"  # Asterisk takes it...
    assert not any(line.frame.event == "DialBegin" and "agent" in line.frame.get("DestChannel", "") for line in lines)
    tracker = CallTracker()
    replay(tracker, [line for line in lines if line.t < message])
    assert tracker.answering_channel("crm-att-2010") == setvar.frame["Channel"]  # still waiting: would be offered
    replay(tracker, [line for line in lines if message <= line.t < setvar.t])
    assert tracker.answering_channel("crm-att-2010") is None  # ...so the dialing module no longer sends it


def test_y11_the_products_own_campaign_on_the_real_asterisk() -> None:
    tracker = CallTracker()
    events = replay(tracker, load("y11_dialer_product_campaign"))
    calls = ended(events)
    assert tracker.active_calls == ()
    got = {linkedid: (c.outcome, c.answered_by, c.callee, c.ring_seconds, c.wait_seconds, c.talk_seconds, c.hangup_cause,
                      c.amd_status) for linkedid, c in calls.items()}
    assert got == {
        "crm-att-1": (CallOutcome.ANSWERED, AGENT1, "+79130000004", 2, 3, 5, 16, "HUMAN"),
        "crm-att-2": (CallOutcome.VOICEMAIL, None, "+79130000005", 2, None, None, 16, "MACHINE"),
        "crm-att-3": (CallOutcome.BUSY, None, "+79130000002", 0, None, None, 17, None),
        "crm-att-4": (CallOutcome.NO_ANSWER, None, "+79130000003", 10, None, None, 19, None),
    }
    # three calls at once, one per free operator; the fourth once the busy one had freed its operator
    starts = {linkedid: t(c.started_at) or 0 for linkedid, c in calls.items()}
    assert max(starts["crm-att-1"], starts["crm-att-2"], starts["crm-att-3"]) - starts["crm-att-1"] < 0.1
    assert (t(calls["crm-att-3"].ended_at) or 0) < starts["crm-att-4"]
    assert sorted(e.reason for e in only(events, OriginateFailed)) == [0, 3]
    assert [e.interface for e in only(events, CallRinging)] == [AGENT1]


def test_y12_queue_mode_talk_is_the_operators_though_the_queue_credits_none() -> None:
    tracker = CallTracker()
    events = replay(tracker, load("y12_dialer_product_queue"))
    calls = ended(events)
    [complete] = frames("y12_dialer_product_queue", "AgentComplete")
    assert (complete.frame["Linkedid"], complete.frame["TalkTime"]) == ("crm-att-1", "0")  # the queue's view
    one, two = calls["crm-att-1"], calls["crm-att-2"]
    assert (one.outcome, one.answered_by, one.queue, one.wait_seconds, one.talk_seconds) == (
        CallOutcome.ANSWERED, AGENT1, "support", 3, 5)
    assert (two.outcome, two.answered_by, two.offered_to, two.queue, two.wait_seconds, two.talk_seconds) == (
        CallOutcome.ABANDONED, None, (), "support", 7, None)
    [abandon] = frames("y12_dialer_product_queue", "QueueCallerAbandon")
    assert (abandon.frame["Linkedid"], abandon.frame["HoldTime"]) == ("crm-att-2", "2")
    assert [e.linkedid for e in only(events, CallQueued)] == ["crm-att-1", "crm-att-2"]
