"""The bus subscriber that logs every finished call: one ``record_call`` per ``CallEnded``.

A call's write is a handful of round trips and a commit, so one writer at a time would cap the rate at
what the database's latency allows (about 25 calls a second on a busy two-core machine); several writers
run side by side instead. Calls from the same number always go to the same writer, in order, so that a
caller's missed calls still share one callback and a repeated summary still follows the first. The queues
have no bound: a burst the database cannot keep up with is written late, never dropped.

Each call gets its own session, so one failure cannot poison the next. A database error (the server
restarting, a dropped connection, a locked SQLite file) is retried with capped exponential backoff until
it goes through: ``record_call`` is idempotent per linkedid, so a retry after an unclear failure cannot
log a call twice. Integrity errors other than the linkedid guard (which ``record_call`` absorbs) are not
transient, nor are data and SQL errors: those are logged and the call is given up rather than retried
for ever.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.bus import EventBus, Subscription
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.calls.services import RecordedCall, record_call

log = logging.getLogger(__name__)

TRANSIENT = (DBAPIError, OSError, TimeoutError)
# Errors that come back the same however often the write is tried: a bad row, not a bad moment.
PERMANENT = (IntegrityError, DataError, ProgrammingError)


class CallLogger:
    """Persists each ``CallEnded`` it is handed; counts what it logged and what it retried."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], region: str, *,
                 retry_initial: float = 0.5, retry_max: float = 30.0, writers: int = 4) -> None:
        self.sessions = sessions
        self.region = region
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.logged = 0
        self.retries = 0
        self._queues: list[asyncio.Queue[CallSummary]] = [asyncio.Queue() for _ in range(max(1, writers))]
        self._writers: list[asyncio.Task[None]] = []

    async def __call__(self, event: Any) -> None:
        if isinstance(event, CallEnded):
            if not self._writers:
                self._writers = [asyncio.create_task(self._write(queue), name=f"call-writer-{n}")
                                 for n, queue in enumerate(self._queues)]
            # Same number, same writer: a caller's calls are written one after the other, in order.
            shard = zlib.crc32(event.summary.caller.encode()) % len(self._queues)
            self._queues[shard].put_nowait(event.summary)

    async def _write(self, queue: asyncio.Queue[CallSummary]) -> None:
        while True:
            summary = await queue.get()
            try:
                await self.log_call(summary)
            except Exception:  # log_call gives up on bad rows itself; anything else must not stop the writer
                log.exception("call %s could not be logged", summary.linkedid)
            finally:
                queue.task_done()

    @property
    def waiting(self) -> int:
        """Calls handed over and not yet written."""
        return sum(queue.qsize() for queue in self._queues)

    async def close(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Write what was handed over (for up to ``timeout`` seconds), then stop the writers."""
        try:
            async with asyncio.timeout(timeout):
                for queue in self._queues:
                    await queue.join()
        except TimeoutError:
            log.error("%d finished calls were not logged before the shutdown", self.waiting)
        for task in self._writers:
            task.cancel()
        await asyncio.gather(*self._writers, return_exceptions=True)
        self._writers = []

    async def log_call(self, summary: CallSummary) -> RecordedCall | None:
        """Record ``summary``, retrying database failures; None when it had to be given up."""
        delay = self.retry_initial
        while True:
            try:
                async with self.sessions() as db:
                    recorded = await record_call(db, summary, region=self.region)
            except PERMANENT:
                log.exception("call %s could not be logged", summary.linkedid)
                return None
            except TRANSIENT as exc:
                self.retries += 1
                log.warning("logging call %s failed (%s); retrying in %.1f s", summary.linkedid,
                            type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
                continue
            self.logged += 1
            return recorded


def subscribe_call_logger(bus: EventBus, sessions: async_sessionmaker[AsyncSession], region: str,
                          **kwargs: Any) -> tuple[CallLogger, Subscription]:
    """Attach a :class:`CallLogger` to ``bus``."""
    logger = CallLogger(sessions, region, **kwargs)
    # Unbounded: a burst the database cannot keep up with is written late, never dropped.
    return logger, bus.subscribe(logger, name="call-logger", maxsize=0)
