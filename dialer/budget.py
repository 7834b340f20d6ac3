"""The abandoned-call budget: how many more abandoned calls a campaign can afford, over the shift and over
the regulator's rolling window, and how much risk the calls under way may carry without overshooting it.

The rule: abandoned calls (AMD false positives included) at most ``target`` of live answers. Over the
shift the budget is ``target × live − abandoned``; over the window (UK: any 24 h, US: 30 days rolling) the
campaign's earlier counts still in the window add theirs, and since they leave the window as it rolls, the
budget is the least it will be at any moment until the shift ends. Live answers still to come are not
counted: the budget is spent only once earned.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal, NamedTuple

Window = Literal["uk", "us"]
WINDOW_S: dict[Window, float] = {"uk": 24 * 3600.0, "us": 30 * 24 * 3600.0}


class HistoryBucket(NamedTuple):
    """A campaign's counts from before the shift: ``t`` seconds since the shift started (so at most 0)."""

    t: float
    live: int
    abandoned: int


class AbandonBudget:
    """The abandoned calls a campaign may still afford, given its history before the shift."""

    def __init__(self, window: Window = "uk", history: Iterable[HistoryBucket] = ()) -> None:
        if window not in WINDOW_S:
            raise ValueError(f"window must be one of {sorted(WINDOW_S)}")
        span = WINDOW_S[window]
        kept = sorted((b for b in history if b.t > -span), key=lambda b: b.t)
        if any(b.t > 0 or b.live < 0 or b.abandoned < 0 for b in kept):
            raise ValueError("history is counts (not negative) from before the shift (t <= 0)")
        self.window = window
        # Moments the older buckets leave the window, and the counts still in it from each moment on.
        self._expiries = [b.t + span for b in kept]
        self._live = [sum(b.live for b in kept[i:]) for i in range(len(kept) + 1)]
        self._abandoned = [sum(b.abandoned for b in kept[i:]) for i in range(len(kept) + 1)]
        self._cached: tuple[int, float, float, float] | None = None

    @property
    def prior_live(self) -> int:
        """Live answers from before the shift in the window now."""
        return self._live[0]

    @property
    def prior_abandoned(self) -> int:
        """Abandoned calls from before the shift in the window now."""
        return self._abandoned[0]

    def _prior_low(self, t: float, shift_end: float, target: float) -> float:
        """The least ``target × live − abandoned`` of the history over [t, shift_end]."""
        first = bisect.bisect_right(self._expiries, t)
        key = self._cached
        if key is not None and key[0] == first and key[1] == shift_end and key[2] == target:
            return key[3]
        last = bisect.bisect_right(self._expiries, shift_end)
        low = min(target * self._live[i] - self._abandoned[i] for i in range(first, last + 1))
        self._cached = (first, shift_end, target, low)
        return low

    def room(self, t: float, shift_end: float, target: float, live: int, abandoned: int,
             unseen: float = 0.0) -> float:
        """Abandoned calls still affordable at ``t`` with the shift's ``live`` and ``abandoned`` so far;
        ``unseen`` abandoned calls the dialer could not see (AMD false positives) are counted as live
        answers abandoned."""
        shift = target * (live + unseen) - abandoned - unseen
        if not self._expiries:  # no history: the shift's own room
            return shift
        return min(shift, shift + self._prior_low(t, shift_end, target))


@lru_cache(maxsize=4096)
def risk_allowance(room: int, confidence: float) -> float:
    """The most abandoned calls to expect from the calls under way so that, counted as Poisson, more than
    ``room`` happen with probability at most ``1 − confidence``. Zero when nothing is left."""
    if room < 0:
        return 0.0
    room = min(room, 400)  # beyond, more than any shift's calls under way could carry (and exp() underflows)

    def covered(mean: float) -> bool:
        term = total = math.exp(-mean)
        for k in range(1, room + 1):
            term *= mean / k
            total += term
        return total >= confidence

    low, high = 0.0, room + 10.0 * math.sqrt(room + 1.0) + 10.0
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (middle, high) if covered(middle) else (low, middle)
    return low
