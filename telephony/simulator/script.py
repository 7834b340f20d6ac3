"""The toolkit call scenarios are written with: a simulated clock and the events Asterisk 22 sends.

Every builder copies the header set and order of the recorded traces: the channel snapshot
(``Channel`` ... ``Linkedid``), then the event's own fields. Simulated time is epoch seconds; a
``CallScript`` waits ``seconds * time_factor`` of real time for each simulated second, measured from
the call's start so that rounding never drifts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from telephony.ami.frames import Frame
from telephony.simulator.channels import ChannelFactory, SimChannel

Header = tuple[str, str]
CAUSES = {0: "Unknown", 16: "Normal Clearing", 17: "User busy", 19: "User alerting, no answer", 26: "Answered elsewhere"}


def event(name: str, privilege: str, *parts: Iterable[Header]) -> Frame:
    headers: list[Header] = [("Event", name), ("Privilege", privilege)]
    for part in parts:
        headers.extend(part)
    return Frame(headers)


def bridge_headers(bridge: str, members: int) -> list[Header]:
    return [
        ("BridgeUniqueid", bridge),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(members)),
        ("BridgeVideoSourceMode", "none"),
    ]


class CallScript:
    """One call as it plays out: a simulated clock plus the events its channels cause."""

    def __init__(
        self,
        factory: ChannelFactory,
        emit: Callable[[Frame], None],
        start: float,
        time_factor: float,
    ) -> None:
        self.factory = factory
        self._emit = emit
        self.now = start
        self._start = start
        self._factor = time_factor
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._real_start = loop.time()
        self._bridge_members: dict[str, int] = {}
        self.linkedid: str | None = None  # the call this script plays, once its first channel exists

    async def wait(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass."""
        self.now += seconds
        target = self._real_start + (self.now - self._start) * self._factor
        await asyncio.sleep(max(0.0, target - self._loop.time()))

    def emit(self, frame: Frame) -> None:
        self._emit(frame)

    def channel_event(self, name: str, channel: SimChannel, *extra: Header, privilege: str = "call,all") -> None:
        self.emit(event(name, privilege, channel.snapshot(), extra))

    def newchannel(self, channel: SimChannel) -> SimChannel:
        self.linkedid = self.linkedid or channel.linkedid
        self.channel_event("Newchannel", channel)
        return channel

    def newstate(self, channel: SimChannel, state: int) -> None:
        channel.state = state
        self.channel_event("Newstate", channel)

    def varset(self, channel: SimChannel, variable: str, value: str) -> None:
        channel.variables[variable] = value
        self.channel_event("VarSet", channel, ("Variable", variable), ("Value", value), privilege="dialplan,all")

    def newexten(self, channel: SimChannel, application: str, data: str) -> None:
        channel.application, channel.app_data = application, data
        self.channel_event(
            "Newexten", channel, ("Extension", channel.exten), ("Application", application), ("AppData", data),
            privilege="dialplan,all",
        )

    def dial(self, name: str, caller: SimChannel | None, dest: SimChannel, tail: Header) -> None:
        """DialBegin/DialState/DialEnd; an Originate's own dial has no caller (no ``Channel`` header)."""
        parts = [caller.snapshot()] if caller is not None else []
        self.emit(event(name, "call,all", *parts, dest.snapshot("Dest"), [tail]))

    def agent(self, name: str, caller: SimChannel, agent: SimChannel, queue: str, member: str, *extra: Header) -> None:
        """AgentCalled/AgentConnect/AgentComplete/AgentRingNoAnswer: Channel the caller, DestChannel the agent."""
        fields = [("Queue", queue), ("Interface", agent.name.rsplit("-", 1)[0]), ("MemberName", member), *extra]
        self.emit(event(name, "agent,all", caller.snapshot(), agent.snapshot("Dest"), fields))

    def queue_event(self, name: str, caller: SimChannel, *fields: Header) -> None:
        self.emit(event(name, "agent,all", caller.snapshot(), fields))

    def new_bridge(self) -> str:
        bridge = self.factory.bridge_id()
        self._bridge_members[bridge] = 0
        return bridge

    def bridge_enter(self, bridge: str, channel: SimChannel, swap: str | None = None) -> None:
        self._bridge_members[bridge] = self._bridge_members.get(bridge, 0) + 1
        channel.bridge = bridge
        extra = [("SwapUniqueid", swap)] if swap else []
        self.emit(event("BridgeEnter", "call,all", bridge_headers(bridge, self._bridge_members[bridge]),
                        channel.snapshot(), extra))

    def bridge_leave(self, channel: SimChannel) -> None:
        bridge = channel.bridge
        self._bridge_members[bridge] = max(0, self._bridge_members.get(bridge, 1) - 1)
        channel.bridge = ""
        self.emit(event("BridgeLeave", "call,all", bridge_headers(bridge, self._bridge_members[bridge]),
                        channel.snapshot()))

    def hangup(self, channel: SimChannel, cause: int, tech_cause: int | None = None) -> None:
        extra: list[Header] = [("Cause", str(cause)), ("Cause-txt", CAUSES.get(cause, "Unknown"))]
        if tech_cause is not None:
            extra.append(("TechCause", str(tech_cause)))
        self.channel_event("Hangup", channel, *extra)
        self.factory.gone(channel)
