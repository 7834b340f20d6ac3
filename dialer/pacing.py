"""Pacers: how many calls to place now, asked every tick, told every call event.

``ProgressivePacer`` keeps one call under way per idle operator, so no live person ever waits;
``FixedRatioPacer`` keeps a fixed number per idle operator; ``PredictivePacer`` looks ahead at when
operators free up and live answers arrive, within the abandoned-call budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from dialer.budget import AbandonBudget, HistoryBucket, Window, risk_allowance
from dialer.forecast import HORIZONS, Forecast, column_sums
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
    sd = _sqrt(variance)
    z = mean / sd
    return sd * _exp(-z * z / 2) * _INV_SQRT_2PI + mean * 0.5 * _erfc(-z * _INV_SQRT_2)


_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_sqrt, _exp, _erfc = math.sqrt, math.exp, math.erfc  # module globals: looked up faster in the hot loop
_ORDERS = [(j, *(i for i in range(HORIZONS) if i != j)) for j in range(HORIZONS)]


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
        self._binding = 0  # the horizon that stopped the last search

    def record(self, event: CallEvent) -> None:
        self.forecast.record(event)
        if event.kind == "connected":
            self.price = min(0.6, self.price * math.exp(self.learning * self._goal))
        elif event.kind == "abandoned":
            self.price = max(0.002, self.price * math.exp(-self.learning * (1 - self._goal)))

    def room(self, s: DialerSnapshot) -> float:
        """Abandoned calls the campaign can still afford, AMD false positives (expected, plus a margin)
        taken off."""
        return self._room(s, s.abandon_target if self.abandon_target is None else self.abandon_target)

    def _room(self, s: DialerSnapshot, target: float) -> float:
        fp = min(max(s.amd_fp_estimate, 0.0), 0.5)
        unseen = fp / (1 - fp) * s.live_total
        # The false positives of calls still under way are in the reserve too.
        reserve = self.fp_margin * math.sqrt(unseen + fp * (s.calls_in_amd + s.calls_ringing)) if fp else 0.0
        return self.budget.room(s.t, s.shift_end, target, s.live_total, s.abandoned_total, unseen) - reserve

    def calls_to_place(self, s: DialerSnapshot) -> int:
        most = s.max_new_calls
        if s.agents_logged_in <= 0 or most <= 0 or s.t >= s.shift_end:
            return 0
        idle = s.agents_idle
        safe = max(0, min(most, idle - (s.calls_ringing + s.calls_in_amd + s.calls_waiting)))
        target = s.abandon_target if self.abandon_target is None else self.abandon_target
        self._goal = max(0.0, target - s.amd_fp_estimate) * self.aim
        room = self._room(s, target)
        # A whole abandoned call of room is kept back; near the budget the price falls, so it slows down.
        allowance = risk_allowance(math.floor(room) - 1, self.confidence)
        if allowance <= 0.0 or most <= safe:
            return safe
        f = self.forecast
        t = float(s.t)
        if t - self._ring_refreshed >= 10.0:
            durations = t - self._durations_refreshed >= 120.0
            window = s.connect_window_s if self.connect_window_s is None else self.connect_window_s
            f.refresh(window, s.recent_talk_s, s.recent_wrapup_s, durations)
            self._ring_refreshed = t
            if durations:
                self._durations_refreshed = t
        # Per horizon: chances, then variances, of the busy operators free by then; then the same of the
        # ringing calls live by then; each looked up at its elapsed time.
        sums = column_sums(t, ((f.talk, s.talk_started), (f.wrap, s.wrapup_started), (f.ring, s.ring_started)))
        scale = 1.0
        fast_rate, live_rate = f.fast_live_rate, f.live_rate
        fast = fast_rate - 1.5 * math.sqrt(fast_rate * (1 - fast_rate) / 80)
        if fast > live_rate > 0:
            # Live answers coming markedly faster than over the recent attempts (a sudden step up).
            scale = min(3.0, fast / live_rate)
        amd_live = f.amd_live
        fixed = s.calls_waiting + s.calls_in_amd * amd_live - idle + 0.5  # continuity: whole calls, operators
        spread = s.calls_in_amd * amd_live * (1 - amd_live)
        new = f.new_call
        # Per horizon: mean and variance of (live answers by then) − (operators free by then), and the
        # chance a further call is live by then.
        horizons = [(fixed + scale * live - operators, spread + scale * live_var + operators_var, p, 1 - p)
                    for operators, operators_var, live, live_var, p in zip(
                        sums, sums[HORIZONS:], sums[2 * HORIZONS:], sums[3 * HORIZONS:],
                        [min(1.0, scale * chance) for chance in new[:HORIZONS]])]
        price = self.price * min(1.0, live_rate * scale) * min(1.0, (room - 1) / self.slowdown)
        # One more call while, in every horizon, the live answers left without an operator stay within the
        # allowance and grow by at most the price. The first horizon that says no ends the search, so the
        # one that said no last time is asked first (the answer is the same in any order).
        n = safe
        order = _ORDERS[self._binding]
        before: list[float] | None = None
        while n < most:
            k = n + 1
            after = [0.0] * HORIZONS
            for j in order:
                mean, variance, p, q = horizons[j]
                excess = _excess(mean + k * p, variance + k * p * q)
                if excess > allowance or excess - (
                        _excess(mean + n * p, variance + n * p * q) if before is None else before[j]) > price:
                    self._binding = j
                    return n
                after[j] = excess
            n, before = k, after
        return n
