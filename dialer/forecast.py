"""What the predictive pacer learns from the calls: when operators free up and when dialled numbers turn
into live answers, as probability tables looked up in a few horizons ahead.

Everything is estimated from the recent calls (finished attempts, talk and wrap-up times), so it follows
a campaign's own lists and operators. Before there is enough to go on, the tables are the cautious ones:
busy operators never free up, and every call under way is a live answer arriving at once.
"""

from __future__ import annotations

import bisect
import itertools
import math
import struct
from collections import deque
from operator import mul, sub, truediv

from dialer.snapshot import CallEvent

QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
HORIZONS = len(QUANTILES)
Row = tuple[float, ...]
"""Per horizon the probability, then per horizon its variance p(1 − p)."""
Table = list[float]
"""A table's values column after column: per horizon the probabilities (one a row), then the variances."""

_MAX_RING_S = 60
_MAX_TALK_S = 1800
_TALK_STEP_S = 2
_MAX_WRAP_S = 240
_MIN_SURVIVORS = 5


# The tables are packed: a row is one int, its values in units of 2^-40 (about 1e-12) shifted 64 bits
# apart, so that the pacer adds up the rows of every busy operator and ringing call with one C-level
# ``sum`` of ints rather than ten sums of columns. Values may be negative (a reach shorter than the mean
# wrap-up); a field's sum reads back exactly while it stays within ±2^63 units, which ``column_sums``
# sees to. The tables are built in a few passes of C-level ``map``s over all their values, being rebuilt
# every 10 s.
# A table's rows are packed in the lower ten fields or, for ``upper`` tables, the next ten, so that one sum
# adds up operators and calls alike and ``column_sums`` reads the twenty sums at once.
_ROW = struct.Struct(f">{2 * HORIZONS}q")  # big-endian, last column first: the int's highest field
_SUMS = struct.Struct(f">{4 * HORIZONS}q")
_SCALE = 2.0 ** 40
_UNIT = 2.0 ** -40
_ROW_BITS = 64 * 2 * HORIZONS
_BIAS = sum(1 << (64 * j + 63) for j in range(4 * HORIZONS))  # lifts every field above zero: no borrows
_ROW_BIAS = _BIAS >> _ROW_BITS
_MOST_LOAD = 2.0 ** 21  # rows added × their largest value: well within 2^63 units a field
_ZEROS = (0.0,) * 4 * HORIZONS
_floor = math.floor  # faster than int(), and the same on elapsed times (never negative)


def _row(probabilities: list[float]) -> Row:
    return (*probabilities, *(p * (1 - p) for p in probabilities))


def _with_variances(probabilities: list[float]) -> Table:
    return probabilities + list(map(mul, probabilities, map((1.0).__sub__, probabilities)))


def _unpack(total: int) -> list[float]:
    fields = _SUMS.unpack(((total + _BIAS) ^ _BIAS).to_bytes(_SUMS.size, "big"))
    return [x * _UNIT for x in reversed(fields)]


class PackedTable:
    """A table as the pacer looks it up: a packed row a second of elapsed time up to ``span`` seconds,
    the last row going on."""

    __slots__ = ("packed", "largest", "shift")

    def __init__(self, table: Table, step: int, span: int, *, upper: bool = False) -> None:
        """``table``: rows ``step`` seconds apart (at least one); ``upper``: its columns come after the
        others' in ``column_sums``."""
        rows = len(table) // (2 * HORIZONS)
        fixed = list(map(_floor, map(_SCALE.__mul__, table)))
        columns = [fixed[j * rows:(j + 1) * rows] for j in reversed(range(2 * HORIZONS))]
        # Packed as signed fields, whose sign bits flipped are the fields lifted by 2^63, as _BIAS lifts them.
        packed = list(map(_ROW_BIAS.__rsub__, map(_ROW_BIAS.__xor__, map(
            int.from_bytes, itertools.starmap(_ROW.pack, zip(*columns))))))
        self.shift = _ROW_BITS if upper else 0  # applied to the sum of its rows: small ints add up faster
        if step > 1:
            packed = list(itertools.chain.from_iterable(zip(*[packed] * step)))
        packed.extend([packed[-1]] * (span + 1 - len(packed)))
        self.packed = packed
        # Probabilities are at most 1, so the largest value in size is 1 or the variance of the lowest.
        low = min(0.0, min(table[:HORIZONS * rows]))
        self.largest = max(1.0, -low * (1 - low))

    @classmethod
    def constant(cls, row: Row, *, upper: bool = False) -> PackedTable:
        """The same row at every elapsed time."""
        return cls(list(row), 1, 0, upper=upper)


def column_sums(t: float, parts: tuple[tuple[PackedTable, tuple[float, ...]], ...]) -> Row:
    """Per column, the sum over every (table, start times) part of the table's row at each start's whole
    seconds elapsed by ``t``: the columns of the tables not ``upper``, then those of the ``upper`` ones.
    Start times are oldest first, as a ``DialerSnapshot`` has them."""
    total = 0
    load = 0.0
    for table, starts in parts:
        if not starts:
            continue
        load += len(starts) * table.largest
        if load >= _MOST_LOAD:  # more than any campaign has under way: add up in parts that cannot overflow
            return _in_parts(t, parts)
        packed = table.packed
        top = len(packed) - 1
        if t - starts[0] < top + 1 and t >= starts[-1]:
            try:  # every elapsed time within the table (unless the starts are out of order)
                total += sum(map(packed.__getitem__, map(_floor, map(sub, itertools.repeat(t), starts)))) << table.shift
                continue
            except IndexError:
                pass
        total += sum([packed[max(0, min(top, int(t - started)))] for started in starts]) << table.shift
    return tuple(_unpack(total)) if load else _ZEROS


def _in_parts(t: float, parts: tuple[tuple[PackedTable, tuple[float, ...]], ...]) -> Row:
    sums = list(_ZEROS)
    for table, starts in parts:
        size = max(1, int(_MOST_LOAD / 2 / table.largest))
        for first in range(0, len(starts), size):
            part = column_sums(t, ((table, starts[first:first + size]),))
            sums = [a + b for a, b in zip(sums, part)]
    return tuple(sums)


def _conditional_table(samples: list[float], reaches: list[float], top: int, step: int) -> Table:
    """Row for every elapsed time ``e`` (``step`` apart up to ``top``): the probability that a duration
    from ``samples``, known to exceed ``e``, ends by ``e + reach`` for each reach. Where few samples are
    that long, the last well-founded row goes on: the table stops at it, and stands for it beyond."""
    ordered = sorted(samples)
    n = len(ordered)
    elapsed = range(0, top + step, step)
    if n >= _MIN_SURVIVORS:
        # Rows while at least _MIN_SURVIVORS samples exceed e, that is while e < the fifth longest.
        elapsed = elapsed[:bisect.bisect_left(elapsed, ordered[n - _MIN_SURVIVORS])]
    if n < _MIN_SURVIVORS or not elapsed:
        return [0.0] * 2 * HORIZONS
    below = list(map(bisect.bisect_right, itertools.repeat(ordered), elapsed))
    ends = map(bisect.bisect_right, itertools.repeat(ordered), itertools.chain.from_iterable(
        map(float(reach).__add__, elapsed) for reach in reaches))
    return _with_variances(list(map(truediv, map(sub, ends, itertools.cycle(below)),
                                    itertools.cycle(list(map(n.__sub__, below))))))


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
        self.new_call: Row = _row([prior_live_rate] * HORIZONS)
        self.ring = PackedTable.constant(self.new_call, upper=True)
        self.talk = PackedTable.constant(_ZEROS[:2 * HORIZONS])
        self.wrap = PackedTable.constant(_ZEROS[:2 * HORIZONS])
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
                table = _conditional_table(list(talks), reaches, _MAX_TALK_S, _TALK_STEP_S)
                self.talk = PackedTable(table, _TALK_STEP_S, _MAX_TALK_S + _TALK_STEP_S)
            if len(self._wrapups) >= 10:
                reaches = [h + window_s for h in self.horizons]
                self.wrap = PackedTable(_conditional_table(list(self._wrapups), reaches, _MAX_WRAP_S, 1), 1,
                                        _MAX_WRAP_S)

    def _refresh_ring(self) -> None:
        n = len(self._attempts)
        if n < 30:
            return
        self.live_rate = sum(self._ended_live) / n
        detection = sum(self._detection) / len(self._detection) if self._detection else 0.0
        # Ended by the end of second k (cumulative), all attempts and those live.
        ended = list(itertools.accumulate(self._ended))
        ended_live = list(itertools.accumulate(self._ended_live))
        top = len(ended) - 1
        reach = [max(0, min(top, int(h - detection))) for h in self.horizons]
        # Rows while at least _MIN_SURVIVORS attempts still ring at second e (ended by e − 1 at most n − 5);
        # the table stops at the last, and stands for it beyond.
        rows = min(_MAX_RING_S + 1, bisect.bisect_right(ended, n - _MIN_SURVIVORS) + 1)
        before, before_live = [0, *ended[:rows - 1]], [0, *ended_live[:rows - 1]]
        survivors = list(map(n.__sub__, before))
        reached = ended_live + [ended_live[-1]] * (top + 1)  # live by e + r, at most by the last second
        ends = itertools.chain.from_iterable(reached[r:r + rows] for r in reach)
        table = _with_variances(list(map(truediv, map(sub, ends, itertools.cycle(before_live)),
                                         itertools.cycle(survivors))))
        self.ring = PackedTable(table, 1, _MAX_RING_S + 1, upper=True)
        self.new_call = tuple(table[::rows])
