"""Channels as Asterisk names and numbers them.

A Uniqueid is ``<epoch seconds>.<global counter>`` (``1795413747.12``); the Linkedid of every leg is the
Uniqueid of the call's first channel. A PJSIP channel is ``PJSIP/<endpoint>-<8 hex digits>`` from a
counter shared by all channel drivers; a Local pair is ``Local/<exten>@<context>-<8 hex>;1`` and ``;2``
from a counter of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATE_DESC = {0: "Down", 4: "Ring", 5: "Ringing", 6: "Up"}
UNKNOWN = "<unknown>"


@dataclass(slots=True)
class SimChannel:
    """One live channel and the snapshot fields Asterisk repeats in every event about it."""

    name: str
    uniqueid: str
    linkedid: str
    created: float  # simulated epoch seconds
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    context: str = "default"
    exten: str = "s"
    priority: int = 1
    state: int = 0
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    account: str = ""
    application: str = ""
    app_data: str = ""
    bridge: str = ""
    variables: dict[str, str] = field(default_factory=dict)

    def snapshot(self, prefix: str = "") -> list[tuple[str, str]]:
        """The channel's headers in Asterisk's order; ``prefix`` gives ``DestChannel``, ``DestUniqueid``..."""
        p = prefix
        return [
            (f"{p}Channel", self.name),
            (f"{p}ChannelState", str(self.state)),
            (f"{p}ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            (f"{p}CallerIDNum", self.caller_num),
            (f"{p}CallerIDName", self.caller_name),
            (f"{p}ConnectedLineNum", self.connected_num),
            (f"{p}ConnectedLineName", self.connected_name),
            (f"{p}Language", "en"),
            (f"{p}AccountCode", self.account),
            (f"{p}Context", self.context),
            (f"{p}Exten", self.exten),
            (f"{p}Priority", str(self.priority)),
            (f"{p}Uniqueid", self.uniqueid),
            (f"{p}Linkedid", self.linkedid),
        ]

    def connect_to(self, other: SimChannel) -> None:
        """Both ends learn the other's caller id, as connected-line updates do."""
        self.connected_num, self.connected_name = other.caller_num, other.caller_name
        other.connected_num, other.connected_name = self.caller_num, self.caller_name


class ChannelFactory:
    """Allocates names and Uniqueids and keeps the live channels (for CoreShowChannels, Hangup...)."""

    def __init__(self) -> None:
        self._uniqueids = 0
        self._sequence = 0
        self._locals = 0
        self._bridges = 0
        self.live: dict[str, SimChannel] = {}

    def _uniqueid(self, now: float) -> str:
        value = f"{int(now)}.{self._uniqueids}"
        self._uniqueids += 1
        return value

    def pjsip(self, endpoint: str, now: float, linkedid: str | None = None, **fields: str | int) -> SimChannel:
        """A new ``PJSIP/<endpoint>-0000002a`` channel; the first of a call when ``linkedid`` is None."""
        name = f"PJSIP/{endpoint}-{self._sequence:08x}"
        self._sequence += 1
        uniqueid = self._uniqueid(now)
        channel = SimChannel(name, uniqueid, linkedid or uniqueid, now, **fields)  # type: ignore[arg-type]
        self.live[name] = channel
        return channel

    def local_pair(self, exten: str, context: str, now: float, linkedid: str) -> tuple[SimChannel, SimChannel]:
        """The two halves of ``Local/<exten>@<context>``."""
        base = f"Local/{exten}@{context}-{self._locals:08x}"
        self._locals += 1
        pair = []
        for half in (";1", ";2"):
            channel = SimChannel(base + half, self._uniqueid(now), linkedid, now, context=context, exten=exten)
            self.live[channel.name] = channel
            pair.append(channel)
        return pair[0], pair[1]

    def bridge_id(self) -> str:
        """A bridge id shaped like Asterisk's UUIDs, from a counter so runs repeat exactly."""
        self._bridges += 1
        n = self._bridges
        return f"{n:08x}-5a1e-4b1d-8000-{n:012x}"

    def gone(self, channel: SimChannel) -> None:
        self.live.pop(channel.name, None)

    def of_call(self, linkedid: str) -> list[SimChannel]:
        return [channel for channel in self.live.values() if channel.linkedid == linkedid]
