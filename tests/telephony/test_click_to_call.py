"""Click-to-call as Asterisk 22 plays it: the operator's own phone answers first, then the dialplan dials the
client. The call is the client's answer or not: an operator picking up their phone is not the client answering."""

from __future__ import annotations

from datetime import timedelta

from callcenter.calls.events import CallAnswered, CallEnded, CallEvent, CallRinging, CallSummary, OriginateFailed
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.frames import Frame
from telephony.tracker import CallTracker
from tests.telephony.test_tracker import Line, ended, load, near, secs

X1 = "1796674568.84"


def told(tracker: CallTracker, lines: list[Line], number: str) -> None:
    """What the connector does when it sends the product's Originate: tell the tracker first."""
    response = next(line for line in lines if line.frame.get("Event") == "OriginateResponse")
    tracker.originated(response.frame["ActionID"], "PJSIP/" + response.frame["Channel"].split("/")[1].split("-")[0],
                       number, lines[0].at)


def play(lines: list[Line], number: str) -> tuple[list[CallEvent], dict[str, CallSummary]]:
    tracker = CallTracker()
    told(tracker, lines, number)
    events: list[CallEvent] = []
    for line in lines:
        if line.incoming:
            events += tracker.feed(line.frame, line.at)
    assert tracker.active_calls == ()
    return events, ended(events)


def customer_fails(status: str, cause: str, ring: float) -> list[Line]:
    """The x1 trace up to the client's phone ringing, then the client's leg failing as Asterisk reports it:
    ``DialEnd`` with the status on the operator's channel, the client's channel hung up with the cause, and
    ``Dial`` returning in the dialplan, which hangs the operator's phone up."""
    lines = load("x1_click_to_call_answered")
    ringing = next(i for i, line in enumerate(lines) if line.frame.get("Event") == "DialState"
                   and line.frame.get("DestChannel", "").startswith("PJSIP/carrier"))
    kept = lines[: ringing + 1]
    dial_end = next(line for line in lines[ringing:] if line.frame.get("Event") == "DialEnd")
    carrier_hangup = next(line for line in lines if line.frame.get("Event") == "Hangup"
                          and line.frame["Channel"].startswith("PJSIP/carrier"))
    agent_hangup = next(line for line in lines if line.frame.get("Event") == "Hangup"
                        and line.frame["Channel"].startswith("PJSIP/agent1"))
    t = kept[-1].t + ring

    def changed(line: Line, at: float, **values: str) -> Line:
        frame = Frame([(k, values.get(k, v)) for k, v in line.frame.headers])
        return Line(at, True, 1, frame)

    return [
        *kept,
        changed(dial_end, t, DialStatus=status, DestChannelStateDesc="Down", DestChannelState="0"),
        changed(carrier_hangup, t, Cause=cause, ChannelStateDesc="Ringing", ChannelState="5"),
        changed(agent_hangup, t + 0.01, Cause=cause),
    ]


def test_answered_click_to_call_is_the_operators_outbound_call_to_the_client() -> None:
    events, calls = play(load("x1_click_to_call_answered"), "79031234567")
    call = calls[X1]
    assert call.direction is Direction.OUTBOUND
    assert (call.caller, call.callee) == ("2001", "79031234567")
    assert call.answered_by == "PJSIP/agent1" and call.outcome is CallOutcome.ANSWERED
    assert call.talk_seconds == 6 and call.ring_seconds == 2  # the client's phone rang 2 s, then 6 s of talk
    assert call.answered_at is not None and near(secs(call.started_at, call.answered_at), 3)
    ringing = [e for e in events if isinstance(e, CallRinging)]
    assert [(e.direction, e.callee) for e in ringing] == [(Direction.OUTBOUND, "79031234567")]


def test_a_busy_client_is_busy_with_no_talk_even_though_the_operator_picked_up() -> None:
    events, calls = play(customer_fails("BUSY", "17", 0.4), "79031234567")
    call = calls[X1]
    assert call.outcome is CallOutcome.BUSY
    assert call.answered_at is None and call.talk_seconds is None
    assert call.answered_by == "PJSIP/agent1"  # still the operator's call
    assert (call.caller, call.callee) == ("2001", "79031234567")
    assert any(isinstance(e, CallAnswered) for e in events)  # the operator's desk was on the call meanwhile


def test_a_client_who_never_answers_is_no_answer() -> None:
    _, calls = play(customer_fails("NOANSWER", "19", 15), "79031234567")
    call = calls[X1]
    assert call.outcome is CallOutcome.NO_ANSWER and call.talk_seconds is None and call.answered_at is None
    assert near(call.ring_seconds, 15)  # the client's phone rang, not the operator's


def test_an_unreachable_client_is_failed() -> None:
    _, calls = play(customer_fails("CHANUNAVAIL", "20", 0.1), "79031234567")
    assert calls[X1].outcome is CallOutcome.FAILED and calls[X1].talk_seconds is None


def test_the_operators_phone_not_answering_is_no_answer_with_no_operator() -> None:
    events, calls = play(load("x3_click_to_call_operator_no_answer"), "79990000004")
    call = calls["1796674695.91"]
    assert (call.direction, call.outcome) == (Direction.OUTBOUND, CallOutcome.NO_ANSWER)
    assert call.answered_by is None and call.callee == "79990000004"
    assert [e.reason for e in events if isinstance(e, OriginateFailed)] == [3]


def test_a_phone_without_its_own_caller_id_is_not_logged_as_the_client_calling_themselves() -> None:
    lines = []
    for line in load("x1_click_to_call_answered"):
        values = {"CallerIDNum": "<unknown>"} if line.frame.get("Event") == "Newchannel" and \
            line.frame.get("Channel", "").startswith("PJSIP/agent1") else {}
        lines.append(Line(line.t, line.incoming, line.conn,
                          Frame([(k, values.get(k, v)) for k, v in line.frame.headers])))
    _, calls = play(lines, "79031234567")
    call = calls[X1]
    assert call.callee == "79031234567" and call.caller == "PJSIP/agent1"


def test_an_operator_dialling_out_from_their_phone_to_a_busy_number_is_still_theirs() -> None:
    tracker = CallTracker()
    at = load("x1_click_to_call_answered")[0].at

    def ev(name: str, **headers: str) -> Frame:
        return Frame([("Event", name), *headers.items()])

    agent = {"Channel": "PJSIP/agent2-7", "Uniqueid": "9.1", "Linkedid": "9.1", "Context": "from-agents",
             "CallerIDNum": "2002", "Exten": "79130000000"}
    carrier = {"Channel": "PJSIP/carrier-8", "Uniqueid": "9.2", "Linkedid": "9.1", "Context": "from-trunk",
               "CallerIDNum": "79130000000", "Exten": "s"}
    events: list[CallEvent] = []
    for n, frame in enumerate([
        ev("Newchannel", **agent), ev("Newchannel", **carrier),
        ev("DialBegin", **agent, DestChannel="PJSIP/carrier-8", DestUniqueid="9.2",
           DialString="carrier/sip:79130000000@gw"),
        ev("DialEnd", **agent, DestChannel="PJSIP/carrier-8", DestUniqueid="9.2", DialStatus="BUSY"),
        ev("Hangup", **carrier, Cause="17"), ev("Hangup", **agent, Cause="17"),
    ]):
        events += tracker.feed(frame, at + timedelta(seconds=n))
    call = next(e.summary for e in events if isinstance(e, CallEnded))
    assert (call.direction, call.outcome, call.answered_by) == (Direction.OUTBOUND, CallOutcome.BUSY, "PJSIP/agent2")


def test_recorded_busy_client() -> None:
    events, calls = play(load("x2_click_to_call_client_busy"), "79990000002")
    call = calls["1796680774.62"]
    assert (call.direction, call.outcome, call.answered_by) == (Direction.OUTBOUND, CallOutcome.BUSY, "PJSIP/agent2")
    assert (call.caller, call.callee) == ("2002", "79990000002")
    assert call.answered_at is None and call.talk_seconds is None and call.hangup_cause == 17
    assert not any(isinstance(e, OriginateFailed) for e in events)  # the operator's phone did answer


def test_recorded_client_not_answering() -> None:
    _, calls = play(load("x4_click_to_call_client_no_answer"), "79990000003")
    [call] = calls.values()
    assert (call.direction, call.outcome, call.answered_by) == (Direction.OUTBOUND, CallOutcome.NO_ANSWER,
                                                                "PJSIP/agent1")
    assert call.answered_at is None and call.talk_seconds is None and near(call.ring_seconds, 15)
    assert call.callee == "79990000003"
