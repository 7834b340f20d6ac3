"""A shift of outbound dialling, simulated event by event, driving any pacer through the interface a live
campaign uses (a ``DialerSnapshot`` every tick, every ``CallEvent`` in time order).

A dialled number rings, then is a live person, an answering machine, no answer or busy/failed. Answered
calls go through answering-machine detection (AMD), which may take a live person for a machine (a false
positive: hung up on, so abandoned though the dialer never sees it). A live person is connected to the
operator idle longest, or waits up to the connect window for one and is abandoned. Talk is lognormal,
then wrap-up, then the operator is ready again. After the shift's end nothing new is dialled and the calls
still under way play out. Runs are repeatable per seed.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from statistics import NormalDist

from dialer.scenario import ShiftFigures, SimulationConfig
from dialer.snapshot import CallEvent, DialerSnapshot, EventKind, Pacer

# Event codes on the heap.
_RING_END, _AMD_END, _DEADLINE, _TALK_END, _WRAP_END = range(5)
# What a dialled number turns out to be.
_LIVE, _MACHINE, _NO_ANSWER, _FAILED = range(4)
_NORMAL = NormalDist()


def simulate(config: SimulationConfig, pacer: Pacer) -> ShiftFigures:
    """Run one shift with ``pacer`` deciding how many calls to place every ``config.tick_s``."""
    return _Shift(config, pacer).run()


def _lognormal(rng: random.Random, mean: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


class _Shift:
    def __init__(self, config: SimulationConfig, pacer: Pacer) -> None:
        self.c = config
        self.pacer = pacer
        # One stream per source of chance, so two pacers run on the same seed meet the same people, talk
        # times and wrap-ups in the same order (a fairer comparison than one shared stream).
        self.rng = random.Random(f"{config.seed}-numbers")
        self.rng_amd = random.Random(f"{config.seed}-amd")
        self.rng_talk = random.Random(f"{config.seed}-talk")
        self.rng_wrap = random.Random(f"{config.seed}-wrap")
        self.end = config.hours * 3600.0
        self.lines = config.lines if config.lines is not None else 3 * config.operators
        self.heap: list[tuple[float, int, int, str]] = []
        self.seq = 0
        # Operators by state, in the order they entered it (so the longest first), with the time they did.
        self.idle: dict[str, float] = {f"op{i + 1}": 0.0 for i in range(config.operators)}
        self.talking: dict[str, float] = {}
        self.wrapping: dict[str, float] = {}
        self.agent_call: dict[str, str] = {}
        self.fp_draw: dict[str, float] = {}
        # Calls under way, in the order they entered their state.
        self.ringing: dict[str, float] = {}
        self.in_amd: dict[str, float] = {}
        self.waiting: dict[str, float] = {}
        self.outcome: dict[str, int] = {}
        self.dialled_at: dict[str, float] = {}
        self.live_at: dict[str, float] = {}
        self.totals = dict.fromkeys(
            ("dialed", "live", "abandoned", "connected", "machine", "no_answer", "failed"), 0)
        self.finished: deque[bool] = deque(maxlen=200)
        self.finished_live = 0
        self.delays: deque[float] = deque(maxlen=200)
        self.talks: deque[float] = deque(maxlen=100)
        self.talk_tuple: tuple[float, ...] = ()
        self.wrapups: deque[float] = deque(maxlen=100)
        self.fp = 0
        self.talk_s = 0.0
        self.idle_s = 0.0
        self.decisions = 0

    def run(self) -> ShiftFigures:
        tick = self.c.tick_s
        k = 0
        while True:
            now = k * tick
            while self.heap and self.heap[0][0] <= now:
                self._handle(*heapq.heappop(self.heap))
            if now < self.end:
                n = self.pacer.calls_to_place(self.snapshot(now))
                self.decisions += 1
                for _ in range(max(0, min(n, self.lines - self._in_flight()))):
                    self._dial(now)
            elif not self._in_flight():
                break
            k += 1
        t = self.totals
        return ShiftFigures(
            dialled=t["dialed"], live=t["live"] + self.fp, connected=t["connected"],
            abandoned=t["abandoned"] + self.fp, amd_false_positives=self.fp, machines=t["machine"] - self.fp,
            operator_hours=self.c.operators * self.c.hours, talk_s=self.talk_s, idle_s=self.idle_s,
            decisions=self.decisions,
        )

    def _in_flight(self) -> int:
        return len(self.ringing) + len(self.in_amd) + len(self.waiting)

    def snapshot(self, now: float) -> DialerSnapshot:
        c, t = self.c, self.totals
        finished = len(self.finished)
        delays = len(self.delays)
        wrapups = len(self.wrapups)
        if len(self.talk_tuple) != len(self.talks) or (self.talks and self.talk_tuple[-1] != self.talks[-1]):
            self.talk_tuple = tuple(self.talks)
        return DialerSnapshot(
            t=now, tick_s=c.tick_s, shift_end=self.end, agents_logged_in=c.operators,
            agents_idle=len(self.idle), agents_talking=len(self.talking), agents_wrapup=len(self.wrapping),
            idle_since=tuple(self.idle.values()), talk_started=tuple(self.talking.values()),
            wrapup_started=tuple(self.wrapping.values()),
            calls_ringing=len(self.ringing), ring_started=tuple(self.ringing.values()),
            calls_in_amd=len(self.in_amd), amd_started=tuple(self.in_amd.values()),
            calls_waiting=len(self.waiting), wait_deadlines=tuple(self.waiting.values()),
            dialed_total=t["dialed"], live_total=t["live"], abandoned_total=t["abandoned"],
            connected_total=t["connected"], machine_total=t["machine"], no_answer_total=t["no_answer"],
            failed_total=t["failed"],
            recent_live_rate=self.finished_live / finished if finished else math.nan, recent_attempts=finished,
            recent_live_delay_s=sum(self.delays) / delays if delays else math.nan,
            recent_talk_s=self.talk_tuple,
            recent_wrapup_s=sum(self.wrapups) / wrapups if wrapups else math.nan,
            abandon_target=c.abandon_target, connect_window_s=c.connect_window_s,
            max_new_calls=max(0, self.lines - self._in_flight()), amd_fp_estimate=c.amd_false_positive,
        )

    def _push(self, at: float, code: int, key: str) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, code, key))

    def _dial(self, now: float) -> None:
        c, rng = self.c, self.rng
        self.totals["dialed"] += 1
        call = f"c{self.totals['dialed']}"
        live = c.live_rate_at(now)
        # Three draws for every number whatever it turns out to be, so the streams stay in step.
        draw, spread, busy = rng.random(), rng.random(), rng.random()
        if draw < live or draw < live + c.machine_rate:
            outcome = _LIVE if draw < live else _MACHINE
            median = c.ring_live_median_s if outcome == _LIVE else c.ring_machine_median_s
            ring = min(median * math.exp(c.ring_sigma * _NORMAL.inv_cdf(min(max(spread, 1e-9), 1 - 1e-9))),
                       c.no_answer_s - 0.5)
        elif busy < c.busy_share:
            outcome, ring = _FAILED, c.busy_s[0] + (c.busy_s[1] - c.busy_s[0]) * spread
        else:
            outcome, ring = _NO_ANSWER, c.no_answer_s
        self.outcome[call] = outcome
        self.dialled_at[call] = now
        self.ringing[call] = now
        self._push(now + ring, _RING_END, call)
        self.pacer.record(CallEvent("dialed", now, call))

    def _finish(self, call: str, live: bool) -> None:
        if len(self.finished) == self.finished.maxlen and self.finished[0]:
            self.finished_live -= 1
        self.finished.append(live)
        self.finished_live += live

    def _handle(self, now: float, _seq: int, code: int, key: str) -> None:
        c, rng, record = self.c, self.rng_amd, self.pacer.record
        if code == _RING_END:
            ring = now - self.ringing.pop(key)
            outcome = self.outcome[key]
            if outcome in (_LIVE, _MACHINE):
                self.in_amd[key] = now
                record(CallEvent("answered", now, key, ring_s=ring))
                span = c.amd_human_s if outcome == _LIVE else c.amd_machine_s
                # Drawn here with the false-positive chance, two draws for every answer.
                self.fp_draw[key] = rng.random()
                self._push(now + rng.uniform(*span), _AMD_END, key)
                return
            kind: EventKind = "no_answer" if outcome == _NO_ANSWER else "failed"
            self.totals[kind] += 1
            self._finish(key, False)
            self._forget(key)
            record(CallEvent(kind, now, key, ring_s=ring))
        elif code == _AMD_END:
            del self.in_amd[key]
            fp_draw = self.fp_draw.pop(key)
            if self.outcome[key] == _MACHINE or fp_draw < c.amd_false_positive:
                if self.outcome[key] == _LIVE:
                    self.fp += 1
                self.totals["machine"] += 1
                self._finish(key, False)
                self._forget(key)
                record(CallEvent("machine", now, key, machine=True))
                return
            self.totals["live"] += 1
            self._finish(key, True)
            self.delays.append(now - self.dialled_at[key])
            deadline = now + c.connect_window_s
            record(CallEvent("live", now, key, deadline=deadline, machine=False))
            self.live_at[key] = now
            if self.idle:
                self._connect(key, next(iter(self.idle)), now)
            else:
                self.waiting[key] = deadline
                self._push(deadline, _DEADLINE, key)
        elif code == _DEADLINE:
            if self.waiting.pop(key, None) is not None:
                self.totals["abandoned"] += 1
                record(CallEvent("abandoned", now, key, wait_s=now - self.live_at[key]))
                self._forget(key)
        elif code == _TALK_END:
            talk = now - self.talking.pop(key)
            self.talks.append(talk)
            self.wrapping[key] = now
            record(CallEvent("talk_end", now, self.agent_call[key], agent_id=key, duration_s=talk))
            self._push(now + _lognormal(self.rng_wrap, c.wrapup_mean_s, c.wrapup_sigma), _WRAP_END, key)
        else:  # _WRAP_END
            wrapup = now - self.wrapping.pop(key)
            self.wrapups.append(wrapup)
            record(CallEvent("wrapup_end", now, self.agent_call.pop(key), agent_id=key, duration_s=wrapup))
            if self.waiting:
                self._connect(next(iter(self.waiting)), key, now)
            else:
                self.idle[key] = now

    def _connect(self, call: str, agent: str, now: float) -> None:
        self.waiting.pop(call, None)
        idle_since = self.idle.pop(agent, None)
        if idle_since is not None:
            self.idle_s += now - idle_since
        self.totals["connected"] += 1
        talk = _lognormal(self.rng_talk, self.c.talk_mean_s, self.c.talk_sigma)
        self.talk_s += max(0.0, min(now + talk, self.end) - now)
        self.talking[agent] = now
        self.agent_call[agent] = call
        self.pacer.record(CallEvent("connected", now, call, agent_id=agent, wait_s=now - self.live_at[call]))
        self._push(now + talk, _TALK_END, agent)
        self._forget(call)

    def _forget(self, call: str) -> None:
        self.outcome.pop(call, None)
        self.dialled_at.pop(call, None)
        self.live_at.pop(call, None)
