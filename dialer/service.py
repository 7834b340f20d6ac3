"""The dialer beside the rest of a process: subscribed to its bus, ticking every half second."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus
from callcenter.db.engine import create_sessionmaker
from callcenter.periodic import every
from callcenter.settings import Settings
from dialer.engine import DialerEngine


@contextlib.asynccontextmanager
async def dialer_running(engine: AsyncEngine, bus: EventBus, s: Settings) -> AsyncIterator[DialerEngine]:
    """Place the running campaigns' calls until the block ends.

    Subscribed before the AMI connection is up, so that the calls a restart takes up reach it too; the bus
    stays the caller's to close."""
    dialer = DialerEngine(create_sessionmaker(engine), bus, wrapup_s=s.dialer_wrapup_seconds,
                          max_lines=s.dialer_max_lines, region=s.default_region,
                          amd_false_positives=s.dialer_amd_false_positives,
                          result_window_s=float(s.result_window_seconds))
    # Unbounded: a lost event would leave an operator counted busy, or a call counted in flight, for good.
    bus.subscribe(dialer, name="dialer", maxsize=0)
    async with every(dialer.tick_s, dialer.tick, name="dialer", finish_within=5.0):
        yield dialer
