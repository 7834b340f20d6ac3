"""Where each operator taking a campaign's calls stands: idle, offered a call, ringing, talking, wrapping up
or paused — from the call events on the bus, with no I/O.

The dialer counts free operators from this board, so it must never think one free who is not: an operator
offered a call is busy until their phone rings (or the offer lapses), and one who answered is busy until
their wrap-up is saved or its window has passed. Any call counts, inbound ones included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AgentState(StrEnum):
    IDLE = "idle"
    OFFERED = "offered"  # a live answer is on its way to their phone
    RINGING = "ringing"
    TALKING = "talking"
    WRAPUP = "wrapup"
    PAUSED = "paused"


@dataclass(slots=True)
class Agent:
    user_id: int
    interface: str
    state: AgentState = AgentState.IDLE
    since: float = 0.0  # seconds on the engine's clock
    linkedid: str | None = None  # the call they are on, offered or wrapping up
    paused: bool = False
    offer_deadline: float = 0.0


@dataclass(slots=True)
class AgentBoard:
    """The operators joined to any running campaign, by user id and by device interface."""

    wrapup_s: float
    offer_timeout_s: float = 5.0
    agents: dict[int, Agent] = field(default_factory=dict)
    by_interface: dict[str, int] = field(default_factory=dict)
    # Devices of operators not taking campaign calls now: what they are doing, so that one who joins in the
    # middle of a call or a wrap-up is not counted free.
    others: dict[str, Agent] = field(default_factory=dict)

    def set_joined(self, joined: dict[int, str], now: float) -> None:
        """Keep the operators in ``joined`` (user id -> interface), adding new ones as idle from ``now``."""
        for user_id in [u for u in self.agents if u not in joined]:
            left = self.agents.pop(user_id)
            del self.by_interface[left.interface]
            if left.state is not AgentState.IDLE:
                self.others[left.interface] = left
        for user_id, interface in joined.items():
            agent = self.agents.get(user_id)
            if agent is None or agent.interface != interface:
                if agent is not None:
                    self.by_interface.pop(agent.interface, None)
                busy = self.others.pop(interface, None)
                self.agents[user_id] = Agent(user_id, interface, since=now)
                if busy is not None:
                    self.agents[user_id].state, self.agents[user_id].since = busy.state, busy.since
                    self.agents[user_id].linkedid, self.agents[user_id].paused = busy.linkedid, busy.paused
            self.by_interface[interface] = user_id

    def _of(self, interface: str) -> Agent | None:
        user_id = self.by_interface.get(interface)
        if user_id is not None:
            return self.agents[user_id]
        other = self.others.get(interface)
        if other is None:
            other = self.others[interface] = Agent(0, interface)
        return other

    def _set(self, agent: Agent, state: AgentState, now: float, linkedid: str | None) -> None:
        agent.state, agent.since, agent.linkedid = state, now, linkedid

    def offered(self, user_id: int, linkedid: str, now: float, hold_s: float | None = None) -> None:
        """``user_id`` is offered ``linkedid`` (a call, or a preview): busy for ``hold_s`` unless it rings."""
        agent = self.agents[user_id]
        self._set(agent, AgentState.OFFERED, now, linkedid)
        agent.offer_deadline = now + (self.offer_timeout_s if hold_s is None else hold_s)

    def withdraw(self, user_id: int, now: float) -> None:
        """An offer taken back before anything rang: the operator is free again."""
        agent = self.agents.get(user_id)
        if agent is not None and agent.state is AgentState.OFFERED:
            self._set(agent, AgentState.PAUSED if agent.paused else AgentState.IDLE, now, None)

    def ringing(self, interface: str, linkedid: str, now: float) -> None:
        agent = self._of(interface)
        if agent is not None and agent.state in (AgentState.IDLE, AgentState.OFFERED, AgentState.WRAPUP):
            self._set(agent, AgentState.RINGING, now, linkedid)

    def answered(self, interface: str, linkedid: str, now: float) -> Agent | None:
        """The operator behind ``interface`` took call ``linkedid``; them, if they take campaign calls."""
        agent = self._of(interface)
        if agent is not None:
            self._set(agent, AgentState.TALKING, now, linkedid)
        return agent if agent is not None and agent.user_id else None

    def ended(self, interface: str | None, linkedid: str, now: float, *, talked: bool) -> Agent | None:
        """A call ``linkedid`` ended; the operator who had it wraps up if they talked, else is free again."""
        agent = self._of(interface) if interface else None
        if agent is None:
            agent = next((a for a in self.agents.values() if a.linkedid == linkedid), None)
        if agent is None or agent.linkedid not in (linkedid, None):
            return None
        self._set(agent, AgentState.WRAPUP if talked else AgentState.IDLE, now, linkedid if talked else None)
        return agent if agent.user_id else None

    def release(self, linkedid: str, now: float) -> None:
        """Free the operators offered or rung a call that ended without them (a queue call another took)."""
        for agent in [*self.agents.values(), *self.others.values()]:
            if agent.linkedid == linkedid and agent.state in (AgentState.OFFERED, AgentState.RINGING):
                self._set(agent, AgentState.PAUSED if agent.paused else AgentState.IDLE, now, None)

    def wrapped_up(self, user_id: int, linkedid: str | None, now: float) -> Agent | None:
        if linkedid is not None:
            for interface, other in list(self.others.items()):
                if other.state is AgentState.WRAPUP and other.linkedid == linkedid:
                    del self.others[interface]
        agent = self.agents.get(user_id)
        if agent is None or agent.state is not AgentState.WRAPUP:
            return None
        if linkedid is not None and agent.linkedid not in (linkedid, None):
            return None
        self._set(agent, AgentState.IDLE, now, None)
        return agent

    def paused(self, interface: str, paused: bool, now: float) -> None:
        agent = self._of(interface)
        if agent is not None:
            agent.paused = paused
            if paused and agent.state is AgentState.IDLE:
                self._set(agent, AgentState.PAUSED, now, None)
            elif not paused and agent.state is AgentState.PAUSED:
                self._set(agent, AgentState.IDLE, now, None)

    def expire(self, now: float) -> list[Agent]:
        """Lapse offers never rung and wrap-ups past their window; the agents whose wrap-up ended."""
        for interface, other in list(self.others.items()):
            if other.state in (AgentState.IDLE, AgentState.OFFERED) or (
                    other.state is AgentState.WRAPUP and now - other.since >= self.wrapup_s):
                del self.others[interface]
        done = []
        for agent in self.agents.values():
            if agent.state is AgentState.OFFERED and now >= agent.offer_deadline:
                self._set(agent, AgentState.PAUSED if agent.paused else AgentState.IDLE, now, None)
            elif agent.state is AgentState.WRAPUP and now - agent.since >= self.wrapup_s:
                self._set(agent, AgentState.PAUSED if agent.paused else AgentState.IDLE, now, None)
                done.append(agent)
        return done

    def in_state(self, state: AgentState, among: frozenset[int] | None = None) -> list[Agent]:
        """Agents in ``state`` (of the user ids ``among``), the longest in it first."""
        found = [a for a in self.agents.values() if a.state is state and (among is None or a.user_id in among)]
        return sorted(found, key=lambda a: a.since)
