"""What is going on now: live calls and operators' desk states, kept from call events (no I/O here).

Every web process keeps its own copy from the same stream of events, so any of them can answer for any
operator. Operators are known here by user id; mapping a device interface to a user is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from callcenter.calls.events import CallSummary
from callcenter.models.enums import Direction
from callcenter.rows import plain

# A call nobody heard end (a broker gap, a lost connection) is forgotten after this long.
STALE_AFTER = timedelta(hours=4)


@dataclass(slots=True)
class LiveCall:
    linkedid: str
    direction: Direction
    caller: str  # E.164 where the PBX gave a phone number
    callee: str
    queue: str | None
    started_at: datetime
    state: str = "queued"  # queued, ringing, answered, ended
    ringing: dict[int, datetime] = field(default_factory=dict)  # user id -> since
    answered_by: int | None = None
    answered_interface: str | None = None  # the device talking on the call, as the PBX named it
    answered_at: datetime | None = None
    touched: set[int] = field(default_factory=set)  # every user the call popped for or was handed to
    summary: CallSummary | None = None
    updated_at: datetime | None = None
    client: tuple[int | None, str | None] = (None, None)  # from the first dossier looked up for it
    # Supervisors listening in, by their leg's linkedid: shown on the live view only, never to operators.
    listening: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def number(self) -> str:
        """The other party: the caller of an inbound call, the called number of an outbound one."""
        return self.callee if self.direction is Direction.OUTBOUND else self.caller

    def as_watched(self, login_of: dict[int, str]) -> dict[str, Any]:
        """:meth:`as_call` with who is listening in, for the supervisors' live view."""
        listening = sorted(self.listening.values(), key=lambda item: item["since"])
        return {**self.as_call(login_of), "listening": listening}

    def as_call(self, login_of: dict[int, str]) -> dict[str, Any]:
        """The call in the shape ``GET /api/calls`` gives, with ``state``; ids are null until it is logged."""
        s, client = self.summary, self.client
        return {
            "id": None,
            "linkedid": self.linkedid,
            "interaction_id": None,
            "direction": self.direction.value,
            "caller": self.caller,
            "callee": self.callee,
            "queue": self.queue,
            "operator": login_of.get(self.answered_by) if self.answered_by is not None else None,
            "operator_id": self.answered_by,
            "started_at": plain(self.started_at),
            "answered_at": plain(self.answered_at),
            "ended_at": plain(s.ended_at) if s else None,
            "ring_seconds": s.ring_seconds if s else None,
            "wait_seconds": s.wait_seconds if s else None,
            "talk_seconds": s.talk_seconds if s else None,
            "hangup_cause": s.hangup_cause if s else None,
            "outcome": s.outcome.value if s else None,
            "client_id": client[0],
            "client_name": client[1],
            "recording": bool(s.recording) if s else False,
            "recording_deleted_at": None,
            "times_approximate": s.times_approximate if s else False,
            "transfers": [],
            "result": None,
            "result_at": None,
            "wrapup_seconds": None,
            "result_missing": False,
            "reviewed": False,
            "state": self.state,
            "ringing": sorted(login_of.get(uid, str(uid)) for uid in self.ringing),
        }


@dataclass(slots=True)
class Agent:
    """One operator's desk: paused or not, the call they are on, the call they are wrapping up."""

    user_id: int
    login: str
    paused: bool = False
    reason: str = ""
    since: datetime | None = None
    call: str | None = None
    call_since: datetime | None = None
    wrap_up: str | None = None
    wrap_up_since: datetime | None = None

    def state(self, now: datetime, window: timedelta) -> str:
        if self.call is not None:
            return "in_call"
        if self.wrap_up is not None and self.wrap_up_since is not None and now - self.wrap_up_since < window:
            return "wrap_up"
        return "paused" if self.paused else "available"

    def as_dict(self, now: datetime, window: timedelta) -> dict[str, Any]:
        state = self.state(now, window)
        current = self.call if state == "in_call" else (self.wrap_up if state == "wrap_up" else None)
        since = self.call_since if state == "in_call" else (self.wrap_up_since if state == "wrap_up" else self.since)
        return {
            "user_id": self.user_id, "login": self.login, "state": state, "reason": self.reason if self.paused else "",
            "paused": self.paused, "since": plain(since), "call": current,
            "call_since": plain(self.call_since) if state == "in_call" else None,
        }

    def start_call(self, linkedid: str, at: datetime) -> None:
        self.call, self.call_since = linkedid, at
        self.wrap_up = self.wrap_up_since = None

    def end_call(self, linkedid: str, at: datetime, wrap_up: bool) -> None:
        if self.call == linkedid:
            self.call = self.call_since = None
            if not self.paused:
                self.since = at  # free from now: a desk handed its call on is not free since the process began
            if wrap_up:
                self.wrap_up, self.wrap_up_since = linkedid, at

    def done(self, linkedid: str) -> bool:
        if self.wrap_up != linkedid:
            return False
        self.wrap_up = self.wrap_up_since = None
        return True


class LiveBoard:
    """Live calls by linkedid and agents by user id."""

    def __init__(self) -> None:
        self.calls: dict[str, LiveCall] = {}
        self.agents: dict[int, Agent] = {}

    def agent(self, user_id: int, login: str) -> Agent:
        found = self.agents.get(user_id)
        if found is None:
            found = self.agents[user_id] = Agent(user_id, login)
        return found

    def call(self, linkedid: str, direction: Direction, caller: str, callee: str, queue: str | None,
             at: datetime) -> LiveCall:
        found = self.calls.get(linkedid)
        if found is None:
            found = self.calls[linkedid] = LiveCall(linkedid, direction, caller, callee, queue, at)
        found.queue = found.queue or queue
        found.updated_at = at
        return found

    def ringing_for(self, user_id: int) -> list[LiveCall]:
        """Calls ringing at the user now, or in progress with them: what a reconnecting socket is sent."""
        return [c for c in self.calls.values() if user_id in c.ringing or c.answered_by == user_id]

    def working_on(self, number: str, client_id: int | None, *, other_than: int) -> tuple[int, LiveCall] | None:
        """Another user on a live call with this number or client (ringing for them or talking), if any."""
        for call in self.calls.values():
            if call.number != number and (client_id is None or call.client[0] != client_id):
                continue
            busy = [uid for uid in (call.answered_by, *call.ringing) if uid is not None and uid != other_than]
            if call.state != "ended" and busy:
                return busy[0], call
        return None

    def forget_stale(self, now: datetime) -> list[str]:
        stale = [k for k, c in self.calls.items() if c.updated_at is not None and now - c.updated_at > STALE_AFTER]
        for linkedid in stale:
            del self.calls[linkedid]
        for agent in self.agents.values():
            if agent.call in stale:
                agent.call = agent.call_since = None
        return stale
