"""The call tracker against the recorded Asterisk 22 traces: every call, operator, duration and
outcome the traces' README states, plus replays, reconnects and garbage."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.calls.events import (
    AgentPaused,
    CallAnswered,
    CallEnded,
    CallEvent,
    CallQueued,
    CallRinging,
    CallSummary,
    CallTransferred,
    OriginateFailed,
    SpyStarted,
    SpyStopped,
)
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.frames import Frame
from telephony.tracker import CallTracker
from tests.fixtures import TRACES

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

@dataclass(frozen=True)
class Line:
    t: float
    incoming: bool
    conn: int
    frame: Frame

    @property
    def at(self) -> datetime:
        return T0 + timedelta(seconds=self.t)


def parse(raw: str) -> Frame:
    headers: list[tuple[str, str]] = []
    for line in raw.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name, value[1:] if value.startswith(" ") else value))
    return Frame(headers)


def load(name: str) -> list[Line]:
    lines = []
    for text in (TRACES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(text)
        lines.append(Line(item["t"], item["dir"] == "in", item.get("conn", 1), parse(item["raw"])))
    return lines


def replay(tracker: CallTracker, lines: list[Line], shift: float = 0.0) -> list[CallEvent]:
    events: list[CallEvent] = []
    for line in lines:
        if line.incoming:
            events.extend(tracker.feed(line.frame, line.at + timedelta(seconds=shift)))
    return events


def ended(events: list[CallEvent]) -> dict[str, CallSummary]:
    summaries = [event.summary for event in events if isinstance(event, CallEnded)]
    by_id = {summary.linkedid: summary for summary in summaries}
    assert len(by_id) == len(summaries), "a call ended twice"
    return by_id


def run(name: str) -> tuple[dict[str, CallSummary], list[CallEvent], CallTracker]:
    tracker = CallTracker()
    events = replay(tracker, load(name))
    assert tracker.active_calls == ()
    return ended(events), events, tracker


def near(value: float | int | None, expected: float) -> bool:
    return value is not None and abs(value - expected) <= 1


def secs(start: datetime | None, end: datetime | None) -> float:
    assert start is not None and end is not None
    return (end - start).total_seconds()


AGENTS = {"PJSIP/agent1", "PJSIP/agent2", "PJSIP/agent3"}


def test_a_queue_answered() -> None:
    calls, events, _ = run("a_queue_answered")
    assert list(calls) == ["1795413747.0"]
    call = calls["1795413747.0"]
    assert call.direction is Direction.INBOUND
    assert (call.caller, call.callee, call.queue) == ("+15550101", "100", "support")
    assert set(call.offered_to) == AGENTS
    assert call.answered_by == "PJSIP/agent1"
    assert call.wait_seconds == 1 and call.talk_seconds == 6
    assert call.outcome is CallOutcome.ANSWERED and call.hangup_cause == 16
    assert call.recording == "/var/spool/asterisk/monitor/1795413747.0.wav"
    assert {e.interface for e in events if isinstance(e, CallRinging)} == AGENTS
    answered = [e for e in events if isinstance(e, CallAnswered)]
    assert [(e.interface, e.queue) for e in answered] == [("PJSIP/agent1", "support")]


def test_b_queue_abandoned() -> None:
    calls, events, _ = run("b_queue_abandoned")
    call = calls["1795413763.4"]
    assert list(calls) == ["1795413763.4"]
    assert call.outcome is CallOutcome.ABANDONED and call.answered_by is None
    assert call.wait_seconds == 5 and call.talk_seconds is None and call.answered_at is None
    assert call.offered_to and set(call.offered_to) == AGENTS  # two rounds, each device once
    assert not any(isinstance(e, CallAnswered) for e in events)


def test_c_direct_busy_and_no_answer() -> None:
    calls, _, _ = run("c_direct_busy_noanswer")
    assert list(calls) == ["1795413778.11", "1795413781.13"]
    busy, silent = calls["1795413778.11"], calls["1795413781.13"]
    assert (busy.callee, busy.offered_to, busy.outcome) == ("2002", ("PJSIP/agent2",), CallOutcome.BUSY)
    assert (silent.callee, silent.offered_to, silent.outcome) == ("2003", ("PJSIP/agent3",), CallOutcome.NO_ANSWER)
    assert near(silent.ring_seconds, 8) and silent.answered_by is None
    assert busy.direction is silent.direction is Direction.INBOUND


@pytest.mark.parametrize(
    ("trace", "linkedid", "agent", "recorded"),
    [
        ("d_originate_local_answered", "1795413795.15", "PJSIP/agent1", True),
        ("d2_originate_pjsip_answered", "1795413809.19", "PJSIP/agent2", True),
        ("d3_originate_local_optimized", "1795414027.62", "PJSIP/agent3", False),
    ],
)
def test_d_originated_and_answered(trace: str, linkedid: str, agent: str, recorded: bool) -> None:
    calls, _, _ = run(trace)
    assert list(calls) == [linkedid]
    call = calls[linkedid]
    assert call.direction is Direction.OUTBOUND and call.callee == "15551230001"
    assert call.answered_by == agent and call.outcome is CallOutcome.ANSWERED
    assert near(call.ring_seconds, 2)  # the customer answers after about 2 s
    assert near(call.talk_seconds, 6)
    assert (call.recording is not None) is recorded


def test_d3_local_hangups_do_not_end_the_call() -> None:
    calls, events, _ = run("d3_originate_local_optimized")
    assert sum(isinstance(e, CallEnded) for e in events) == 1
    call = calls["1795414027.62"]
    assert near(secs(T0, call.ended_at), 9.93)  # the Local pair hung up at 4.95, the call went on


def test_e_originate_failures() -> None:
    lines = load("e_originate_failed")
    tracker = CallTracker()
    events: list[CallEvent] = []
    for line in lines:
        if line.incoming:
            events.extend(tracker.feed(line.frame, line.at))
        elif line.frame.get("Action") == "Originate":
            frame = line.frame
            tracker.originated(frame["ActionID"], frame["Channel"], frame.get("Exten"), line.at)
    calls = ended(events)
    assert list(calls) == ["1795413822.21", "1795413824.24", "1795413825.25", "1795413835.26"]
    assert [c.outcome for c in calls.values()] == [
        CallOutcome.BUSY,
        CallOutcome.BUSY,
        CallOutcome.NO_ANSWER,
        CallOutcome.NO_ANSWER,
    ]
    assert [c.callee for c in calls.values()] == ["15551230002", "15551230002", "15551230003", "15551230003"]
    assert all(c.direction is Direction.OUTBOUND and c.answered_at is None for c in calls.values())
    assert near(calls["1795413825.25"].ring_seconds, 8) and near(calls["1795413835.26"].ring_seconds, 8)


def test_e_without_being_told_of_the_originates() -> None:
    calls, _, _ = run("e_originate_failed")
    assert [c.outcome.value for c in calls.values()] == ["busy", "busy", "no_answer", "no_answer"]


def test_originate_failing_before_any_channel_is_its_own_call() -> None:
    tracker = CallTracker()
    tracker.originated("x-1", "PJSIP/carrier/sip:15550000@10.0.0.1", "2001", T0)
    response = Frame(
        [
            ("Event", "OriginateResponse"),
            ("ActionID", "x-1"),
            ("Response", "Failure"),
            ("Channel", "PJSIP/carrier/sip:15550000@10.0.0.1"),
            ("Uniqueid", "<unknown>"),
            ("Reason", "0"),
        ]
    )
    calls = ended(tracker.feed(response, T0 + timedelta(seconds=3)))
    call = calls["originate-x-1"]
    assert (call.direction, call.callee, call.outcome) == (Direction.OUTBOUND, "15550000", CallOutcome.FAILED)
    again = tracker.feed(response, T0 + timedelta(seconds=4))
    assert again == [OriginateFailed("x-1", 0, T0 + timedelta(seconds=4))]  # told again, never logged twice


def test_h_call_during_actions() -> None:
    calls, _, _ = run("h_actions")
    assert list(calls) == ["1795413938.58"]
    call = calls["1795413938.58"]
    assert call.answered_by == "PJSIP/agent1" and call.talk_seconds == 15
    assert call.outcome is CallOutcome.ANSWERED


def test_i_paused_agent_not_offered() -> None:
    calls, _, _ = run("i_agent_states")
    assert list(calls) == ["1795415842.4"]
    call = calls["1795415842.4"]
    assert call.caller == "+79131234567"
    assert set(call.offered_to) == {"PJSIP/agent1", "PJSIP/agent3"}
    assert call.answered_by == "PJSIP/agent1" and call.wait_seconds == 1 and call.talk_seconds == 8


@pytest.mark.parametrize(
    ("trace", "spied", "spy", "mode", "start", "stop"),  # start, stop: ChanSpyStart and ChanSpyStop
    [
        ("k_supervisor_listen", "1795416056.86", "1795416062.90", "listen", 9.74, 15.66),
        ("k2_supervisor_whisper", "1795416088.91", "1795416094.95", "whisper", 9.85, 15.76),
    ],
)
def test_k_supervisor_leg_is_spying_not_a_call(trace: str, spied: str, spy: str, mode: str, start: float,
                                               stop: float) -> None:
    calls, events, _ = run(trace)
    assert set(calls) == {spied}  # the supervisor's leg is never logged as a call
    call = calls[spied]
    assert call.caller == "+79161112233" and call.direction is Direction.INBOUND
    assert call.answered_by == "PJSIP/agent1" and near(call.talk_seconds, 20)
    assert call.outcome is CallOutcome.ANSWERED and call.transfers == ()
    assert near(secs(T0, call.ended_at), 27.74)  # the spy hanging up at 15.7 ends only its own leg
    assert "PJSIP/supervisor" not in call.offered_to
    assert [e.interface for e in events if isinstance(e, CallAnswered | CallRinging)
            and e.interface == "PJSIP/supervisor"] == []  # no pop, no call on the supervisor's desk
    [started] = [e for e in events if isinstance(e, SpyStarted)]
    assert started == SpyStarted(spied, spy, "PJSIP/supervisor", "PJSIP/agent1", mode, started.at)
    assert near(secs(T0, started.at), start)
    [stopped] = [e for e in events if isinstance(e, SpyStopped)]
    assert (stopped.linkedid, stopped.spy_linkedid, stopped.mode) == (spied, spy, mode)
    assert abs(secs(T0, stopped.at) - stop) < 0.1
    assert stopped.at < call.ended_at


def test_k_a_chanspy_the_crm_did_not_start_is_still_not_a_call() -> None:
    """Without CRM_SPY_MODE (a feature code dialled on the phone), ChanSpyStart tells the leg apart."""
    lines = [line for line in load("k_supervisor_listen") if line.frame.get("Variable") != "CRM_SPY_MODE"]
    tracker = CallTracker()
    events = replay(tracker, lines)
    assert set(ended(events)) == {"1795416056.86"}
    assert [e.mode for e in events if isinstance(e, SpyStarted | SpyStopped)] == ["spy", "spy"]


def test_k_the_operators_channel_is_found_for_chanspy() -> None:
    tracker = CallTracker()
    lines = load("k_supervisor_listen")
    replay(tracker, [line for line in lines if line.t < 8.6])
    assert tracker.channel_in("1795416056.86", "PJSIP/agent1") == "PJSIP/agent1-00000055"
    assert tracker.channel_in("1795416056.86", "pjsip/AGENT1") == "PJSIP/agent1-00000055"
    assert tracker.channel_in("1795416056.86", "PJSIP/agent9") is None
    assert tracker.channel_in("no-such-call", "PJSIP/agent1") is None


def test_m_attended_transfer() -> None:
    calls, events, _ = run("m_attended_transfer")
    assert list(calls) == ["1795416150.98"]
    call = calls["1795416150.98"]
    assert call.caller == "+79231234567" and call.callee == "2101"
    assert call.outcome is CallOutcome.TRANSFERRED
    assert [(t.source, t.target) for t in call.transfers] == [("PJSIP/agent1", "PJSIP/agent2")]
    assert call.answered_by == "PJSIP/agent2"
    assert call.offered_to == ("PJSIP/agent1", "PJSIP/agent2")
    transferred = [e for e in events if isinstance(e, CallTransferred)]
    assert [(e.from_interface, e.to_interface) for e in transferred] == [("PJSIP/agent1", "PJSIP/agent2")]
    assert near(secs(transferred[0].at, call.ended_at), 20.7)  # caller and agent2 talk after the transfer
    assert call.transfers[0].at == transferred[0].at  # so agent2's share of the talk is in the summary
    answered = [e for e in events if isinstance(e, CallAnswered)]
    assert [e.interface for e in answered] == ["PJSIP/agent1"]


def _p2() -> tuple[list[Line], list[Frame], float, list[Line]]:
    lines = [line for line in load("p2_ami_reconnect_call_up") if line.incoming]
    first = [line for line in lines if line.conn == 1]
    second = [line for line in lines if line.conn == 2]
    listed = [line for line in second if line.frame.get("Event") == "CoreShowChannel"]
    return first, [line.frame for line in listed], listed[0].t, second


def test_p2_call_continues_across_reconnect() -> None:
    first, listed, t_list, second = _p2()
    tracker = CallTracker()
    events = replay(tracker, first)
    assert tracker.active_calls == ("1795415928.18",)
    events += tracker.reconcile(listed, T0 + timedelta(seconds=t_list))
    events += replay(tracker, second)
    calls = ended(events)
    assert list(calls) == ["1795415928.18"]
    call = calls["1795415928.18"]
    assert near(secs(T0, call.ended_at), 22.23) and call.talk_seconds == 16
    assert call.answered_by == "PJSIP/agent1" and call.outcome is CallOutcome.ANSWERED
    assert not call.times_approximate


def test_p2_fresh_tracker_takes_up_the_call_from_the_channel_list() -> None:
    _, listed, t_list, second = _p2()
    tracker = CallTracker()
    events = tracker.reconcile(listed, T0 + timedelta(seconds=t_list))
    events += replay(tracker, second)
    call = ended(events)["1795415928.18"]
    assert call.direction is Direction.INBOUND and call.caller == "+79851234567" and call.queue == "support"
    assert call.answered_by == "PJSIP/agent1" and call.talk_seconds == 16
    assert near(secs(T0, call.ended_at), 22.23) and call.times_approximate


def test_call_that_ended_while_away_is_closed_by_reconcile() -> None:
    first, _, t_list, second = _p2()
    tracker = CallTracker()
    replay(tracker, first)
    closed = ended(tracker.reconcile([], T0 + timedelta(seconds=t_list)))
    call = closed["1795415928.18"]
    assert call.times_approximate and call.answered_by == "PJSIP/agent1"
    assert call.outcome is CallOutcome.ANSWERED
    assert tracker.active_calls == ()
    assert not any(isinstance(e, CallEnded) for e in replay(tracker, second))


CALL_TRACES = sorted(path.stem for path in TRACES.glob("*.jsonl") if path.stem != "fastagi_sessions")


@pytest.mark.parametrize("trace", CALL_TRACES)
def test_replaying_twice_never_ends_a_call_twice(trace: str) -> None:
    tracker = CallTracker()
    lines = load(trace)
    once = ended(replay(tracker, lines))
    again = replay(tracker, lines, shift=100.0)
    assert not any(isinstance(e, CallEnded) for e in again)
    assert tracker.active_calls == ()
    if trace.startswith("h2_"):
        assert once == {}


def test_garbage_and_unknown_frames_do_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    names = [
        "Newchannel", "Newstate", "Hangup", "BridgeEnter", "BridgeLeave", "DialBegin", "DialEnd",
        "QueueCallerJoin", "QueueCallerAbandon", "AgentCalled", "AgentConnect", "AgentComplete",
        "AttendedTransfer", "BlindTransfer", "OriginateResponse", "VarSet", "Newexten", "Nonsense",
    ]  # fmt: skip
    fields = [
        "Channel", "Uniqueid", "Linkedid", "DestChannel", "DestUniqueid", "DestLinkedid", "ChannelState",
        "DialStatus", "DialString", "Cause", "HoldTime", "TalkTime", "Reason", "Response", "ActionID",
        "Queue", "Interface", "BridgeUniqueid", "TransfereeChannel", "TransferTargetChannel",
        "OrigTransfererChannel", "TransfererChannel", "Variable", "Value", "Application", "Context",
    ]  # fmt: skip
    values = ["", "x", "1.1", "1.2", "6", "ANSWER", "BUSY", "<unknown>", "PJSIP/a-1", "Local/1@x-1;1", "-", "\x00\xff"]
    rng = random.Random(7)
    tracker = CallTracker()
    caplog.set_level(logging.ERROR)
    tracker.feed(Frame([]), T0)
    tracker.feed(Frame([("Response", "Success")]), T0)
    tracker.feed(Frame([("event", "hangup")]), T0)
    for _ in range(5000):
        headers = [("Event", rng.choice(names))]
        headers += [(rng.choice(fields), rng.choice(values)) for _ in range(rng.randint(0, 8))]
        tracker.feed(Frame(headers), T0)
    tracker.reconcile([Frame([("Uniqueid", "1.1"), ("Duration", "bad")])], T0)
    assert not [r for r in caplog.records if r.name.startswith("telephony.tracker")]


def _event(name: str, **headers: str) -> Frame:
    return Frame([("Event", name), *headers.items()])


def _channel(name: str, uid: str, linkedid: str, context: str, caller: str, exten: str) -> dict[str, str]:
    return {
        "Channel": name,
        "CallerIDNum": caller,
        "Context": context,
        "Exten": exten,
        "Uniqueid": uid,
        "Linkedid": linkedid,
    }


def test_blind_transfer_is_handed_to_whoever_answers_next() -> None:
    trunk = _channel("PJSIP/trunk-1", "9.1", "9.1", "from-trunk", "+100", "2001")
    first = _channel("PJSIP/agent1-2", "9.2", "9.1", "from-agents", "2001", "s")
    second = _channel("PJSIP/agent2-3", "9.3", "9.1", "from-agents", "2002", "s")
    frames = [
        _event("Newchannel", **trunk),
        _event("Newchannel", **first),
        _event("DialBegin", **trunk, DestChannel="PJSIP/agent1-2", DestUniqueid="9.2", DestLinkedid="9.1"),
        _event("DialEnd", **trunk, DestChannel="PJSIP/agent1-2", DestUniqueid="9.2", DialStatus="ANSWER"),
        _event(
            "BlindTransfer",
            Result="Success",
            TransfererChannel="PJSIP/agent1-2",
            TransfereeChannel="PJSIP/trunk-1",
            Extension="2002",
            Context="internal",
        ),  # fmt: skip
        _event("Hangup", **first, Cause="16"),
        _event("Newchannel", **second),
        _event("DialBegin", **second, DestChannel="PJSIP/agent2-3", DestUniqueid="9.3", DestLinkedid="9.1"),
        _event("DialEnd", **trunk, DestChannel="PJSIP/agent2-3", DestUniqueid="9.3", DialStatus="ANSWER"),
        _event("Hangup", **second, Cause="16"),
        _event("Hangup", **trunk, Cause="16"),
    ]
    tracker = CallTracker()
    events: list[CallEvent] = []
    for second_no, frame in enumerate(frames):
        events += tracker.feed(frame, T0 + timedelta(seconds=second_no * 10))
    transferred = [e for e in events if isinstance(e, CallTransferred)]
    assert [(e.from_interface, e.to_interface) for e in transferred] == [("PJSIP/agent1", "PJSIP/agent2")]
    call = ended(events)["9.1"]
    assert call.outcome is CallOutcome.TRANSFERRED and call.answered_by == "PJSIP/agent2"
    assert call.talk_seconds == 70 and call.direction is Direction.INBOUND


def test_operator_dialling_out_is_outbound_and_voicemail_is_recognised() -> None:
    agent = _channel("PJSIP/agent1-5", "8.1", "8.1", "from-agents", "2001", "15559990000")
    carrier = _channel("PJSIP/carrier-6", "8.2", "8.1", "from-trunk", "15559990000", "s")
    tracker = CallTracker()
    events: list[CallEvent] = []
    for second_no, frame in enumerate(
        [
            _event("Newchannel", **agent),
            _event("Newchannel", **carrier),
            _event(
                "DialBegin",
                **agent,
                DestChannel="PJSIP/carrier-6",
                DestUniqueid="8.2",
                DialString="carrier/sip:15559990000@gw",
            ),  # fmt: skip
            _event("Newstate", **carrier, ChannelState="6"),
            _event("Hangup", **carrier, Cause="16"),
            _event("Hangup", **agent, Cause="16"),
        ]
    ):
        events += tracker.feed(frame, T0 + timedelta(seconds=second_no * 5))
    call = ended(events)["8.1"]
    assert (call.direction, call.caller, call.callee) == (Direction.OUTBOUND, "2001", "15559990000")
    assert call.outcome is CallOutcome.ANSWERED and call.talk_seconds == 10 and call.ring_seconds == 5

    trunk = _channel("PJSIP/trunk-7", "7.1", "7.1", "from-trunk", "+200", "100")
    voicemail = Frame(
        [("Event", "Newexten"), *trunk.items(), ("Application", "VoiceMail"), ("AppData", "2001@default")]
    )
    tracker.feed(_event("Newchannel", **trunk), T0)
    tracker.feed(voicemail, T0)
    call = ended(tracker.feed(_event("Hangup", **trunk, Cause="16"), T0 + timedelta(seconds=30)))["7.1"]
    assert call.outcome is CallOutcome.VOICEMAIL and call.direction is Direction.INBOUND


def test_uninteresting_varset_is_skipped_without_reading_its_headers() -> None:
    tracker = CallTracker()
    headers = [("Event", "VarSet"), *_channel("PJSIP/x-1", "1.1", "1.1", "c", "1", "s").items()]
    noise = Frame([*headers, ("Variable", "RTPAUDIOQOS"), ("Value", "ssrc=1")])
    assert tracker.feed(noise, T0) == []
    assert noise._index is None  # the frame's header index was never built


def _alive(lines: list[Line]) -> list[Frame]:
    """What CoreShowChannels would list after these frames: channels created and not hung up."""
    live: dict[str, dict[str, str]] = {}
    for line in lines:
        frame = line.frame
        event, uid = frame.get("Event"), frame.get("Uniqueid") or ""
        if event == "Newchannel":
            live[uid] = {k: frame.get(k) or "" for k in ("Channel", "Uniqueid", "Linkedid", "Context", "CallerIDNum")}
            live[uid].update(ChannelState=frame.get("ChannelState") or "0", Exten=frame.get("Exten") or "")
        elif event == "Newstate" and uid in live:
            live[uid]["ChannelState"] = frame.get("ChannelState") or "0"
        elif event == "BridgeEnter" and uid in live:
            live[uid]["BridgeId"] = frame.get("BridgeUniqueid") or ""
        elif event == "BridgeLeave" and uid in live:
            live[uid]["BridgeId"] = ""
        elif event == "Hangup":
            live.pop(uid, None)
    return [Frame([("Event", "CoreShowChannel"), *item.items(), ("Duration", "00:00:01")]) for item in live.values()]


@pytest.mark.parametrize("trace", [name for name in CALL_TRACES if not name.startswith("h2_")])
def test_connection_cut_anywhere_logs_every_call_once(trace: str) -> None:
    lines = [line for line in load(trace) if line.incoming]
    reference = ended(replay(CallTracker(), lines))
    span: dict[str, tuple[int, int]] = {}
    for index, line in enumerate(lines):
        linkedid = line.frame.get("Linkedid")
        if linkedid in reference:
            first, _ = span.get(linkedid, (index, index))
            span[linkedid] = (first, index)
    rng = random.Random(trace)
    for _ in range(8):
        cut = rng.randrange(len(lines))
        resume = rng.randrange(cut, len(lines))
        tracker = CallTracker()
        events = replay(tracker, lines[:cut])
        events += tracker.reconcile(_alive(lines[:resume]), lines[resume].at if resume < len(lines) else T0)
        events += replay(tracker, lines[resume:])
        logged = ended(events)
        expected = {lid for lid, (first, last) in span.items() if not (cut <= first and last < resume)}
        assert set(logged) == expected, (cut, resume)
        assert tracker.active_calls == ()
        for linkedid, (first, last) in span.items():
            if last < cut or first >= resume:  # wholly seen: exactly what an unbroken connection gives
                assert logged[linkedid].outcome is reference[linkedid].outcome, (linkedid, cut, resume)


def test_queue_joins_and_member_pauses_become_events() -> None:
    """Trace i: agent2 paused for lunch, a caller waits in the queue, agent2 unpaused."""
    events = replay(CallTracker(), load("i_agent_states"))
    pauses = [e for e in events if isinstance(e, AgentPaused)]
    assert [(p.interface, p.paused, p.reason, p.queue) for p in pauses] == [
        ("PJSIP/agent2", True, "lunch", "support"), ("PJSIP/agent2", False, "", "support"),
    ]
    [queued] = [e for e in events if isinstance(e, CallQueued)]
    assert (queued.linkedid, queued.caller, queued.queue) == ("1795415842.4", "+79131234567", "support")
    first_ring = next(e for e in events if isinstance(e, CallRinging))
    assert events.index(queued) < events.index(first_ring) and queued.at <= first_ring.at


def test_a_mixmonitor_that_keeps_the_directions_apart_names_both_files() -> None:
    """MixMonitor(file,r(in)t(out)): the tracker keeps each direction's file beside the mixed one."""
    base = "/var/spool/asterisk/monitor/1795413747.0"
    lines = []
    for line in load("a_queue_answered"):
        if line.frame.get("Application") == "MixMonitor":
            headers = [(n, f"{base}.wav,br({base}-in.wav)t({base}-out.wav),/usr/bin/true" if n == "AppData" else v)
                       for n, v in line.frame.headers]
            line = Line(line.t, line.incoming, line.conn, Frame(headers))
        lines.append(line)
    [call] = ended(replay(CallTracker(), lines)).values()
    assert (call.recording, call.recording_in, call.recording_out) == (f"{base}.wav", f"{base}-in.wav", f"{base}-out.wav")
    [plain] = run("a_queue_answered")[0].values()
    assert plain.recording == f"{base}.wav" and plain.recording_in is None and plain.recording_out is None
    # Recorded on the operator's device instead, r() is the operator's words: the sides swap.
    monitor = next(line for line in lines if line.frame.get("Application") == "MixMonitor")
    moved = Line(monitor.t, True, monitor.conn,
                 Frame([(n, "PJSIP/agent1-00000003" if n == "Channel" else v) for n, v in monitor.frame.headers]))
    on_agent = [line for line in lines if line is not monitor]
    agent_up = next(i for i, line in enumerate(on_agent)
                    if line.frame.event == "Newchannel" and line.frame.get("Channel") == "PJSIP/agent1-00000003")
    on_agent.insert(agent_up + 1, moved)
    [swapped] = ended(replay(CallTracker(), on_agent)).values()
    assert (swapped.recording_in, swapped.recording_out) == (f"{base}-out.wav", f"{base}-in.wav")


@pytest.mark.parametrize(("trace", "linkedid", "target"), [
    ("f_blind_transfer", "1796680425.11", "PJSIP/agent2"),  # with a BlindTransfer event
    ("f2_redirect", "1796680452.16", "PJSIP/agent3"),  # AMI Redirect: no transfer event at all
    ("q_queue_redirect", "1796680832.73", "PJSIP/agent2"),  # a queue call moved by Redirect
])
def test_a_caller_moved_to_another_operator_is_a_transfer(trace: str, linkedid: str, target: str) -> None:
    calls, events, _ = run(trace)
    call = calls[linkedid]
    assert call.outcome is CallOutcome.TRANSFERRED and call.answered_by == target
    assert [(t.source, t.target) for t in call.transfers] == [("PJSIP/agent1", target)]
    transferred = [e for e in events if isinstance(e, CallTransferred)]
    assert [(e.from_interface, e.to_interface) for e in transferred] == [("PJSIP/agent1", target)]
    answered = next(line.at for line in load(trace) if line.frame.get("Event") == "DialEnd"
                    and line.frame.get("DestChannel", "").startswith(target) and line.frame.get("DialStatus") == "ANSWER")
    assert abs(secs(answered, transferred[0].at)) < 0.05  # their share runs from their answer to the hang-up
