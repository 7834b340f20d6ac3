"""The bus subscriber that logs every finished call it is handed (``CallEnded``).

Calls are written in batches: a writer takes what has piled up on its queue, after lingering a moment
(``linger``, 0.2 s) so that a busy PBX's calls share a transaction, and logs them with
:func:`callcenter.calls.services.record_calls`: one commit and a handful of multi-row statements for the
lot. A call costs a fraction of the database's and the process's CPU it costs written alone, which matters
because the logger shares its machine with the screen-pop (see ``docs/decisions.md`` › Call logging). A
burst the database cannot keep up with only makes the batches bigger; the queues have no bound, so it is
written late, never dropped.

There is one writer by default. With several, calls from the same number always go to the same writer,
in order, so that a caller's missed calls still share one callback and a repeated summary still follows
the first.

A database that is away (the server restarting, a dropped connection, a locked SQLite file) is waited out
with capped exponential backoff until the write goes through: logging is idempotent per linkedid, so a retry
after an unclear failure cannot log a call twice. Any other failure (a value the database refuses, a
constraint, a bug) would come back however often it is tried, and retrying it would stop every call behind
it: the batch is then written call by call, and a call that fails alone is kept aside in ``unlogged_calls``
with its reason and counted (``given_up``) while logging goes on (:mod:`callcenter.calls.failures`).
Strings from the PBX are cleaned of control characters first, so a NUL in a caller id costs nothing.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.bus import EventBus, Subscription
from callcenter.calls.cleaning import clean_summary
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.calls.failures import database_away, set_aside
from callcenter.calls.journal import CallJournal
from callcenter.calls.services import RecordedCall, record_calls
from callcenter.db.engine import create_engine

log = logging.getLogger(__name__)


class CallLogger:
    """Persists each ``CallEnded`` it is handed; counts what it logged and what it retried."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], region: str, *,
                 retry_initial: float = 0.5, retry_max: float = 30.0, writers: int = 1, batch_size: int = 200,
                 linger: float = 0.2, transcribe: bool = False, journal: CallJournal | None = None) -> None:
        self.sessions = sessions
        self.journal = journal  # the calls going on, forgotten there once logged
        self.given_up = 0  # calls that could not be written, kept aside in unlogged_calls
        self.region = region
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.batch_size, self.linger = batch_size, linger
        self.transcribe = transcribe  # queue a transcription for each call with a recording
        self.logged = 0
        self.batches = 0  # transactions that wrote calls
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
            # Whatever piled up while the last batch was written goes in the next: one transaction for many
            # calls is what lets the writer catch up after a burst.
            batch = [await queue.get()]
            if self.linger:
                await asyncio.sleep(self.linger)
            while len(batch) < self.batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self.log_calls(batch)
            except Exception:  # log_calls gives up on bad rows itself; anything else must not stop the writer
                log.exception("%d calls could not be logged: %s", len(batch), ", ".join(s.linkedid for s in batch))
            finally:
                for _ in batch:
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
        return (await self.log_calls([summary]))[0]

    async def log_calls(self, summaries: list[CallSummary]) -> list[RecordedCall | None]:
        """Record ``summaries`` together, waiting out a database that is away; any other failure is sorted out
        call by call, and a call that cannot be written alone is kept aside (None) while the rest go on."""
        summaries = [clean_summary(s) for s in summaries]
        delay = self.retry_initial
        while True:
            try:
                async with self.sessions() as db:
                    recorded: list[RecordedCall | None] = list(
                        await record_calls(db, summaries, region=self.region, transcribe=self.transcribe))
            except Exception as exc:
                if not database_away(exc):
                    if len(summaries) > 1:  # find the bad one: the others are written
                        return [await self.log_call(summary) for summary in summaries]
                    self.given_up += 1
                    await set_aside(self.sessions, summaries[0], exc)
                    await self._forget(summaries)
                    return [None]
                self.retries += 1
                log.warning("logging %d calls (%s) failed (%s); retrying in %.1f s", len(summaries),
                            summaries[0].linkedid, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
                continue
            self.logged += len(summaries)
            self.batches += 1
            await self._forget(summaries)
            return recorded

    async def _forget(self, summaries: list[CallSummary]) -> None:
        if self.journal is None:
            return
        try:
            await self.journal.forget([s.linkedid for s in summaries])
        except Exception as exc:  # a row left there only closes a logged call again, which changes nothing
            log.warning("logged calls stay in the live-call journal (%s)", exc)


def writer_engine(engine: AsyncEngine, writers: int) -> AsyncEngine:
    """The engine the writers write through: on PostgreSQL a pool of their own, one connection a writer.

    Without the pre-ping, which costs round trips on every checkout: a write that meets a dead connection
    fails as a transient error and is retried on a fresh one. SQLite keeps the engine it was given, since a
    second pool on the file would only add locking.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return create_engine(engine.url.render_as_string(hide_password=False), pool_size=writers, max_overflow=0,
                         pool_pre_ping=False)


def subscribe_call_logger(bus: EventBus, sessions: async_sessionmaker[AsyncSession], region: str,
                          **kwargs: Any) -> tuple[CallLogger, Subscription]:
    """Attach a :class:`CallLogger` to ``bus``."""
    logger = CallLogger(sessions, region, **kwargs)
    # Unbounded: a burst the database cannot keep up with is written late, never dropped.
    return logger, bus.subscribe(logger, name="call-logger", maxsize=0)
