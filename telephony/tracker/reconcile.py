"""Catching up after a lost AMI connection, from the channel list of ``CoreShowChannels``.

Calls whose channels are all gone ended while the connector was away: they are closed now, with
``times_approximate``. Channels the tracker never saw (a call that began while it was away, or a
tracker that just started) are taken up, their start and answer estimated from ``Duration``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from callcenter.calls.events import CallEvent
from telephony.ami.frames import Frame
from telephony.tracker.channels import Kind
from telephony.tracker.rules_channels import finish, open_channel, operator_answered
from telephony.tracker.rules_spy import UNTOLD
from telephony.tracker.state import Channel, Spy, TrackerState


def _duration(value: str | None) -> timedelta:
    try:
        parts = [int(part) for part in (value or "").split(":")]
    except ValueError:
        return timedelta(0)
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return timedelta(seconds=max(0, seconds))


def _spying_unseen(st: TrackerState, linkedid: str, listed: Frame) -> None:
    """A channel listed running ChanSpy is a supervisor's leg, even when the start of it was missed."""
    call = st.calls.get(linkedid)
    if call is not None and call.spy is None and listed.get("Application") in ("ChanSpy", "ExtenSpy"):
        call.spy = Spy(UNTOLD)


def reconcile(st: TrackerState, listed: list[Frame], at: datetime) -> list[CallEvent]:
    out: list[CallEvent] = []
    channel: Channel | None
    present = {uid: f for f in listed if (uid := f.get("Uniqueid"))}
    for channel in list(st.channels.values()):
        if channel.uniqueid not in present:
            st.forget_channel(channel)
            call = st.calls.get(channel.linkedid)
            if call is not None:
                call.live.discard(channel.uniqueid)
    for call in list(st.calls.values()):
        if not call.live:
            call.times_approximate = call.end_unseen = True
            finish(st, call, at, out)
    taken_up: set[str] = set()
    for uniqueid, f in present.items():
        channel = st.channels.get(uniqueid)
        if channel is None:
            began = at - _duration(f.get("Duration"))
            channel = open_channel(st, f, began, approximate=True)
            if channel is None:
                continue
            st.calls[channel.linkedid].started_at = min(st.calls[channel.linkedid].started_at, began)
        call = st.calls.get(channel.linkedid)
        if call is None:
            continue
        # Known or not, the channel is as listed now: it may have been answered or bridged meanwhile.
        taken_up.add(call.linkedid)
        channel.up = channel.up or f.get("ChannelState") == "6"
        st.set_bridge(channel, f.get("BridgeId") or None)
        if f.get("Application") == "Queue" and call.queue is None:
            call.queue = (f.get("ApplicationData") or "").split(",", 1)[0] or None
        _spying_unseen(st, call.linkedid, f)
    for linkedid in taken_up:
        call = st.calls[linkedid]
        answered = call.answered_at, call.answered_by
        for uniqueid in sorted(call.live):
            channel = st.channels[uniqueid]
            if not channel.up or channel.bridge is None:
                continue
            if channel.kind is Kind.TRUNK and (call.originated or uniqueid != linkedid):
                call.answered_at = call.answered_at or at
            elif channel.kind is Kind.OPERATOR and uniqueid != linkedid:
                operator_answered(call, channel.interface, channel.caller, at, out)
        if (call.answered_at, call.answered_by) != answered:
            call.times_approximate = True  # answered while no one listened: the answer time is the reconnect's
    return out

