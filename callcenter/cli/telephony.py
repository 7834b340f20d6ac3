"""The telephony side of a process: the AMI connector, the call logger, the FastAGI server, the dialer of
the outbound campaigns, the sweeper
that marks answered calls whose result never came, and the one that hands overdue callbacks on by each
team's policy (here because this process's bus reaches the desks, directly or through the broker).

``callcenter telephony`` runs them alone; ``serve`` and ``demo`` run them inside the web process (the
embedded default), through :func:`telephony_running`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter import heap
from callcenter.bus import EventBus
from callcenter.calls.journal import CallJournal
from callcenter.calls.logger import CallLogger, subscribe_call_logger, writer_engine
from callcenter.calls.wrapup import results_sweeper
from callcenter.cli.common import run, settings
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.fanout import fanout_running
from callcenter.recordings.retention import recordings_retention
from callcenter.settings import Settings
from callcenter.tasks.reassign import callbacks_sweeper
from dialer.engine import DialerEngine
from dialer.service import dialer_running
from telephony.agi.scripts import agi_server
from telephony.agi.server import AgiServer
from telephony.commands import CommandHandler, subscribe_commands
from telephony.connector import Connector, client_from_settings
from telephony.dialing import DialingHandler, subscribe_dialing
from telephony.pbx_records import records_from_settings
from telephony.tracker import CallTracker
from telephony.tracker.channels import TrackerConfig

log = logging.getLogger(__name__)


class PortTaken(OSError):
    """A port the process must listen on is in use; the message names the setting to change."""


@dataclass(frozen=True, slots=True)
class Telephony:
    """What :func:`telephony_running` started, for whoever needs to look at it (tests, the demo)."""

    connector: Connector
    logger: CallLogger
    agi: AgiServer | None
    commands: CommandHandler
    dialer: DialerEngine
    running: asyncio.Task[None]  # the connector's task: it ends only when the connector fails
    dialing: DialingHandler | None = None  # the dialer's commands: campaign calls and their hand-over


@contextlib.asynccontextmanager
async def agi_listening(s: Settings, engine: AsyncEngine) -> AsyncIterator[AgiServer]:
    """The FastAGI server, listening on the configured port until the block ends.

    A port already taken fails here, at start-up, naming the setting to change.
    """
    agi = agi_server(s, engine)
    try:
        await agi.start()
    except OSError as exc:
        raise PortTaken(f"FastAGI cannot listen on {agi.host}:{agi.port} ({exc.strerror or exc}); "
                        "set CALLCENTER_AGI_PORT to a free port") from exc
    try:
        yield agi
    finally:
        await agi.close()


@contextlib.asynccontextmanager
async def telephony_running(s: Settings, engine: AsyncEngine, bus: EventBus, *,
                            with_agi: bool = True) -> AsyncIterator[Telephony]:
    """Log every call the PBX reports and answer the dialplan's lookups, until the block ends.

    The process that logs the calls also marks those left without a result (:func:`results_sweeper`).
    FastAGI binds first, so a port conflict stops the start before the connector logs in. The bus stays
    the caller's to close; the calls the connector reported are written before the block ends.
    """
    writes = writer_engine(engine, writers=1)
    # The calls going on are kept beside the log, so that a process killed mid-call takes them up again.
    # A pool of its own: a save held up by a database that is away must not leave the logger without one.
    saves = writer_engine(engine, writers=1)
    journal = CallJournal(create_sessionmaker(saves), pbx=f"{s.ami_host}:{s.ami_port}")
    logger, subscription = subscribe_call_logger(bus, create_sessionmaker(writes), s.default_region,
                                                 transcribe=s.whisper_model is not None, journal=journal)
    async with contextlib.AsyncExitStack() as stack:
        if writes is not engine:
            stack.push_async_callback(writes.dispose)  # after the last calls are written, below
            stack.push_async_callback(saves.dispose)

        async def log_the_last_calls() -> None:
            # The connector is closed by now: what it published is handed to the writers, then written.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await subscription.queue.join()
            await logger.close()

        stack.push_async_callback(log_the_last_calls)
        agi = await stack.enter_async_context(agi_listening(s, engine)) if with_agi else None
        await stack.enter_async_context(results_sweeper(engine, s))
        await stack.enter_async_context(recordings_retention(engine, s))
        await stack.enter_async_context(callbacks_sweeper(engine, bus, every=s.callbacks_sweep_seconds,
                                                          own_default=s.operators_own_clients_only))
        # Before the connector: the calls it takes up after a restart must reach the dialer too.
        dialer = await stack.enter_async_context(dialer_running(engine, bus, s))
        tracker = CallTracker(TrackerConfig(dialer_contexts=frozenset({s.dialer_context})))
        connector = Connector(client_from_settings(s), bus, tracker, journal=journal, records=records_from_settings(s))
        commands, _ = subscribe_commands(connector, bus, s.dial_context)
        dialing, _ = subscribe_dialing(connector, bus, s.dialer_context)
        log.info("AMI connector for %s@%s:%s starting", s.ami_username, s.ami_host, s.ami_port)
        running = connector.start()
        stack.push_async_callback(connector.close)
        yield Telephony(connector, logger, agi, commands, dialer, running, dialing)


async def serve_telephony(s: Settings) -> None:
    """Run until cancelled: calls on Asterisk become call rows, and the dialplan's lookups are answered."""
    engine = create_engine(s.resolved_database_url)
    bus = EventBus()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if s.broker_url:
                await stack.enter_async_context(fanout_running(bus, s.broker_url, channel=s.broker_channel))
            else:
                log.warning("CALLCENTER_BROKER_URL is empty: calls are logged, but web processes get no pops "
                            "and no desk commands reach the PBX")
            telephony = await stack.enter_async_context(telephony_running(s, engine, bus))
            heap.settle()
            # A connector that fails ends the process (with its reason logged), so a supervisor restarts it.
            await telephony.running
    finally:
        await bus.close()
        await engine.dispose()


@click.command()
def telephony() -> None:
    """Run the Asterisk connector (AMI) and the FastAGI server alone, until interrupted."""
    s = settings()
    try:
        run(serve_telephony(s), fast_loop=True)
    except KeyboardInterrupt:
        click.echo("stopped")


COMMANDS = [telephony]
