"""The pacers on the dialer's own shift simulator: compliance in every seed, occupancy over progressive,
the abandoned-call budget over the shift and the regulator's window, and the interface itself."""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict

import pytest

from dialer.budget import AbandonBudget, HistoryBucket, risk_allowance
from dialer.forecast import HORIZONS, Forecast, PackedTable, column_sums
from dialer.pacing import FixedRatioPacer, PredictivePacer, ProgressivePacer
from dialer.scenario import SCENARIOS, Scenario, SimulationConfig
from dialer.simulation import simulate
from dialer.snapshot import CallEvent, DialerSnapshot, Pacer

SEEDS = range(1, 6)
HOURS = 1.5  # the full 8-hour shifts are benchmarks/pacing.py's


def _snapshot(**changes: object) -> DialerSnapshot:
    fields: dict[str, object] = dict(
        t=0.0, tick_s=0.5, shift_end=28800.0, agents_logged_in=10, agents_idle=10, agents_talking=0,
        agents_wrapup=0, idle_since=(0.0,) * 10, talk_started=(), wrapup_started=(), calls_ringing=0,
        ring_started=(), calls_in_amd=0, amd_started=(), calls_waiting=0, wait_deadlines=(), dialed_total=0,
        live_total=0, abandoned_total=0, connected_total=0, machine_total=0, no_answer_total=0, failed_total=0,
        recent_live_rate=math.nan, recent_attempts=0, recent_live_delay_s=math.nan, recent_talk_s=(),
        recent_wrapup_s=math.nan, abandon_target=0.03, connect_window_s=2.0, max_new_calls=30,
        amd_fp_estimate=0.0,
    )
    fields.update(changes)
    return DialerSnapshot(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("fp", [0.0, 0.01], ids=["no-amd-errors", "1pct-amd-false-positives"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_predictive_pacer_keeps_the_abandon_target_in_every_seed(scenario: Scenario, fp: float) -> None:
    for seed in SEEDS:
        shift = simulate(scenario.with_seed(seed, hours=HOURS, amd_false_positive=fp), PredictivePacer())
        assert shift.live > 100
        assert shift.abandon_rate <= 0.03, (seed, shift)
        assert shift.amd_false_positives <= shift.abandoned


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_predictive_pacer_keeps_operators_busier_than_progressive(scenario: Scenario) -> None:
    gains = []
    for seed in SEEDS[:3]:
        config = scenario.with_seed(seed, hours=HOURS)
        predictive, progressive = simulate(config, PredictivePacer()), simulate(config, ProgressivePacer())
        gains.append(100 * (predictive.occupancy - progressive.occupancy))
        assert predictive.calls_per_operator_hour > progressive.calls_per_operator_hour
        assert predictive.mean_idle_s < progressive.mean_idle_s
    # A short shift starts with no budget earned, so less than the 8-hour targets; still well ahead.
    assert statistics.fmean(gains) >= min(scenario.min_gain / 2, 5.0), gains


def test_reference_pacers_behave_as_named() -> None:
    config = SCENARIOS[0].with_seed(1, hours=HOURS)
    progressive = simulate(config, ProgressivePacer())
    assert progressive.abandoned == 0 and progressive.connected == progressive.live
    ratio = simulate(config, FixedRatioPacer(2.0))
    assert ratio.dialled > progressive.dialled and ratio.abandoned > 0
    with_fp = simulate(SCENARIOS[0].with_seed(1, hours=HOURS, amd_false_positive=0.05), ProgressivePacer())
    assert with_fp.abandoned == with_fp.amd_false_positives > 0


def test_a_seed_gives_the_same_shift_and_another_seed_another() -> None:
    config = SCENARIOS[2].with_seed(3, hours=1.0, amd_false_positive=0.01)
    assert simulate(config, PredictivePacer()) == simulate(config, PredictivePacer())
    assert simulate(config, PredictivePacer()) != simulate(SCENARIOS[2].with_seed(4, hours=1.0), PredictivePacer())


class _Checking:
    """Passes decisions to a pacer and checks every call's events come in time order and in a call's order."""

    NEXT = {None: {"dialed"}, "dialed": {"answered", "no_answer", "failed"}, "answered": {"live", "machine"},
            "live": {"connected", "abandoned"}, "connected": {"talk_end"}, "talk_end": {"wrapup_end"}}

    def __init__(self, pacer: Pacer) -> None:
        self.pacer = pacer
        self.last: dict[str, str | None] = defaultdict(lambda: None)
        self.t = 0.0
        self.snapshots = 0

    def calls_to_place(self, snapshot: DialerSnapshot) -> int:
        assert snapshot.t >= self.t
        assert snapshot.agents_idle + snapshot.agents_talking + snapshot.agents_wrapup == snapshot.agents_logged_in
        assert list(snapshot.talk_started) == sorted(snapshot.talk_started)
        assert len(snapshot.ring_started) == snapshot.calls_ringing and len(snapshot.recent_talk_s) <= 100
        self.t = snapshot.t
        self.snapshots += 1
        n = self.pacer.calls_to_place(snapshot)
        assert 0 <= n <= snapshot.max_new_calls
        return n

    def record(self, event: CallEvent) -> None:
        assert event.t >= self.t
        self.t = event.t
        assert event.kind in self.NEXT[self.last[event.call_id]], (self.last[event.call_id], event)
        self.last[event.call_id] = event.kind
        self.pacer.record(event)


def test_events_come_in_order_and_the_pacer_never_passes_the_line_limit() -> None:
    checking = _Checking(PredictivePacer())
    shift = simulate(SimulationConfig(operators=8, live_rate=0.35, hours=1.0, lines=12, seed=2), checking)
    assert checking.snapshots == shift.decisions == 7200
    assert shift.connected > 100


def test_snapshot_and_event_fields_are_exactly_the_issues() -> None:
    assert DialerSnapshot._fields == (
        "t", "tick_s", "shift_end", "agents_logged_in", "agents_idle", "agents_talking", "agents_wrapup",
        "idle_since", "talk_started", "wrapup_started", "calls_ringing", "ring_started", "calls_in_amd",
        "amd_started", "calls_waiting", "wait_deadlines", "dialed_total", "live_total", "abandoned_total",
        "connected_total", "machine_total", "no_answer_total", "failed_total", "recent_live_rate",
        "recent_attempts", "recent_live_delay_s", "recent_talk_s", "recent_wrapup_s", "abandon_target",
        "connect_window_s", "max_new_calls", "amd_fp_estimate")
    assert CallEvent._fields == ("kind", "t", "call_id", "agent_id", "ring_s", "wait_s", "duration_s", "deadline",
                                 "machine")


def test_at_the_start_with_no_live_rate_it_dials_for_the_idle_operators_only() -> None:
    pacer = PredictivePacer()
    assert pacer.calls_to_place(_snapshot()) == 10
    assert pacer.calls_to_place(_snapshot(agents_idle=4, calls_ringing=3, ring_started=(0.0,) * 3)) == 1


def test_line_limit_and_operators_bound_the_calls() -> None:
    # Plenty of budget from before the shift, so only the limits hold it back.
    pacer = PredictivePacer(window="us", prior_live=100_000, prior_abandoned=0)
    busy = dict(t=600.0, live_total=2000, agents_idle=0, agents_talking=10, talk_started=(500.0,) * 10,
                recent_talk_s=(150.0,) * 100, idle_since=())
    assert pacer.calls_to_place(_snapshot(**busy, max_new_calls=2)) <= 2
    assert pacer.calls_to_place(_snapshot(**busy, max_new_calls=0)) == 0
    assert pacer.calls_to_place(_snapshot(agents_logged_in=0, agents_idle=0, idle_since=())) == 0
    assert ProgressivePacer().calls_to_place(_snapshot(max_new_calls=3)) == 3
    assert FixedRatioPacer(2.0).calls_to_place(_snapshot(max_new_calls=100)) == 20


def test_a_campaign_whose_window_is_nearly_spent_dials_less_and_does_not_overshoot() -> None:
    config = SimulationConfig(operators=10, live_rate=0.3, hours=2.0, seed=5)
    fresh = simulate(config, PredictivePacer())
    history = (HistoryBucket(-3600.0, live=2000, abandoned=63),)  # just over 3%, an hour before the shift
    shift = simulate(config, PredictivePacer(window="uk", history=history))
    assert shift.dialled < fresh.dialled
    assert (63 + shift.abandoned) / (2000 + shift.live) <= 0.03


def test_uk_window_forgets_a_day_ago_and_us_window_does_not() -> None:
    history = (HistoryBucket(-30 * 3600.0, live=1000, abandoned=80),)  # over budget, 30 hours ago
    config = SimulationConfig(operators=10, live_rate=0.3, hours=1.5, seed=2)
    uk = simulate(config, PredictivePacer(window="uk", history=history))
    us = simulate(config, PredictivePacer(window="us", history=history))
    fresh = simulate(config, PredictivePacer())
    assert uk == fresh
    # 80 abandoned of 1000 is over 3%: under the 30-day window the campaign may only dial without risk.
    assert us.dialled < uk.dialled
    assert us.abandoned == 0


def test_budget_counts_history_until_it_leaves_the_window() -> None:
    # Good history (1000 live, 0 abandoned) that leaves the UK window 30 minutes into the shift.
    budget = AbandonBudget("uk", [HistoryBucket(-24 * 3600.0 + 1800.0, live=1000, abandoned=0)])
    assert budget.prior_live == 1000
    # The shift alone: 3% of 100 live answers less 1 abandoned.
    assert budget.room(0.0, 28800.0, 0.03, live=100, abandoned=1) == pytest.approx(2.0)
    # Bad history leaving the window later in the shift binds until it has left.
    bad = AbandonBudget("uk", [HistoryBucket(-24 * 3600.0 + 1800.0, live=100, abandoned=10)])
    assert bad.room(0.0, 28800.0, 0.03, live=100, abandoned=1) == pytest.approx(2.0 + 3.0 - 10.0)
    assert bad.room(1801.0, 28800.0, 0.03, live=100, abandoned=1) == pytest.approx(2.0)
    us = AbandonBudget("us", [HistoryBucket(-24 * 3600.0 + 1800.0, live=100, abandoned=10)])
    assert us.room(1801.0, 28800.0, 0.03, live=100, abandoned=1) == pytest.approx(-5.0)
    # AMD false positives the dialer did not see count as live answers abandoned.
    assert budget.room(0.0, 28800.0, 0.03, live=100, abandoned=1, unseen=2.0) == pytest.approx(3.06 - 1 - 2)
    with pytest.raises(ValueError):
        AbandonBudget("fr")  # type: ignore[arg-type]


def test_risk_allowance_grows_with_room_and_confidence_makes_it_smaller() -> None:
    assert risk_allowance(-1, 0.9) == 0.0
    assert 0 < risk_allowance(0, 0.9) < 0.11  # P(no abandoned call) >= 0.9
    assert risk_allowance(0, 0.99) < risk_allowance(0, 0.9)
    allowances = [risk_allowance(k, 0.9) for k in range(0, 30, 3)]
    assert allowances == sorted(allowances) and allowances[-1] < 27


def test_a_pacer_near_its_budget_places_fewer_calls_than_one_with_room() -> None:
    # Three operators idle and four at the end of their wrap-up.
    state = dict(t=3600.0, agents_idle=3, agents_talking=3, agents_wrapup=4, idle_since=(3590.0,) * 3,
                 talk_started=(3500.0,) * 3, wrapup_started=(3586.0,) * 4, live_total=500,
                 recent_talk_s=(150.0,) * 100, recent_wrapup_s=15.0)

    def warmed(**settings: object) -> PredictivePacer:
        pacer = PredictivePacer(**settings)  # type: ignore[arg-type]
        for i in range(300):  # 30% of attempts live, 10 s after dialling
            call = f"c{i}"
            pacer.record(CallEvent("dialed", i * 10.0, call))
            pacer.record(CallEvent("answered", i * 10.0 + 8, call, ring_s=8.0) if i % 10 < 3 else
                         CallEvent("no_answer", i * 10.0 + 30, call, ring_s=30.0))
            if i % 10 < 3:
                pacer.record(CallEvent("live", i * 10.0 + 10, call, deadline=i * 10.0 + 12, machine=False))
        for i in range(20):
            pacer.record(CallEvent("wrapup_end", 3000.0 + i, f"w{i}", agent_id="op1", duration_s=15.0))
        return pacer

    with_room = warmed().calls_to_place(_snapshot(**state))
    spent = warmed().calls_to_place(_snapshot(**state, abandoned_total=15))
    assert with_room > spent == 3  # with nothing left, only a call per idle operator


def _reference_sums(t: float, parts: list[tuple[list[tuple[float, ...]], tuple[float, ...]]]) -> list[float]:
    """Rows a second apart (the last going on, none before the first), added up in floats."""
    sums = [0.0] * 4 * HORIZONS
    for offset, (rows, starts) in zip((0, 2 * HORIZONS), parts):
        for started in starts:
            row = rows[max(0, min(len(rows) - 1, int(t - started)))]
            for j, value in enumerate(row):
                sums[offset + j] += value
    return sums


def _random_rows(rng: random.Random, count: int, low: float) -> list[tuple[float, ...]]:
    rows = []
    for _ in range(count):
        p = [rng.uniform(low, 1.0) for _ in range(HORIZONS)]
        rows.append((*p, *(x * (1 - x) for x in p)))
    return rows


def _packed(rows: list[tuple[float, ...]], *, upper: bool = False) -> PackedTable:
    return PackedTable([row[j] for j in range(2 * HORIZONS) for row in rows], 1, len(rows) - 1, upper=upper)


def test_packed_tables_add_up_as_their_rows_do_negative_values_and_times_past_the_table_included() -> None:
    rng = random.Random(7)
    for low in (0.0, -0.4):
        operators, calls = _random_rows(rng, 40, low), _random_rows(rng, 25, low)
        t = 5000.5
        busy = tuple(sorted(t - rng.uniform(0, 39.9) for _ in range(30)))
        ringing = tuple(sorted(t - rng.uniform(0, 24.9) for _ in range(17)))
        late = (t - 300.0, *busy)  # longer than the table: its last row
        for starts in (busy, late, (), (t,)):
            got = column_sums(t, ((_packed(operators), starts), (_packed(calls, upper=True), ringing)))
            want = _reference_sums(t, [(operators, starts), (calls, ringing)])
            assert got == pytest.approx(want, abs=1e-9)
    # Out of order (an older start in the middle) is still added up right.
    mixed = (t - 3.0, t - 100.0, t - 1.0)
    assert column_sums(t, ((_packed(operators), mixed),)) == pytest.approx(
        _reference_sums(t, [(operators, mixed)]), abs=1e-9)


def test_packed_sums_too_large_for_the_fields_are_added_up_in_parts() -> None:
    rows = [(-300.0,) * HORIZONS + (-300.0 * 301.0,) * HORIZONS, (0.5,) * HORIZONS + (0.25,) * HORIZONS]
    starts = tuple(100.0 - i * 0.001 for i in range(400, 0, -1))  # 400 rows of the first: beyond 2^63 units
    got = column_sums(100.0, ((_packed(rows), starts),))
    assert got[:2 * HORIZONS] == pytest.approx([sum(rows[0][j] for _ in starts) for j in range(2 * HORIZONS)])


def test_the_talk_table_is_the_chance_a_talk_that_long_ends_within_each_reach() -> None:
    talks = tuple(float(x) for x in random.Random(3).choices(range(20, 400), k=100))
    forecast = Forecast()
    forecast.refresh(2.0, talks, 15.0, durations=True)
    reaches = [h + 2.0 - 15.0 for h in forecast.horizons]
    for elapsed in (0.0, 1.5, 37.2, 150.0, 301.9, 399.0, 2500.0):
        e = min(1800, 2 * int(elapsed // 2))
        while e > 0 and sum(x > e for x in talks) < 5:  # few talks that long: the last well-founded row
            e -= 2
        longer = sum(x > e for x in talks)
        # (A reach shorter than the mean wrap-up counts the talks that ended in it, negatively.)
        want = [(sum(x <= e + r for x in talks) - sum(x <= e for x in talks)) / longer for r in reaches]
        got = column_sums(5000.0, ((forecast.talk, (5000.0 - elapsed,)),))
        assert got[:HORIZONS] == pytest.approx(want, abs=1e-9), elapsed
        assert got[HORIZONS:2 * HORIZONS] == pytest.approx([p * (1 - p) for p in want], abs=1e-9)
