"""What a simulated shift is (its operators and the people it calls) and what it gives, and the shifts the
pacer is held to (``SCENARIOS``: issue #15's benchmark)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class SimulationConfig:
    """A shift's operators and the people it calls. Times in seconds unless named otherwise."""

    operators: int = 10
    live_rate: float = 0.30
    live_rate_end: float | None = None
    """The live rate drifts linearly from ``live_rate`` to this by the shift's end."""
    live_steps: tuple[tuple[float, float], ...] = ()
    """(share of the shift, rate): from that point of the shift on (0.25: a quarter through), the live rate
    is that rate."""
    machine_rate: float = 0.07
    busy_share: float = 0.2
    """Of the calls neither live nor a machine, the share busy or failed; the rest ring out."""
    amd_false_positive: float = 0.0
    talk_mean_s: float = 150.0
    talk_sigma: float = 0.6
    wrapup_mean_s: float = 15.0
    wrapup_sigma: float = 0.4
    ring_live_median_s: float = 10.0
    ring_machine_median_s: float = 18.0
    ring_sigma: float = 0.45
    no_answer_s: float = 30.0
    busy_s: tuple[float, float] = (1.0, 5.0)
    amd_human_s: tuple[float, float] = (1.8, 3.0)
    amd_machine_s: tuple[float, float] = (2.5, 5.0)
    connect_window_s: float = 2.0
    hours: float = 8.0
    lines: int | None = None
    """Line limit (calls ringing, in detection or waiting at once); three per operator when None."""
    tick_s: float = 0.5
    seed: int = 1
    abandon_target: float = 0.03

    def live_rate_at(self, t: float) -> float:
        """The share of dialled numbers a live person answers, at ``t`` seconds into the shift."""
        rate = self.live_rate
        if self.live_rate_end is not None:
            rate += (self.live_rate_end - self.live_rate) * min(1.0, t / (self.hours * 3600.0))
        for share, stepped in self.live_steps:
            if t >= share * self.hours * 3600.0:
                rate = stepped
        return rate


@dataclass(frozen=True)
class ShiftFigures:
    """What a shift gave, as a manager reads it (the true figures, AMD false positives included)."""

    dialled: int
    live: int
    """Live people who answered, including those the AMD hung up on."""
    connected: int
    abandoned: int
    """Live people who got no operator in time, plus those the AMD hung up on."""
    amd_false_positives: int
    machines: int
    operator_hours: float
    talk_s: float
    """Live talk within the shift."""
    idle_s: float
    """Time operators waited idle before the calls they took."""
    decisions: int
    """Times the pacer was asked."""

    @property
    def abandon_rate(self) -> float:
        """Abandoned / live answers (0 with no live answer)."""
        return self.abandoned / self.live if self.live else 0.0

    @property
    def occupancy(self) -> float:
        """Live talk time / logged-in time."""
        return self.talk_s / (self.operator_hours * 3600.0)

    @property
    def calls_per_operator_hour(self) -> float:
        """Connected calls per operator-hour."""
        return self.connected / self.operator_hours

    @property
    def mean_idle_s(self) -> float:
        """Mean time an operator waited idle before each call taken."""
        return self.idle_s / self.connected if self.connected else math.nan




@dataclass(frozen=True)
class Scenario:
    """A shift the predictive pacer is held to: within the abandoned-call target in every seed, and at
    least ``min_gain`` points of occupancy over progressive 1:1 on the mean of the seeds."""

    name: str
    config: SimulationConfig
    min_gain: float

    def with_seed(self, seed: int, **changes: object) -> SimulationConfig:
        """The scenario's shift for one seed, with any other setting changed."""
        return replace(self.config, seed=seed, **changes)  # type: ignore[arg-type]


SCENARIOS = (
    Scenario("10 operators, 30% live", SimulationConfig(
        operators=10, live_rate=0.30, machine_rate=0.07, talk_mean_s=150.0), 9.0),
    Scenario("50 operators, 20% live", SimulationConfig(
        operators=50, live_rate=0.20, machine_rate=0.10, talk_mean_s=180.0), 17.0),
    Scenario("5 operators, 35% live", SimulationConfig(
        operators=5, live_rate=0.35, machine_rate=0.05, talk_mean_s=120.0), 3.0),
    Scenario("20 operators, live 40% -> 15%", SimulationConfig(
        operators=20, live_rate=0.40, live_rate_end=0.15, machine_rate=0.08, talk_mean_s=160.0), 17.0),
    Scenario("15 operators, live in steps", SimulationConfig(
        operators=15, live_rate=0.30, live_steps=((0.25, 0.15), (0.5, 0.40), (0.75, 0.20)), machine_rate=0.06,
        talk_mean_s=140.0), 17.0),
)
"""Issue #15's shifts: 8 hours, lognormal talk of 2–3 minutes, 5–10% answering machines."""
