"""Bus events as JSON, for carrying them between processes through the broker.

Only the event classes listed here cross processes; each is written as ``{"type": <class name>, ...fields}``
with times in ISO 8601 and enums by value, and read back into the same frozen dataclass. A message
that is not one of these, or whose fields do not fit, raises :class:`BadMessage`: the listener logs it and
goes on.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from callcenter.calls import events as call_events
from callcenter.campaigns import events as campaign_events
from callcenter.desk import events as desk_events
from callcenter.tasks import events as task_events

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

EVENT_TYPES: dict[str, type[DataclassInstance]] = {
    cls.__name__: cls
    for cls in (
        call_events.CallQueued, call_events.CallRinging, call_events.CallAnswered, call_events.CallTransferred,
        call_events.CallEnded, call_events.AgentPaused, call_events.SpyStarted, call_events.SpyStopped,
        call_events.CallPickedUp, call_events.MachineDetection,
        desk_events.DialRequested, desk_events.PauseRequested, desk_events.SpyRequested, desk_events.CommandFailed,
        desk_events.WrapUpDone, task_events.CallbackReassigned, campaign_events.CampaignDialRequested,
        campaign_events.CampaignCallOffered, campaign_events.CampaignDialFailed, campaign_events.PreviewOffered,
        campaign_events.PreviewDecision,
    )
}


class BadMessage(ValueError):
    """A broker message that is not a known event."""


def carried(event: object) -> bool:
    """Whether ``event`` is one of the kinds that cross processes."""
    return EVENT_TYPES.get(type(event).__name__) is type(event)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def encode(event: object) -> bytes:
    """``event`` as compact JSON bytes; only :func:`carried` events."""
    if not carried(event):
        raise TypeError(f"{type(event).__name__} is not carried between processes")
    return json.dumps({"type": type(event).__name__, **_plain(event)}, separators=(",", ":")).encode()


@functools.cache
def _hints(cls: type[DataclassInstance]) -> dict[str, Any]:
    # Resolving the annotations is the dearest part of reading a message; the classes never change.
    return typing.get_type_hints(cls, vars(call_events) | vars(desk_events))


def _typed(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _typed(options[0], value)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(_typed(item, v) for v in value)
    if tp is datetime:
        return datetime.fromisoformat(value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value)
    if tp in (int, str, bool, float) and not isinstance(value, tp):
        raise BadMessage(f"expected {tp.__name__}, got {type(value).__name__}")
    return value


def _build(cls: type[DataclassInstance], data: Any) -> Any:
    if not isinstance(data, dict):
        raise BadMessage(f"{cls.__name__} must be an object")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _typed(hints[f.name], data[f.name])
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise BadMessage(f"{cls.__name__}: {exc}") from exc


def decode(payload: bytes | str) -> Any:
    """The event ``payload`` holds; :class:`BadMessage` when it holds none."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise BadMessage("no event type")
    cls = EVENT_TYPES.get(data.pop("type"))
    if cls is None:
        raise BadMessage("unknown event type")
    try:
        return _build(cls, data)
    except (ValueError, KeyError) as exc:
        raise BadMessage(str(exc)) from exc
