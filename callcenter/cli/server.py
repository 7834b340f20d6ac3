"""Running the product: ``serve`` and ``migrate``."""

from __future__ import annotations

import click

from callcenter.cli.common import run, settings
from callcenter.db.migrate import upgrade


@click.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    s = settings()
    run(upgrade(s.resolved_database_url))
    click.echo("schema is up to date")


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CALLCENTER_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: CALLCENTER_PORT).")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations before starting.")
def serve(host: str | None, port: int | None, no_migrate: bool) -> None:
    """Run the web application (and, on the embedded default, everything else in the same process)."""
    import uvicorn

    from web.app import create_app

    s = settings()
    if not no_migrate:
        run(upgrade(s.resolved_database_url))
    uvicorn.run(create_app(s), host=host or s.host, port=port or s.port, log_level=s.log_level.lower())


COMMANDS = [migrate, serve]
