"""``callcenter simulate-dialer``: what a campaign's settings would give over a shift, before starting it.

Runs the dialer's shift simulator (``dialer.simulation``) with the chosen pacer and, on the same people,
talk and wrap-up times, with progressive 1:1, and prints the figures side by side.
"""

from __future__ import annotations

import click

from dialer.pacing import FixedRatioPacer, PredictivePacer, ProgressivePacer
from dialer.scenario import ShiftFigures, SimulationConfig
from dialer.simulation import simulate
from dialer.snapshot import Pacer

_ROWS: tuple[tuple[str, str], ...] = (
    ("numbers dialled", "{0.dialled:,}"),
    ("live answers", "{0.live:,}"),
    ("connected to an operator", "{0.connected:,}"),
    ("abandoned (AMD false positives included)", "{0.abandoned:,}"),
    ("abandoned / live answers", "{abandon:.2f}%"),
    ("occupancy (talk / logged-in time)", "{occupancy:.1f}%"),
    ("calls per operator-hour", "{0.calls_per_operator_hour:.1f}"),
    ("mean idle before a call", "{0.mean_idle_s:.0f} s"),
)


def _cells(figures: ShiftFigures) -> list[str]:
    return [pattern.format(figures, abandon=100 * figures.abandon_rate, occupancy=100 * figures.occupancy)
            for _, pattern in _ROWS]


@click.command("simulate-dialer")
@click.option("--operators", required=True, type=click.IntRange(min=1), help="Operators logged in.")
@click.option("--live-rate", required=True, type=click.FloatRange(0.01, 0.95),
              help="Share of dialled numbers a live person answers (0.3 = 30%).")
@click.option("--machines", default=0.07, show_default=True, type=click.FloatRange(0.0, 0.9),
              help="Share answered by a machine.")
@click.option("--amd-false-positives", default=0.0, show_default=True, type=click.FloatRange(0.0, 0.5),
              help="Share of live people the machine detection hangs up on (counted as abandoned).")
@click.option("--talk-mean", default=150.0, show_default=True, type=click.FloatRange(min=1.0),
              help="Mean talk time, seconds (lognormal).")
@click.option("--wrapup", default=15.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Mean wrap-up after a call, seconds.")
@click.option("--hours", default=8.0, show_default=True, type=click.FloatRange(0.1, 24.0), help="Shift length.")
@click.option("--pacer", "kind", default="predictive", show_default=True,
              type=click.Choice(["predictive", "progressive", "ratio"]), help="How calls are paced.")
@click.option("--ratio", default=2.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Calls under way per idle operator, for --pacer ratio.")
@click.option("--abandon-target", default=0.03, show_default=True, type=click.FloatRange(0.001, 0.5),
              help="Highest share of live answers abandoned.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the simulated shift.")
def simulate_dialer(operators: int, live_rate: float, machines: float, amd_false_positives: float,
                    talk_mean: float, wrapup: float, hours: float, kind: str, ratio: float, abandon_target: float,
                    seed: int) -> None:
    """Simulate a shift of a campaign and print what it gives, beside progressive 1:1."""
    if live_rate + machines > 1:
        raise click.BadParameter("live rate and machines add up to more than 1", param_hint="--machines")
    config = SimulationConfig(
        operators=operators, live_rate=live_rate, machine_rate=machines, amd_false_positive=amd_false_positives,
        talk_mean_s=talk_mean, wrapup_mean_s=wrapup, hours=hours, seed=seed, abandon_target=abandon_target,
    )
    pacer: Pacer
    if kind == "predictive":
        pacer, name = PredictivePacer(abandon_target=abandon_target), "predictive"
    elif kind == "ratio":
        pacer, name = FixedRatioPacer(ratio), f"ratio {ratio:g}"
    else:
        pacer, name = ProgressivePacer(), "progressive"
    columns = [(name, simulate(config, pacer))]
    if kind != "progressive":
        columns.append(("progressive 1:1", simulate(config, ProgressivePacer())))
    click.echo(f"{operators} operators, {100 * live_rate:g}% live answers, {100 * machines:g}% machines, "
               f"talk {talk_mean:g} s, wrap-up {wrapup:g} s, {hours:g} h, seed {seed}")
    width = max(len(label) for label, _ in _ROWS)
    click.echo(f"{'':<{width}}" + "".join(f"  {title:>16}" for title, _ in columns))
    cells = [_cells(figures) for _, figures in columns]
    for i, (label, _) in enumerate(_ROWS):
        click.echo(f"{label:<{width}}" + "".join(f"  {column[i]:>16}" for column in cells))
    shift = columns[0][1]
    if shift.abandon_rate > abandon_target:
        click.echo(f"above the abandoned-call target of {100 * abandon_target:g}%")


COMMANDS = [simulate_dialer]
