"""Rules for channel life: Newchannel, Newstate, Hangup, bridges and the few variables that matter.

A call is one Linkedid. It starts with its first channel and ends when its last live channel hangs
up; Local channels count as live while they exist but their hangup alone ends nothing (when a Local
pair optimizes itself away the real parties are still talking).
"""

from __future__ import annotations

import re
from datetime import datetime

from callcenter.calls.events import CallAnswered, CallEnded, CallEvent, CallTransferred, Transfer
from telephony.ami.frames import Frame
from telephony.tracker.channels import Kind, classify, interface_of, known, number_from_dial
from telephony.tracker.outcome import summarize
from telephony.tracker.rules_dialer import is_attempt, tell_detection, tell_pickup
from telephony.tracker.rules_spy import stopped
from telephony.tracker.state import Call, Channel, TrackerState

Out = list[CallEvent]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def open_channel(st: TrackerState, f: Frame, at: datetime, *, approximate: bool = False) -> Channel | None:
    """Start tracking the channel a Newchannel (or CoreShowChannel) frame describes."""
    uniqueid = f.get("Uniqueid")
    linkedid = f.get("Linkedid") or uniqueid
    name = f.get("Channel")
    if not uniqueid or not linkedid or not name or st.is_ended(linkedid) or uniqueid in st.channels:
        return None
    kind = classify(name, f.get("Context"), st.config)
    channel = Channel(uniqueid, name, linkedid, kind, interface_of(name), known(f.get("CallerIDNum")), f.get("Exten"))
    call = st.calls.get(linkedid)
    if call is None:
        call = Call(linkedid=linkedid, started_at=at, times_approximate=approximate, dialer=is_attempt(linkedid))
        st.calls[linkedid] = call
    st.channels[uniqueid] = channel
    st.by_name[name] = channel
    call.live.add(uniqueid)
    if uniqueid == linkedid:
        call.first_kind = kind
        call.first_interface = channel.interface
        if kind is Kind.LOCAL:
            call.originated = True  # only an Originate (or a call file) starts a call on a Local channel
            call.dialer = call.dialer or (f.get("Context") or "") in st.config.dialer_contexts
            call.outside_number = number_from_dial(name.split(";", 1)[0].rsplit("-", 1)[0])
        else:
            call.caller = channel.caller
            call.callee = channel.exten if channel.exten != "s" else None  # "s": no number was dialled
    elif kind is Kind.TRUNK:
        call.has_trunk_leg = True
    if kind is Kind.OPERATOR and call.operator_ext is None and channel.caller:
        call.operator_ext = channel.caller
    return channel


def on_newchannel(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    open_channel(st, f, at)


def on_newstate(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    uniqueid = f.get("Uniqueid")
    channel = st.channels.get(uniqueid) if uniqueid else None
    if channel is None or f.get("ChannelState") != "6":
        return
    channel.up = True
    call = st.calls.get(channel.linkedid)
    if call is None:
        return
    if channel.kind is Kind.TRUNK and (call.originated or uniqueid != call.linkedid):
        # the outside party of an outbound leg picked up
        call.has_trunk_leg = True
        if call.answered_at is None:
            call.answered_at = at
        tell_pickup(call, out)
    if uniqueid == call.linkedid and call.caller is None:
        call.caller = known(f.get("CallerIDNum"))


def operator_answered(call: Call, interface: str, extension: str | None, at: datetime, out: Out) -> None:
    """An operator's device answered in this call: the first one is who answered it."""
    pending = call.pending_blind
    if pending is not None and interface != pending.source:
        call.pending_blind = None
        call.transfers.append(Transfer(pending.source, interface, at))
        call.answered_by = interface
        out.append(CallTransferred(call.linkedid, pending.source, interface, at))
        return
    if call.answered_by is not None:
        return
    call.answered_by = interface
    call.operator_answered_at = at
    if call.operator_ext is None:
        call.operator_ext = extension
    if not call.originated:
        # an outbound call counts as answered when the outside party picks up (see on_newstate)
        call.answered_at = call.answered_at or at
    out.append(CallAnswered(call.linkedid, interface, call.queue, at))


def on_hangup(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    uniqueid = f.get("Uniqueid")
    channel = st.channels.get(uniqueid) if uniqueid else None
    if channel is None:
        return
    st.forget_channel(channel)
    call = st.calls.get(channel.linkedid)
    if call is None:
        return
    call.live.discard(channel.uniqueid)
    if channel.uniqueid == call.linkedid and call.caller is None:
        call.caller = known(f.get("CallerIDNum"))  # an originate's caller id shows only late
    cause = _int(f.get("Cause"))
    if cause is not None and (cause != 0 or call.hangup_cause is None):
        call.hangup_cause = cause
    if not call.live:
        finish(st, call, at, out)


def finish(st: TrackerState, call: Call, at: datetime, out: Out) -> None:
    """Close a call: one CallEnded, and the Linkedid is remembered so it never ends twice."""
    st.calls.pop(call.linkedid, None)
    st.mark_ended(call.linkedid)
    for uniqueid in call.live:
        channel = st.channels.get(uniqueid)
        if channel is not None:
            st.forget_channel(channel)
    call.live.clear()
    if call.spy is not None:
        ending = stopped(call, at)  # a supervisor's listening leg: no call to log
        if ending is not None:
            out.append(ending)
        return
    if call.pending_blind is not None:
        call.transfers.append(call.pending_blind)  # handed on, but nobody answered there
        call.pending_blind = None
    tell_detection(call, at, out)  # a verdict whose cause never came is still told before the end
    out.append(CallEnded(summarize(call, at)))


def on_bridge_enter(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    uniqueid = f.get("Uniqueid")
    channel = st.channels.get(uniqueid) if uniqueid else None
    bridge = f.get("BridgeUniqueid")
    if channel is None or not bridge:
        return
    st.set_bridge(channel, bridge)
    call = st.calls.get(channel.linkedid)
    if call is None:
        return
    if channel.kind is Kind.OPERATOR and call.answered_by is None:
        # a device bridged into the call talks in it, even if the answer itself was missed
        operator_answered(call, channel.interface, channel.caller, at, out)
    elif call.answered_by is not None:
        moved(st, call, bridge, at, out)


def moved(st: TrackerState, call: Call, bridge: str, at: datetime, out: Out) -> None:
    """The outside party now talks to another operator, without the one who had the call: a transfer.

    AMI ``Redirect``, a dialplan ``Goto`` or a phone's own transfer move the caller on without a transfer
    event; what Asterisk always shows is the caller and the new operator entering one bridge."""
    members = [c for uid in st.bridges.get(bridge, ()) if (c := st.channels.get(uid)) is not None]
    if not any(c.kind is Kind.TRUNK for c in members):
        return
    operators = [c.interface for c in members if c.kind is Kind.OPERATOR]
    source = call.answered_by
    if not operators or source is None or source in operators:
        return
    call.transfers.append(Transfer(source, operators[0], at))
    call.answered_by = operators[0]
    out.append(CallTransferred(call.linkedid, source, operators[0], at))


def on_bridge_leave(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    uniqueid = f.get("Uniqueid")
    channel = st.channels.get(uniqueid) if uniqueid else None
    if channel is None or channel.bridge != f.get("BridgeUniqueid"):
        return
    st.set_bridge(channel, None)


def on_recording(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """VarSet MIXMONITOR_FILENAME: the call's recording file."""
    call = st.calls.get(f.get("Linkedid") or "")
    if call is not None and call.recording is None:
        call.recording = f.get("Value") or None


_OPTION = re.compile(r"([A-Za-z])(?:\(([^)]*)\))?")  # MixMonitor's options: letters, some with (an argument)


def on_mixmonitor(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """Newexten running MixMonitor: the mixed file, and with options r()/t() each side's own file.

    r() is what the recorded channel sent: the client's words when MixMonitor runs on the client's channel
    (a queue call, an originate to a number), the operator's when it runs on the operator's device (a call
    the operator dialled from their phone)."""
    call = st.calls.get(f.get("Linkedid") or "")
    if call is None:
        return
    data = f.get("AppData") or ""
    mixed, _, rest = data.partition(",")
    options = rest.split(",", 1)[0]  # a third argument is a command to run afterwards
    if call.recording is None and mixed.strip():
        call.recording = mixed.strip()
    sides = {flag: path.strip() for flag, path in _OPTION.findall(options) if flag in "rt" and path.strip()}
    if "r" in sides and "t" in sides and call.recording_in is None:
        recorded = st.by_name.get(f.get("Channel") or "")
        if recorded is not None and recorded.kind is Kind.OPERATOR:
            call.recording_in, call.recording_out = sides["t"], sides["r"]
        else:
            call.recording_in, call.recording_out = sides["r"], sides["t"]


def on_voicemail(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """Newexten running VoiceMail: an unanswered call that left a message."""
    call = st.calls.get(f.get("Linkedid") or "")
    if call is not None:
        call.voicemail = True
