"""``callcenter demo``: the embedded default with demo data, ready for a newcomer."""

from __future__ import annotations

import click
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from callcenter.cli.common import run, settings
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
def demo(host: str | None, port: int | None, clients: int) -> None:
    """Migrate, seed demo data into an empty base, print the URL and logins, and serve."""
    import uvicorn

    from callcenter.seeding import DEMO_PASSWORD, DEMO_USERS, seed_demo
    from web.app import create_app

    s = settings()
    url = s.resolved_database_url
    run(upgrade(url))
    if run(_client_count(url)) == 0:
        click.echo(f"seeding {clients} demo clients into {make_url(url).render_as_string(hide_password=True)}")

        async def seed() -> None:
            async with open_database(url) as engine:
                await seed_demo(engine, clients=clients, progress=True, region=s.default_region)

        run(seed())
    bind_host, bind_port = host or s.host, port or s.port
    shown = "localhost" if bind_host in ("0.0.0.0", "127.0.0.1", "::") else bind_host
    click.echo("")
    click.echo(f"  Call-center CRM is at http://{shown}:{bind_port}/")
    click.echo(f"  Demo logins (password {DEMO_PASSWORD!r} for all):")
    for login, role in DEMO_USERS:
        click.echo(f"    {login:<12} {role}")
    click.echo("")
    uvicorn.run(create_app(s), host=bind_host, port=bind_port, log_level=s.log_level.lower())


COMMANDS = [demo]
