"""The one queue the simulator runs: its members (paused, in a call), the callers waiting in it and the
figures ``QueueStatus`` reports, with the header sets Asterisk 22 uses."""

from __future__ import annotations

from dataclasses import dataclass

from telephony.ami.frames import Frame
from telephony.simulator.channels import SimChannel
from telephony.simulator.plan import Agent
from telephony.simulator.script import event


@dataclass(slots=True)
class Member:
    agent: Agent
    login_time: int
    paused: bool = False
    reason: str = ""
    in_call: bool = False
    calls_taken: int = 0
    last_call: int = 0
    last_pause: int = 0

    @property
    def status(self) -> int:
        return 2 if self.in_call else 1  # AST_DEVICE_INUSE / AST_DEVICE_NOT_INUSE


class QueueState:
    def __init__(self, name: str, agents: tuple[Agent, ...], now: float) -> None:
        self.name = name
        self.members = {agent.interface: Member(agent, int(now)) for agent in agents}
        self.waiting: list[tuple[SimChannel, float]] = []
        self.completed = 0
        self.abandoned = 0

    @property
    def count(self) -> int:
        return len(self.waiting)

    def available(self) -> list[Agent]:
        """Members that would be rung now (ringinuse=no: not in a call, not paused)."""
        return [m.agent for m in self.members.values() if not m.paused and not m.in_call]

    def join(self, caller: SimChannel, now: float) -> int:
        self.waiting.append((caller, now))
        return len(self.waiting)

    def leave(self, caller: SimChannel, *, abandoned: bool) -> int:
        """Take the caller out; answers the position it had."""
        for i, (channel, _) in enumerate(self.waiting):
            if channel is caller:
                del self.waiting[i]
                if abandoned:
                    self.abandoned += 1
                else:
                    self.completed += 1
                return i + 1
        return 1

    def busy(self, agent: Agent, in_call: bool, at: float | None = None) -> None:
        member = self.members.get(agent.interface)
        if member is None:
            return
        member.in_call = in_call
        if not in_call:
            member.calls_taken += 1
            member.last_call = int(at or 0)

    def pause(self, interface: str, paused: bool, reason: str, now: float) -> Frame | None:
        """Apply QueuePause; the ``QueueMemberPause`` event, or None for an unknown interface."""
        member = self.members.get(interface)
        if member is None:
            return None
        member.paused = paused
        member.reason = reason if paused else ""
        if paused:
            member.last_pause = int(now)
        return event("QueueMemberPause", "agent,all", [("Queue", self.name), *self._member(member, "MemberName", "Interface"),
                                                       ("Ringinuse", "0"), ("Wrapuptime", "0")])

    @staticmethod
    def _member(m: Member, name_header: str, location_header: str) -> list[tuple[str, str]]:
        return [
            (name_header, m.agent.name), (location_header, m.agent.interface), ("StateInterface", m.agent.interface),
            ("Membership", "static"), ("Penalty", "0"), ("CallsTaken", str(m.calls_taken)),
            ("LastCall", str(m.last_call)), ("LastPause", str(m.last_pause)), ("LoginTime", str(m.login_time)),
            ("InCall", "1" if m.in_call else "0"), ("Status", str(m.status)), ("Paused", "1" if m.paused else "0"),
            ("PausedReason", m.reason),
        ]

    def status_events(self, action_id: str | None, now: float) -> list[Frame]:
        """QueueParams, a QueueMember per member and a QueueEntry per waiting caller."""
        tail = [("ActionID", action_id)] if action_id else []
        frames = [Frame([
            ("Event", "QueueParams"), ("Queue", self.name), ("Max", "0"), ("Strategy", "ringall"),
            ("Calls", str(self.count)), ("Holdtime", "0"), ("TalkTime", "0"), ("Completed", str(self.completed)),
            ("Abandoned", str(self.abandoned)), ("ServiceLevel", "0"), ("ServicelevelPerf", "0.0"),
            ("ServicelevelPerf2", "0.0"), ("Weight", "0"), *tail,
        ])]
        for member in self.members.values():
            frames.append(Frame([("Event", "QueueMember"), ("Queue", self.name),
                                 *self._member(member, "Name", "Location"), ("Wrapuptime", "0"), *tail]))
        for position, (caller, joined) in enumerate(self.waiting, start=1):
            frames.append(Frame([
                ("Event", "QueueEntry"), ("Queue", self.name), ("Position", str(position)),
                ("Channel", caller.name), ("Uniqueid", caller.uniqueid), ("CallerIDNum", caller.caller_num),
                ("CallerIDName", caller.caller_name), ("ConnectedLineNum", caller.connected_num),
                ("ConnectedLineName", caller.connected_name), ("Wait", str(int(now - joined))),
                ("Priority", "0"), *tail,
            ]))
        return frames
