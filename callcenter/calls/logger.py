"""The bus subscriber that logs every finished call: one ``record_call`` per ``CallEnded``.

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
                 retry_initial: float = 0.5, retry_max: float = 30.0) -> None:
        self.sessions = sessions
        self.region = region
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.logged = 0
        self.retries = 0

    async def __call__(self, event: Any) -> None:
        if isinstance(event, CallEnded):
            await self.log_call(event.summary)

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
