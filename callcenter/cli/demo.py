"""``callcenter demo``: the embedded default with demo data, ready for a newcomer."""

from __future__ import annotations

import contextlib

import click
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus
from callcenter.cli.common import run, settings
from callcenter.cli.demo_pbx import demo_pbx_running
from callcenter.cli.server import serve_app
from callcenter.cli.telephony import telephony_running
from callcenter.db.migrate import upgrade
from callcenter.db.session import open_database, unit_of_work
from callcenter.models import Client


async def _client_count(url: str) -> int:
    async with open_database(url) as engine, unit_of_work(engine) as db:
        return await db.scalar(select(func.count()).select_from(Client)) or 0


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CALLCENTER_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: CALLCENTER_PORT).")
@click.option("--clients", type=int, default=3000, show_default=True, help="Demo clients to seed into an empty base.")
@click.option("--pbx/--no-pbx", default=True, show_default=True,
              help="Run the simulated PBX in this process; --no-pbx connects to the Asterisk the settings name.")
@click.option("--call-rate", type=click.FloatRange(min=0), default=4.0, show_default=True,
              help="Calls per minute the simulated PBX makes (0: only those asked for over AMI).")
@click.option("--seed", type=int, default=None, help="Seed for a repeatable sequence of simulated calls.")
@click.option("--time-factor", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Real seconds per simulated second (0.1 plays the simulated calls ten times as fast).")
def demo(host: str | None, port: int | None, clients: int, pbx: bool, call_rate: float, seed: int | None,
         time_factor: float) -> None:
    """Migrate, seed demo data into an empty base, print the URL and logins, and serve with a simulated PBX."""
    from callcenter.seeding import DEMO_PASSWORD, DEMO_USERS, seed_demo

    s = settings()
    url = s.resolved_database_url
    run(upgrade(url))
    if run(_client_count(url)) == 0:
        click.echo(f"seeding {clients} demo clients into {make_url(url).render_as_string(hide_password=True)}")

        async def seed_base() -> None:
            async with open_database(url) as engine:
                await seed_demo(engine, clients=clients, progress=True, region=s.default_region)

        run(seed_base())
    bind_host, bind_port = host or s.host, port or s.port
    shown = "localhost" if bind_host in ("0.0.0.0", "127.0.0.1", "::") else bind_host
    click.echo("")
    click.echo(f"  Call-center CRM is at http://{shown}:{bind_port}/")
    click.echo(f"  Demo logins (password {DEMO_PASSWORD!r} for all):")
    for login, role in DEMO_USERS:
        click.echo(f"    {login:<12} {role}")
    if pbx:
        click.echo(f"  A simulated PBX makes {call_rate:g} calls a minute to the operators; they appear under Calls.")
    click.echo("")

    def telephony(engine: AsyncEngine, bus: EventBus) -> contextlib.AbstractAsyncContextManager[object]:
        if pbx:
            return demo_pbx_running(s, engine, bus, rate=call_rate, seed=seed, time_factor=time_factor)
        return telephony_running(s, engine, bus)

    serve_app(s, bind_host, bind_port, [telephony])


COMMANDS = [demo]
