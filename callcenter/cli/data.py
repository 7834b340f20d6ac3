"""Data in and out: seeding, import and export."""

from __future__ import annotations

import click

from callcenter.cli.common import run, settings
from callcenter.db.migrate import upgrade
from callcenter.db.session import open_database


@click.command()
@click.option("--clients", type=click.IntRange(min=0), required=True, help="How many demo clients to add.")
@click.option(
    "--seed", "seed_value", type=int, default=1, show_default=True,
    help="Random seed (the same seed on the same day gives the same data).",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def seed(clients: int, seed_value: int, no_progress: bool) -> None:
    """Add realistic demo data: users, clients, contacts, history, tasks, deals, sales and claims."""
    from callcenter.seeding import DEMO_PASSWORD, seed_demo

    s = settings()
    url = s.resolved_database_url
    run(upgrade(url))

    async def go() -> list[str]:
        async with open_database(url) as engine:
            report = await seed_demo(
                engine, clients=clients, seed=seed_value, progress=not no_progress, region=s.default_region
            )
            return report.lines() + ([f"demo password: {DEMO_PASSWORD}"] if report.users_created else [])

    for line in run(go()):
        click.echo(line)


COMMANDS: list[click.Command] = [seed]
