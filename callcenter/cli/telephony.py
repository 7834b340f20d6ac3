"""``callcenter telephony``: the AMI connector, the call logger and the FastAGI server, on their own."""

from __future__ import annotations

import logging

import click

from callcenter.bus import EventBus
from callcenter.calls.logger import subscribe_call_logger
from callcenter.cli.common import run, settings
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.settings import Settings
from telephony.agi.scripts import agi_server
from telephony.connector import Connector, client_from_settings

log = logging.getLogger(__name__)


async def serve_telephony(s: Settings) -> None:
    """Run until cancelled: calls on Asterisk become call rows, and the dialplan's lookups are answered."""
    engine = create_engine(s.resolved_database_url)
    bus = EventBus()
    try:
        subscribe_call_logger(bus, create_sessionmaker(engine), s.default_region)
        connector = Connector(client_from_settings(s), bus)
        async with agi_server(s, engine):
            log.info("AMI connector for %s@%s:%s starting", s.ami_username, s.ami_host, s.ami_port)
            await connector.run()
    finally:
        await bus.close()
        await engine.dispose()


@click.command()
def telephony() -> None:
    """Run the Asterisk connector (AMI) and the FastAGI server alone, until interrupted."""
    s = settings()
    try:
        run(serve_telephony(s))
    except KeyboardInterrupt:
        click.echo("stopped")


COMMANDS = [telephony]
