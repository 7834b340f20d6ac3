"""Rules for transfers: who handed the call to whom.

AttendedTransfer names the operator who transferred (``OrigTransfererChannel``) and the channel the
caller is now joined to (``TransferTargetChannel``), often one half of a Local pair whose other half
dialled the new operator; the new operator is found through the bridges those channels sit in.
BlindTransfer only names an extension: the next operator device to answer in that call is the one
it was handed to.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import CallEvent, CallTransferred, Transfer
from telephony.ami.frames import Frame
from telephony.tracker.channels import Kind, interface_of, local_partner
from telephony.tracker.state import Call, Channel, TrackerState

Out = list[CallEvent]


def _operators_near(st: TrackerState, name: str | None, exclude: str) -> list[Channel]:
    """Operator channels that are ``name`` or share a bridge with it (or with its Local partner)."""
    if not name:
        return []
    found: list[Channel] = []
    for candidate in (name, local_partner(name)):
        channel = st.by_name.get(candidate) if candidate else None
        if channel is None:
            continue
        if channel.kind is Kind.OPERATOR and channel.interface != exclude:
            found.append(channel)
        for uniqueid in st.bridges.get(channel.bridge or "", ()):
            peer = st.channels.get(uniqueid)
            if peer is not None and peer.kind is Kind.OPERATOR and peer.interface != exclude:
                found.append(peer)
    return found


def _last_other_operator(st: TrackerState, call: Call, exclude: str) -> str | None:
    for uniqueid in call.live:
        channel = st.channels.get(uniqueid)
        if channel is not None and channel.kind is Kind.OPERATOR and channel.interface != exclude and channel.up:
            return channel.interface
    return None


def on_attended_transfer(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    if (f.get("Result") or "Success") != "Success":
        return
    transferer = f.get("OrigTransfererChannel") or f.get("SecondTransfererChannel") or ""
    call = st.call_of_channel(f.get("TransfereeChannel")) or st.call_of_channel(transferer)
    if call is None:
        return
    source = interface_of(transferer)
    near = _operators_near(st, f.get("TransferTargetChannel"), source)
    target = near[0].interface if near else _last_other_operator(st, call, source)
    if target is None or (call.answered_by == target and call.transfers and call.transfers[-1].target == target):
        return  # already seen moving when the caller and the new operator met in one bridge
    call.transfers.append(Transfer(source, target, at))
    call.answered_by = target
    out.append(CallTransferred(call.linkedid, source, target, at))


def on_blind_transfer(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    if (f.get("Result") or "Success") != "Success":
        return
    transferer = f.get("TransfererChannel") or ""
    call = st.call_of_channel(f.get("TransfereeChannel")) or st.call_of_channel(transferer)
    if call is None:
        return
    exten = f.get("Extension") or ""
    context = f.get("Context")
    call.pending_blind = Transfer(interface_of(transferer), f"{exten}@{context}" if context else exten, at)
