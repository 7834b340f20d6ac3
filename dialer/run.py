"""One running campaign as the dialer follows it in memory: its calls in flight, its counters, and the
snapshot its pacer is asked about. Pure: the engine feeds it and does the I/O.

Times are seconds on the engine's clock; the pacer sees them as seconds since this run (its shift) began.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from dialer.agents import Agent, AgentBoard, AgentState
from dialer.snapshot import CallEvent, DialerSnapshot, Pacer


def _mean(values: deque[float]) -> float:
    return sum(values) / len(values) if values else math.nan


class Stage(StrEnum):
    RINGING = "ringing"  # dialled, the client's phone rings
    AMD = "amd"  # answered, the machine detector listens
    WAITING = "waiting"  # a person, waiting for an operator
    OFFERED = "offered"  # a person, sent to an operator's phone
    CONNECTED = "connected"
    ENDING = "ending"  # decided (machine, abandoned), the PBX is hanging up


@dataclass(slots=True)
class InFlight:
    channel_id: str
    attempt_id: int
    client_id: int
    dialed: float
    stage: Stage = Stage.RINGING
    answered: float | None = None
    live: float | None = None
    deadline: float | None = None  # a person not connected by then is abandoned
    agent_id: int | None = None
    connected: float | None = None
    outcome: str | None = None  # decided here before the PBX's end arrives: "abandoned", "machine"


@dataclass(frozen=True, slots=True)
class RunConfig:
    campaign_id: int
    mode: str
    queue: str | None
    caller_id: str
    connect_window_s: float
    abandon_target: float
    max_lines: int
    amd: bool
    machine_action: str
    ring_timeout_s: int
    preview_countdown_s: float
    operator_ids: frozenset[int]  # who may take its calls (joined now)


@dataclass(slots=True)
class CampaignRun:
    config: RunConfig
    pacer: Pacer
    started: float
    placing: bool = True  # False once the campaign stops running: its calls are followed, none placed
    shift_s: float = 8 * 3600.0
    tick_s: float = 0.5
    amd_fp_estimate: float = 0.0
    flights: dict[str, InFlight] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("dialed", "live", "abandoned", "connected", "machine", "no_answer", "failed"), 0))
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=200))  # finished attempts: live or not
    live_delays: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    talks: deque[float] = field(default_factory=lambda: deque(maxlen=100))
    wrapups: deque[float] = field(default_factory=lambda: deque(maxlen=100))

    def t(self, now: float) -> float:
        return now - self.started

    def tell(self, kind: str, now: float, flight: InFlight | None, **fields: object) -> None:
        """Pass one event of a call's life to the pacer, in time order."""
        values: dict[str, object] = {"kind": kind, "t": self.t(now), "call_id": flight.channel_id if flight else "",
                                     "agent_id": None, "ring_s": None, "wait_s": None, "duration_s": None,
                                     "deadline": None, "machine": None}
        values.update(fields)
        if values["agent_id"] is not None:
            values["agent_id"] = str(values["agent_id"])
        self.pacer.record(CallEvent(**values))  # type: ignore[arg-type]

    def dialed(self, flight: InFlight) -> None:
        self.flights[flight.channel_id] = flight
        self.totals["dialed"] += 1
        self.tell("dialed", flight.dialed, flight)

    def answered(self, flight: InFlight, now: float) -> None:
        if flight.answered is not None:
            return
        flight.answered = now
        flight.stage = Stage.AMD
        self.tell("answered", now, flight, ring_s=now - flight.dialed)
        if not self.config.amd:
            self.live(flight, now)

    def live(self, flight: InFlight, now: float) -> None:
        if flight.live is not None:
            return
        if flight.answered is None:
            self.answered(flight, now)
            if flight.live is not None:
                return
        flight.live = now
        flight.deadline = now + self.config.connect_window_s
        if flight.stage in (Stage.AMD, Stage.RINGING):
            flight.stage = Stage.WAITING
        self.totals["live"] += 1
        self.live_delays.append(now - flight.dialed)
        self.tell("live", now, flight, deadline=self.t(flight.deadline))

    def machine(self, flight: InFlight, now: float) -> None:
        if flight.outcome is not None or flight.live is not None:
            return
        flight.outcome, flight.stage = "machine", Stage.ENDING
        self.totals["machine"] += 1
        self.tell("machine", now, flight, machine=True)

    def offered(self, flight: InFlight, agent: Agent) -> None:
        flight.stage, flight.agent_id = Stage.OFFERED, agent.user_id

    def connected(self, flight: InFlight, agent_id: int | None, now: float) -> None:
        if flight.connected is not None:
            return
        if flight.live is None:  # a queue or preview call reaches the operator with no AMD verdict seen
            self.live(flight, now)
        flight.connected, flight.stage, flight.agent_id = now, Stage.CONNECTED, agent_id
        if flight.outcome == "abandoned":  # the operator came after the window: not abandoned after all
            flight.outcome = None
            self.totals["abandoned"] -= 1
        self.totals["connected"] += 1
        self.tell("connected", now, flight, agent_id=agent_id, wait_s=now - (flight.live or now))

    def abandon(self, flight: InFlight, now: float) -> None:
        if flight.outcome is not None or flight.connected is not None:
            return
        flight.outcome, flight.stage = "abandoned", Stage.ENDING
        self.totals["abandoned"] += 1
        self.tell("abandoned", now, flight, wait_s=now - (flight.live or now))

    def ended(self, flight: InFlight, now: float, outcome: str) -> None:
        """The PBX ended the call; ``outcome`` is the attempt's (connected, abandoned, machine, busy, ...)."""
        self.flights.pop(flight.channel_id, None)
        if flight.connected is not None:
            self.talks.append(now - flight.connected)
            self.tell("talk_end", now, flight, agent_id=flight.agent_id, duration_s=now - flight.connected)
        elif flight.live is not None:
            self.abandon(flight, now)
        elif flight.answered is None:
            kind = "no_answer" if outcome == "no_answer" else "failed"  # the pacer counts busy as failed
            self.totals[kind] += 1
            self.tell(kind, now, flight, ring_s=now - flight.dialed)
        elif flight.outcome is None:  # answered, hung up during detection: no person reached
            self.machine(flight, now)
        self.recent.append(flight.live is not None)

    def wrapped_up(self, agent: Agent, began: float, now: float) -> None:
        self.wrapups.append(now - began)
        self.tell("wrapup_end", now, None, agent_id=agent.user_id, duration_s=now - began)

    def snapshot(self, board: AgentBoard, now: float, lines_free: int) -> DialerSnapshot:
        """What the pacer is asked about at ``now``."""
        among = self.config.operator_ids
        t0 = self.started
        agents = [a for a in board.agents.values() if a.user_id in among]
        idle = board.in_state(AgentState.IDLE, among)
        talking = sorted(a.since for a in agents if a.state in (AgentState.TALKING, AgentState.RINGING,
                                                                AgentState.OFFERED))
        wrapping = sorted(a.since for a in agents if a.state is AgentState.WRAPUP)
        ringing = sorted(f.dialed for f in self.flights.values() if f.stage is Stage.RINGING)
        amd = sorted(f.answered for f in self.flights.values() if f.stage is Stage.AMD and f.answered is not None)
        waiting = sorted(f.deadline for f in self.flights.values()
                         if f.stage is Stage.WAITING and f.deadline is not None)
        finished = len(self.recent)
        live_rate = sum(self.recent) / finished if finished else math.nan
        return DialerSnapshot(
            t=now - t0, tick_s=self.tick_s, shift_end=self.shift_s,
            agents_logged_in=len([a for a in agents if a.state is not AgentState.PAUSED]),
            agents_idle=len(idle), agents_talking=len(talking), agents_wrapup=len(wrapping),
            idle_since=tuple(a.since - t0 for a in idle), talk_started=tuple(x - t0 for x in talking),
            wrapup_started=tuple(x - t0 for x in wrapping),
            calls_ringing=len(ringing), ring_started=tuple(x - t0 for x in ringing),
            calls_in_amd=len(amd), amd_started=tuple(x - t0 for x in amd),
            calls_waiting=len(waiting), wait_deadlines=tuple(x - t0 for x in waiting),
            dialed_total=self.totals["dialed"], live_total=self.totals["live"],
            abandoned_total=self.totals["abandoned"], connected_total=self.totals["connected"],
            machine_total=self.totals["machine"], no_answer_total=self.totals["no_answer"],
            failed_total=self.totals["failed"], recent_live_rate=live_rate, recent_attempts=finished,
            recent_live_delay_s=_mean(self.live_delays), recent_talk_s=tuple(self.talks),
            recent_wrapup_s=_mean(self.wrapups), abandon_target=self.config.abandon_target,
            connect_window_s=self.config.connect_window_s, max_new_calls=max(0, lines_free),
            amd_fp_estimate=self.amd_fp_estimate,
        )
