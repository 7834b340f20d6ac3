"""What the predictive pacer learns from the calls: when operators free up and when dialled numbers turn
into live answers, as probability tables looked up in a few horizons ahead.

Everything is estimated from the recent calls (finished attempts, talk and wrap-up times), so it follows
a campaign's own lists and operators. Before there is enough to go on, the tables are the cautious ones:
busy operators never free up, and every call under way is a live answer arriving at once.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

from dialer.snapshot import CallEvent

QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
HORIZONS = len(QUANTILES)
Row = tuple[float, ...]
"""Per horizon the probability, then per horizon its variance p(1 − p)."""

_MAX_RING_S = 60
_MAX_TALK_S = 1800
_TALK_STEP_S = 2
_MAX_WRAP_S = 240
_MIN_SURVIVORS = 5


def _row(probabilities: list[float]) -> Row:
    return (*probabilities, *(p * (1 - p) for p in probabilities))


def _conditional_table(samples: list[float], reaches: list[float], top: int, step: int) -> list[Row]:
    """Row for every elapsed time ``e`` (``step`` apart up to ``top``): the probability that a duration
    from ``samples``, known to exceed ``e``, ends by ``e + reach`` for each reach. Where few samples are
    that long, the last well-founded row goes on."""
    ordered = sorted(samples)
    n = len(ordered)
    table: list[Row] = []
    last = _row([0.0] * len(reaches))
    for e in range(0, top + step, step):
        below = bisect.bisect_right(ordered, e)
        if n - below >= _MIN_SURVIVORS:
            last = _row([(bisect.bisect_right(ordered, e + r) - below) / (n - below) for r in reaches])
        table.append(last)
    return table


class Forecast:
    """Learns from call events; ``refresh`` rebuilds the tables the pacer looks up."""

    def __init__(self, prior_live_rate: float = 0.5, memory: int = 300) -> None:
        self.prior_live_rate = prior_live_rate
        self._dialled: dict[str, float] = {}
        self._answered: dict[str, float] = {}
        # Finished attempts: the second of ringing they ended at, and whether a live answer came of it.
        self._attempts: deque[tuple[int, bool]] = deque(maxlen=memory)
        self._ended = [0] * (_MAX_RING_S + 2)
        self._ended_live = [0] * (_MAX_RING_S + 2)
        self._delays: deque[float] = deque(maxlen=200)
        self._detection: deque[float] = deque(maxlen=100)
        self._verdicts: deque[bool] = deque(maxlen=200)
        self._wrapups: deque[float] = deque(maxlen=100)
        self.fast_live_rate = math.nan
        self.horizons: tuple[int, ...] = (3, 6, 9, 12, 15)
        self.ring: list[Row] = [_row([prior_live_rate] * HORIZONS)]
        self.new_call: Row = self.ring[0]
        self.talk: list[Row] = [_row([0.0] * HORIZONS)]
        self.wrap: list[Row] = [_row([0.0] * HORIZONS)]
        self.amd_live = 1.0
        self.live_rate = prior_live_rate

    def record(self, event: CallEvent) -> None:
        """Take in one call event."""
        kind, call = event.kind, event.call_id
        if kind == "dialed":
            self._dialled[call] = event.t
        elif kind == "answered":
            self._answered[call] = event.t
        elif kind == "live":
            dialled = self._dialled.pop(call, None)
            answered = self._answered.pop(call, None)
            if dialled is not None and answered is not None:
                self._delays.append(event.t - dialled)
                self._detection.append(event.t - answered)
                self._finish(answered - dialled, True)
            self._verdicts.append(True)
        elif kind in ("machine", "no_answer", "failed"):
            dialled = self._dialled.pop(call, None)
            answered = self._answered.pop(call, None)
            if kind == "machine":
                self._verdicts.append(False)
            if dialled is not None:
                self._finish((answered if answered is not None else event.t) - dialled, False)
        elif kind == "wrapup_end" and event.duration_s is not None:
            self._wrapups.append(event.duration_s)

    def _finish(self, ring_s: float, live: bool) -> None:
        if len(self._attempts) == self._attempts.maxlen:
            old, was_live = self._attempts[0]
            self._ended[old] -= 1
            self._ended_live[old] -= was_live
        k = min(max(0, int(ring_s)), _MAX_RING_S + 1)
        self._attempts.append((k, live))
        self._ended[k] += 1
        self._ended_live[k] += live
        rate = self.fast_live_rate
        self.fast_live_rate = float(live) if math.isnan(rate) else rate + (live - rate) / 40

    def refresh(self, window_s: float, talks: tuple[float, ...], wrapup_mean_s: float,
                durations: bool) -> None:
        """Rebuild the tables; ``durations`` also the (costlier) talk and wrap-up ones."""
        if len(self._delays) >= 10:
            delays = sorted(self._delays)
            self.horizons = tuple(max(1, round(delays[int(q * (len(delays) - 1))])) for q in QUANTILES)
        if len(self._verdicts) >= 20:
            self.amd_live = sum(self._verdicts) / len(self._verdicts)
        self._refresh_ring()
        if durations:
            wrap = 0.0 if math.isnan(wrapup_mean_s) else wrapup_mean_s
            if len(talks) >= 10:
                reaches = [h + window_s - wrap for h in self.horizons]
                self.talk = _conditional_table(list(talks), reaches, _MAX_TALK_S, _TALK_STEP_S)
            if len(self._wrapups) >= 10:
                reaches = [h + window_s for h in self.horizons]
                self.wrap = _conditional_table(list(self._wrapups), reaches, _MAX_WRAP_S, 1)

    def _refresh_ring(self) -> None:
        n = len(self._attempts)
        if n < 30:
            return
        self.live_rate = sum(self._ended_live) / n
        detection = sum(self._detection) / len(self._detection) if self._detection else 0.0
        # Ended by the end of second k (cumulative), all attempts and those live.
        ended, ended_live, total, total_live = [], [], 0, 0
        for count, live in zip(self._ended, self._ended_live):
            total += count
            total_live += live
            ended.append(total)
            ended_live.append(total_live)
        top = len(ended) - 1
        reach = [max(0, min(top, int(h - detection))) for h in self.horizons]
        table: list[Row] = []
        for e in range(_MAX_RING_S + 1):
            before = ended[e - 1] if e else 0
            before_live = ended_live[e - 1] if e else 0
            survivors = n - before
            if survivors < _MIN_SURVIVORS:
                table.append(table[-1] if table else _row([0.0] * HORIZONS))
                continue
            table.append(_row([(ended_live[min(top, e + r)] - before_live) / survivors for r in reach]))
        self.ring = table
        self.new_call = table[0]
