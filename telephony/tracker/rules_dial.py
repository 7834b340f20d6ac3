"""Rules for dialling and queues: who the call rang at, who answered, waits and talk times.

In AgentCalled/AgentConnect/AgentComplete ``Channel`` is the caller and ``DestChannel`` the agent.
An Originate's own DialBegin/DialEnd have no ``Channel`` header: that is how an originated call is
recognised even when this connector did not send the Originate.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import AgentPaused, CallEvent, CallQueued, CallRinging
from telephony.ami.frames import Frame
from telephony.tracker.channels import Kind, interface_of, known, number_from_dial
from telephony.tracker.outcome import caller_and_callee, direction_of
from telephony.tracker.rules_channels import operator_answered
from telephony.tracker.rules_dialer import tell_pickup
from telephony.tracker.state import Call, Channel, TrackerState

Out = list[CallEvent]
_FINAL_FAILURES = frozenset({"BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL"})


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _outside(exten: str | None) -> bool:
    """An Originate's ``Exten`` that is a phone number rather than an extension or a dialplan label."""
    digits = (exten or "").removeprefix("+")
    return len(digits) >= 7 and digits.isdigit()


def _dest(st: TrackerState, f: Frame) -> Channel | None:
    uniqueid = f.get("DestUniqueid")
    channel = st.channels.get(uniqueid) if uniqueid else None
    if channel is None:
        name = f.get("DestChannel")
        channel = st.by_name.get(name) if name else None
    return channel


def _call(st: TrackerState, f: Frame, header: str = "Linkedid") -> Call | None:
    linkedid = f.get(header)
    return st.calls.get(linkedid) if linkedid else None


def ring(call: Call, target: str, interface: str, at: datetime, out: Out) -> None:
    """The call rings at an operator device: offered once per device, one CallRinging per dialled channel."""
    if target in call.rung:
        return
    call.rung.add(target)
    if interface not in call.offered:
        call.offered.append(interface)
    if call.ring_at is None:
        call.ring_at = at
    direction = direction_of(call)
    caller, callee = caller_and_callee(call, direction)
    out.append(CallRinging(call.linkedid, direction, caller, callee, interface, call.queue, at))


def on_dial_begin(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f, "DestLinkedid") or _call(st, f)
    if call is None:
        return
    dest = _dest(st, f)
    dial_string = f.get("DialString") or ""
    source = f.get("Channel")
    if source is None:
        call.originated = True
        if dial_string:
            st.remember_dial_target(dial_string, call.linkedid)
            for originate in st.originates.values():
                if originate.linkedid is None and originate.channel.split("/", 1)[-1] == dial_string:
                    originate.linkedid = call.linkedid
                    if dest is not None and dest.kind is Kind.OPERATOR and _outside(originate.exten):
                        # Click-to-call rings the operator first; the number is dialled once they pick up,
                        # but the call is already theirs to that number (and the pop must say so).
                        call.has_trunk_leg = True
                        call.outside_number = originate.exten
    if dest is None:
        return
    if dest.kind is Kind.TRUNK:
        call.has_trunk_leg = True
        number = number_from_dial(dial_string) if dial_string else None
        exten = f.get("DestExten")
        call.outside_number = call.outside_number or number or (exten if exten != "s" else None)
        if source is not None and call.dialer_caller is None:
            call.dialer_caller = known(f.get("CallerIDNum"))
        if call.ring_at is None:
            call.ring_at = at
        if call.outside_dial_at is None:
            call.outside_dial_at = at
    elif dest.kind is Kind.OPERATOR:
        ring(call, dest.name, dest.interface, at, out)


def on_dial_end(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f, "DestLinkedid") or _call(st, f)
    dest = _dest(st, f)
    if call is None or dest is None:
        return
    status = f.get("DialStatus") or ""
    if status == "ANSWER":
        if dest.kind is Kind.OPERATOR:
            operator_answered(call, dest.interface, dest.caller, at, out)
        elif dest.kind is Kind.TRUNK:
            call.has_trunk_leg = True
            call.answered_at = call.answered_at or at
            tell_pickup(call, out)
    elif status in _FINAL_FAILURES or call.last_dial_status is None:
        call.last_dial_status = status


def on_queue_join(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f)
    if call is not None:
        call.queue = f.get("Queue") or call.queue
        if call.queue_join_at is None:
            call.queue_join_at = at
            if call.queue:
                caller, _ = caller_and_callee(call, direction_of(call))
                out.append(CallQueued(call.linkedid, caller, call.queue, at))


def on_member_pause(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """``QueueMemberPause``: from a CRM ``QueuePause`` or the phone's own pause key alike."""
    interface = f.get("Interface") or f.get("StateInterface")
    if interface:
        paused = (f.get("Paused") or "0").strip() not in ("0", "", "false", "no")
        out.append(AgentPaused(interface, paused, (f.get("PausedReason") or "").strip(), f.get("Queue"), at))


def pauses_from_status(members: list[Frame], at: datetime) -> list[CallEvent]:
    """``QueueMember`` entries of a ``QueueStatus`` list as ``AgentPaused`` events: the desk states a
    process that just connected cannot have seen change."""
    out: Out = []
    for f in members:
        interface = f.get("Location") or f.get("Interface") or f.get("StateInterface")
        if interface and f.event == "QueueMember":
            paused = (f.get("Paused") or "0").strip() not in ("0", "", "false", "no")
            out.append(AgentPaused(interface, paused, (f.get("PausedReason") or "").strip(), f.get("Queue"), at))
    return out


def on_queue_abandon(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f)
    if call is not None:
        call.queue = f.get("Queue") or call.queue
        call.abandoned = True
        call.hold_time = _int(f.get("HoldTime"))


def _agent(st: TrackerState, f: Frame) -> tuple[Call | None, str, str, str | None]:
    call = _call(st, f)
    dest = _dest(st, f)
    target = f.get("DestChannel") or ""
    if dest is not None and dest.kind is Kind.OPERATOR:
        return call, dest.name, dest.interface, dest.caller
    interface = f.get("Interface") or interface_of(target)
    return call, target, interface, known(f.get("DestCallerIDNum"))


def on_agent_called(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call, target, interface, _ = _agent(st, f)
    if call is not None and interface:
        call.queue = f.get("Queue") or call.queue
        ring(call, target or interface, interface, at, out)


def on_agent_connect(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call, _, interface, extension = _agent(st, f)
    if call is None or not interface:
        return
    call.queue = f.get("Queue") or call.queue
    hold = _int(f.get("HoldTime"))
    if hold is not None:
        call.hold_time = hold
    operator_answered(call, interface, extension, at, out)


def on_agent_complete(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f)
    if call is None:
        return
    call.queue = f.get("Queue") or call.queue
    talk = _int(f.get("TalkTime"))
    caller = f.get("Uniqueid")
    # A queue caller that is already gone while the call goes on (a Local half optimized away once the operator
    # answered, trace y12) is credited TalkTime 0: the talk is the call's own, from the operator's answer.
    if talk is not None and (caller is None or caller in call.live):
        call.talk_time = talk
    hold = _int(f.get("HoldTime"))
    if hold is not None and call.hold_time is None:
        call.hold_time = hold
