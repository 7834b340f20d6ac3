"""Pacers: how many calls to place now, asked every tick, told every call event.

``ProgressivePacer`` keeps one call under way per idle operator, so no live person ever waits;
``FixedRatioPacer`` keeps a fixed number per idle operator; ``PredictivePacer`` looks ahead at when
operators free up and live answers arrive, within the abandoned-call budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from dialer.budget import AbandonBudget, HistoryBucket, Window, risk_allowance
from dialer.forecast import HORIZONS, Forecast
from dialer.snapshot import CallEvent, DialerSnapshot


def _under_way(s: DialerSnapshot) -> int:
    return s.calls_ringing + s.calls_in_amd + s.calls_waiting


class ProgressivePacer:
    """One call under way per idle operator (1:1): never abandons a live person the AMD passed."""

    def calls_to_place(self, snapshot: DialerSnapshot) -> int:
        return max(0, min(snapshot.max_new_calls, snapshot.agents_idle - _under_way(snapshot)))

    def record(self, event: CallEvent) -> None:
        """Nothing to learn."""


class FixedRatioPacer:
    """``ratio`` calls under way per idle operator, whatever the answers."""

    def __init__(self, ratio: float = 2.0) -> None:
        if not ratio > 0:
            raise ValueError("ratio must be above 0")
        self.ratio = ratio

    def calls_to_place(self, snapshot: DialerSnapshot) -> int:
        wanted = math.floor(self.ratio * snapshot.agents_idle + 1e-9) - _under_way(snapshot)
        return max(0, min(snapshot.max_new_calls, wanted))

    def record(self, event: CallEvent) -> None:
        """Nothing to learn."""


def _excess(mean: float, variance: float) -> float:
    """E[max(0, X)] for X normal with this mean and variance: the live answers left without an operator."""
    if variance <= 1e-12:
        return max(0.0, mean)
    sd = math.sqrt(variance)
    z = mean / sd
    return sd * math.exp(-z * z / 2) * _INV_SQRT_2PI + mean * 0.5 * math.erfc(-z * _INV_SQRT_2)


_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)


class PredictivePacer:
    """Places calls ahead of operators freeing up, so that the live answers expected within each look-ahead
    horizon exceed the operators expected free by then only as far as the abandoned-call budget allows.

    Settings: ``abandon_target`` and ``connect_window_s`` (None: as the snapshot says), ``window`` (``"uk"``
    24 h or ``"us"`` 30 days rolling), ``history`` (``HistoryBucket``s from before the shift still in the
    window) or simply ``prior_live``/``prior_abandoned`` (counts that stay in the window all shift),
    ``confidence`` (the chance the calls under way stay within the budget), ``prior_live_rate`` (assumed
    before any answer), ``fp_margin`` (standard deviations of AMD false positives kept in reserve).
    """

    def __init__(self, *, abandon_target: float | None = None, connect_window_s: float | None = None,
                 window: Window = "uk", history: Iterable[HistoryBucket] = (), prior_live: int = 0,
                 prior_abandoned: int = 0, confidence: float = 0.9, prior_live_rate: float = 0.5,
                 fp_margin: float = 2.0, aim: float = 0.85, learning: float = 0.1,
                 slowdown: float = 3.0) -> None:
        if not 0 < confidence < 1:
            raise ValueError("confidence must be between 0 and 1")
        buckets = list(history)
        if prior_live or prior_abandoned:
            buckets.append(HistoryBucket(0.0, prior_live, prior_abandoned))
        self.budget = AbandonBudget(window, buckets)
        self.abandon_target = abandon_target
        self.connect_window_s = connect_window_s
        self.confidence = confidence
        self.fp_margin = fp_margin
        self.forecast = Forecast(prior_live_rate)
        self.aim = aim
        self.slowdown = slowdown
        self.learning = learning
        # The chance of abandonment a further call's live answer may carry: raised while live answers are
        # connected, lowered on each abandoned one, so the abandoned share settles at ``aim`` of the target.
        self.price = 0.05
        self._goal = 0.0
        self._ring_refreshed = -math.inf
        self._durations_refreshed = -math.inf

    def record(self, event: CallEvent) -> None:
        self.forecast.record(event)
        if event.kind == "connected":
            self.price = min(0.6, self.price * math.exp(self.learning * self._goal))
        elif event.kind == "abandoned":
            self.price = max(0.002, self.price * math.exp(-self.learning * (1 - self._goal)))

    def room(self, s: DialerSnapshot) -> float:
        """Abandoned calls the campaign can still afford, AMD false positives (expected, plus a margin)
        taken off."""
        target = s.abandon_target if self.abandon_target is None else self.abandon_target
        fp = min(max(s.amd_fp_estimate, 0.0), 0.5)
        unseen = fp / (1 - fp) * s.live_total
        # The false positives of calls still under way are in the reserve too.
        reserve = self.fp_margin * math.sqrt(unseen + fp * (s.calls_in_amd + s.calls_ringing)) if fp else 0.0
        return self.budget.room(s.t, s.shift_end, target, s.live_total, s.abandoned_total, unseen) - reserve

    def calls_to_place(self, s: DialerSnapshot) -> int:
        if s.agents_logged_in <= 0 or s.max_new_calls <= 0 or s.t >= s.shift_end:
            return 0
        safe = max(0, min(s.max_new_calls, s.agents_idle - _under_way(s)))
        target = s.abandon_target if self.abandon_target is None else self.abandon_target
        self._goal = max(0.0, target - s.amd_fp_estimate) * self.aim
        room = self.room(s)
        # A whole abandoned call of room is kept back; near the budget the price falls, so it slows down.
        allowance = risk_allowance(math.floor(room) - 1, self.confidence)
        if allowance <= 0.0 or s.max_new_calls <= safe:
            return safe
        f = self.forecast
        t = s.t
        if t - self._ring_refreshed >= 10.0:
            durations = t - self._durations_refreshed >= 120.0
            window = s.connect_window_s if self.connect_window_s is None else self.connect_window_s
            f.refresh(window, s.recent_talk_s, s.recent_wrapup_s, durations)
            self._ring_refreshed = t
            if durations:
                self._durations_refreshed = t
        # Per horizon: mean and variance of (live answers by then) − (operators free by then).
        talk, wrap, ring = f.talk, f.wrap, f.ring
        top_talk, top_wrap, top_ring = len(talk) - 1, len(wrap) - 1, len(ring) - 1
        rows = [talk[min(top_talk, int((t - started) * 0.5))] for started in s.talk_started]
        rows += [wrap[min(top_wrap, int(t - started))] for started in s.wrapup_started]
        free = [sum(column) for column in zip(*rows)] if rows else [0.0] * 2 * HORIZONS
        rows = [ring[min(top_ring, int(t - started))] for started in s.ring_started]
        coming = [sum(column) for column in zip(*rows)] if rows else [0.0] * 2 * HORIZONS
        scale = 1.0
        fast = f.fast_live_rate - 1.5 * math.sqrt(f.fast_live_rate * (1 - f.fast_live_rate) / 80)
        if fast > f.live_rate > 0:
            # Live answers coming markedly faster than over the recent attempts (a sudden step up).
            scale = min(3.0, fast / f.live_rate)
        amd = s.calls_in_amd * f.amd_live
        fixed = s.calls_waiting + amd - s.agents_idle + 0.5  # continuity: whole calls, whole operators
        spread = s.calls_in_amd * f.amd_live * (1 - f.amd_live)
        means = [fixed + scale * coming[j] - free[j] for j in range(HORIZONS)]
        variances = [spread + scale * coming[HORIZONS + j] + free[HORIZONS + j] for j in range(HORIZONS)]
        new = f.new_call
        per_call = [min(1.0, scale * new[j]) for j in range(HORIZONS)]
        price = self.price * min(1.0, f.live_rate * scale) * min(1.0, (room - 1) / self.slowdown)
        n = safe
        before = [_excess(means[j] + n * p, variances[j] + n * p * (1 - p)) for j, p in enumerate(per_call)]
        while n < s.max_new_calls:
            k = n + 1
            after = [_excess(means[j] + k * p, variances[j] + k * p * (1 - p)) for j, p in enumerate(per_call)]
            if max(after) > allowance or max(a - b for a, b in zip(after, before)) > price:
                break
            n, before = k, after
        return n
