"""A call the tracker follows, as plain JSON and back: what lets a restarted connector take its calls up
where it left them (the answer time, the operator, the recording), instead of rebuilding them from the
channel list with today's time.

Values are tagged so that the form needs no schema of its own: a new field on :class:`Call` or
:class:`Channel` is carried without a change here.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from callcenter.calls.events import Transfer
from telephony.tracker.channels import Kind
from telephony.tracker.state import Call, Channel, Spy, TrackerState

Snapshot = dict[str, Any]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Kind):
        return {"k": value.value}
    if isinstance(value, set):
        return {"s": sorted(value)}
    if isinstance(value, Transfer):
        return {"x": [value.source, value.target, value.at.isoformat()]}
    if isinstance(value, Spy):
        return {"spy": [value.mode, value.spied, value.supervisor, value.operator]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "t" in value:
        return datetime.fromisoformat(value["t"])
    if "k" in value:
        return Kind(value["k"])
    if "s" in value:
        return set(value["s"])
    if "x" in value:
        source, target, at = value["x"]
        return Transfer(source, target, datetime.fromisoformat(at))
    if "spy" in value:
        return Spy(*value["spy"])
    raise ValueError(f"unknown value in a call snapshot: {value!r}")


def _plain(item: Call | Channel) -> dict[str, Any]:
    return {f.name: _encode(getattr(item, f.name)) for f in fields(item)}


def snapshot(st: TrackerState, linkedid: str) -> Snapshot | None:
    """The call ``linkedid`` with its live channels, or None when it is not going on."""
    call = st.calls.get(linkedid)
    if call is None:
        return None
    channels = [_plain(c) for uid in sorted(call.live) if (c := st.channels.get(uid)) is not None]
    return {"call": _plain(call), "channels": channels}


def restore(st: TrackerState, saved: Snapshot) -> Call | None:
    """Take up a call from its snapshot; None when it is known already, has ended, or the form is unreadable."""
    names = {f.name for f in fields(Call)}
    values = {k: _decode(v) for k, v in saved["call"].items() if k in names}
    linkedid = values.get("linkedid")
    if not isinstance(linkedid, str) or linkedid in st.calls or st.is_ended(linkedid):
        return None
    call = Call(**values)
    channel_names = {f.name for f in fields(Channel)}
    for item in saved.get("channels", []):
        channel = Channel(**{k: _decode(v) for k, v in item.items() if k in channel_names})
        if channel.uniqueid in st.channels:
            continue
        bridge, channel.bridge = channel.bridge, None
        st.channels[channel.uniqueid] = channel
        st.by_name[channel.name] = channel
        st.set_bridge(channel, bridge)
    call.live = {uid for uid in call.live if uid in st.channels}
    st.calls[linkedid] = call
    return call
