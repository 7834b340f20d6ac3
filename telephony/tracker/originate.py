"""Originates: matching OriginateResponse to the call it made.

A failed Originate's response carries ``Uniqueid: <unknown>``, so it is matched by ``ActionID`` to
what the connector told the tracker it sent (``CallTracker.originated``), or else by the dial target:
the Originate's own DialBegin (the one without a ``Channel`` header) has ``DialString`` equal to the
Originate's channel without its technology (``PJSIP/carrier/sip:1@h`` -> ``carrier/sip:1@h``).
The response's ``Reason`` refines the outcome of a call that is still going (3: no answer, 5: busy).
An Originate that failed before any channel existed is logged as its own call, under the ``ChannelId`` it
asked for (a dialer's attempt) or else ``originate-<ActionID>``, but only when the connector said it sent it.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import CallEvent, OriginateFailed
from telephony.ami.frames import Frame
from telephony.tracker.channels import known, number_from_dial
from telephony.tracker.rules_channels import finish
from telephony.tracker.rules_dialer import is_attempt
from telephony.tracker.state import Call, Originate, TrackerState

Out = list[CallEvent]
_REMEMBERED = 1000


def register(st: TrackerState, action_id: str, channel: str, exten: str | None, at: datetime,
             channel_id: str | None = None) -> None:
    st.originates[action_id] = Originate(action_id, channel, exten, at, channel_id=channel_id)
    while len(st.originates) > _REMEMBERED:
        del st.originates[next(iter(st.originates))]


def _linkedid(st: TrackerState, f: Frame, pending: Originate | None) -> str | None:
    if pending is not None and pending.linkedid is not None:
        return pending.linkedid
    if pending is not None and pending.channel_id is not None:
        if pending.channel_id in st.calls or st.is_ended(pending.channel_id):
            return pending.channel_id
    uniqueid = known(f.get("Uniqueid"))
    if uniqueid is not None:
        channel = st.channels.get(uniqueid)
        if channel is not None:
            return channel.linkedid
        if uniqueid in st.calls or st.is_ended(uniqueid):
            return uniqueid
    target = f.get("Channel")
    return st.dial_targets.get(target.split("/", 1)[-1]) if target else None


def on_originate_response(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    action_id = f.get("ActionID")
    pending = st.originates.pop(action_id, None) if action_id else None
    linkedid = _linkedid(st, f, pending)
    if (f.get("Response") or "") == "Success":
        return
    try:
        reason: int | None = int(f.get("Reason") or "")
    except ValueError:
        reason = None
    if action_id:
        out.append(OriginateFailed(action_id, reason, at))
    if linkedid is not None:
        call = st.calls.get(linkedid)
        if call is not None:
            call.originated = True
            call.originate_reason = reason
        return  # a call that already ended was logged from its own channels
    if pending is None:
        return
    synthetic = pending.channel_id or f"originate-{pending.action_id}"
    if st.is_ended(synthetic):
        return
    call = Call(linkedid=synthetic, started_at=pending.at, originated=True, has_trunk_leg=True,
                dialer=is_attempt(synthetic))
    call.outside_number = number_from_dial(pending.channel)
    call.callee = call.outside_number
    call.dialer_caller = known(f.get("CallerIDNum"))
    call.originate_reason = reason
    st.calls[synthetic] = call
    finish(st, call, at, out)
