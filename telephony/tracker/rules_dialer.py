"""Rules for a campaign's calls: the client picking up, and what ``AMD()`` made of the answer.

A dialer call is an ``Originate`` whose ``ChannelId`` (so its Linkedid) is an attempt's (``crm-att-<id>``),
or whose first channel is ``Local/<number>@<dialer context>`` (``TrackerConfig.dialer_contexts``), or any
call on which ``CRM_ATTEMPT`` is set (the Originate's variables, set on both Local halves at once, trace j)
or which runs ``AMD()``. ``CRM_CAMPAIGN`` alone is no sign: click-to-call may carry one too (trace d). The Local ``;1`` half, whose Uniqueid is the ChannelId, runs the answered part of the dialplan:
AMD, then the hand-over to an operator, so it is the channel the dialer's ``Setvar CRM_AGENT`` goes to, but
only while it waits: once it runs one of ``PAST_THE_WAIT`` (the operator's ``Dial``, ``Queue``, the abandon
or machine message, ``Hangup``) Asterisk still accepts the ``Setvar`` and nothing comes of it (trace y10).
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import CallEvent, CallPickedUp, MachineDetection
from callcenter.campaigns.events import ATTEMPT_CHANNEL_PREFIX
from telephony.ami.frames import Frame
from telephony.tracker.state import Call, TrackerState

Out = list[CallEvent]
DIALER_VARIABLES = ("CRM_ATTEMPT",)
PAST_THE_WAIT = ("Dial", "Queue", "Playback", "WaitForSilence", "Hangup")


def is_attempt(linkedid: str) -> bool:
    return linkedid.startswith(ATTEMPT_CHANNEL_PREFIX)


def tell_pickup(call: Call, out: Out) -> None:
    """CallPickedUp once, as soon as the call is known to be a dialer call and its client has answered."""
    if call.dialer and call.answered_at is not None and not call.picked_up_told:
        call.picked_up_told = True
        out.append(CallPickedUp(call.linkedid, call.answered_at))


def tell_detection(call: Call, at: datetime, out: Out) -> None:
    if call.amd_status is not None and not call.amd_told:
        call.amd_told = True
        call.amd_at = at
        out.append(MachineDetection(call.linkedid, call.amd_status, call.amd_cause, at))


def mark_dialer(call: Call, out: Out) -> None:
    if not call.dialer:
        call.dialer = True
        tell_pickup(call, out)


def _call(st: TrackerState, f: Frame) -> Call | None:
    return st.calls.get(f.get("Linkedid") or "")


def on_dialer_variable(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """VarSet CRM_ATTEMPT: the attempt's own variable makes the call a dialer call."""
    call = _call(st, f)
    if call is not None:
        mark_dialer(call, out)


def on_amd_status(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """VarSet AMDSTATUS. AMD() sets AMDCAUSE right after it: the verdict is told with its cause, then."""
    call = _call(st, f)
    if call is None:
        return
    mark_dialer(call, out)
    call.amd_status = (f.get("Value") or "").strip().upper() or None
    if call.amd_cause is not None:
        tell_detection(call, at, out)


def on_amd_cause(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = _call(st, f)
    if call is None:
        return
    call.amd_cause = (f.get("Value") or "").strip() or None
    tell_detection(call, at, out)


def on_answered_application(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """Newexten of one of ``PAST_THE_WAIT`` on a dialer call's first channel: no longer waiting for an operator."""
    call = _call(st, f)
    if call is not None and call.dialer and f.get("Uniqueid") == call.linkedid:
        call.wait_over = True


def answering_channel(st: TrackerState, linkedid: str) -> str | None:
    """The live channel that runs a dialer call's answered dialplan (the one whose Uniqueid is the Linkedid),
    while it still waits for ``CRM_AGENT``."""
    call = st.calls.get(linkedid)
    if call is None or call.wait_over or linkedid not in call.live:
        return None
    channel = st.channels.get(linkedid)
    return channel.name if channel is not None else None
