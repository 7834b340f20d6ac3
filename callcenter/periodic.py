"""Work done in rounds, every so many seconds, beside the rest of a process (the results sweeper, the
recordings' retention).

Each round is awaited whole: one that fails is logged and the next one tries again, and at the end of
the block the round in progress is let finish (for up to ten seconds), since one cut off mid-query would
leave its connection behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def every(seconds: float, work: Callable[[], Awaitable[object]], *, name: str,
                finish_within: float = 10.0) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``work`` now and every ``seconds`` seconds until the block ends."""
    stop = asyncio.Event()

    async def rounds() -> None:
        while not stop.is_set():
            try:
                await work()
            except (DBAPIError, OSError, TimeoutError) as exc:
                log.warning("%s failed (%s: %s); trying again in %.0f s", name, type(exc).__name__, exc, seconds)
            except Exception:
                log.exception("%s failed; trying again in %.0f s", name, seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    task = asyncio.get_running_loop().create_task(rounds(), name=name)
    try:
        yield task
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=finish_within)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
