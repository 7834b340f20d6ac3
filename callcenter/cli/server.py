"""Running the product: ``serve`` and ``migrate``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from callcenter import heap
from callcenter.cli.common import run, settings
from callcenter.cli.log_redaction import redact_server_logs
from callcenter.cli.telephony import telephony_running
from callcenter.db.migrate import upgrade
from callcenter.settings import Settings

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

    from web.app import Service


@click.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    s = settings()
    run(upgrade(s.resolved_database_url))
    click.echo("schema is up to date")


def server_config(app: Starlette, s: Settings, host: str | None, port: int | None) -> uvicorn.Config:
    """How uvicorn serves ``app``: its logging configured with tokens redacted, client frames kept small."""
    import uvicorn

    # The sans-I/O websockets implementation: the default one is deprecated by websockets itself.
    config = uvicorn.Config(app, host=host or s.host, port=port or s.port, log_level=s.log_level.lower(),
                            ws="websockets-sansio", ws_max_size=s.ws_max_message_bytes)
    redact_server_logs()  # after Config, which configures uvicorn's loggers
    return config


def serve_app(s: Settings, host: str | None, port: int | None, services: Sequence[Service]) -> None:
    """Serve the web app with ``services`` running beside it, until interrupted.

    Once they are all up, the start-up heap is settled (:mod:`callcenter.heap`).
    """
    import uvicorn

    from web.app import create_app

    server = uvicorn.Server(server_config(create_app(s, services=[*services, heap.settled]), s, host, port))
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it shut down on; uvicorn.run swallows it the same way
    if not server.started:
        sys.exit(3)  # as uvicorn.run does when start-up failed


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CALLCENTER_HOST).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: CALLCENTER_PORT).")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations before starting.")
@click.option("--telephony/--no-telephony", default=None,
              help="Run the AMI connector, call logger and FastAGI in this process "
                   "(default: CALLCENTER_EMBEDDED_TELEPHONY, on).")
def serve(host: str | None, port: int | None, no_migrate: bool, telephony: bool | None) -> None:
    """Run the web application and, on the embedded default, the telephony connector in the same process."""
    s = settings()
    if not no_migrate:
        run(upgrade(s.resolved_database_url))
    embedded = s.embedded_telephony if telephony is None else telephony
    services: list[Service] = [lambda engine, bus: telephony_running(s, engine, bus)] if embedded else []
    serve_app(s, host, port, services)


COMMANDS = [migrate, serve]
