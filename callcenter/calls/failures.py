"""Telling a lost database from a bad call, and keeping the bad call aside.

Only a failure of the connection (the server restarting, a dropped socket, too many clients, a locked SQLite
file) is worth waiting out: the same write goes through later. Anything else (a value PostgreSQL refuses, a
constraint, a bug) fails the same way every time, and retrying it would stop every call behind it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import wire
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.controls import without_controls as clean
from callcenter.models import UnloggedCall

log = logging.getLogger(__name__)

# SQLSTATE classes and codes of a server or connection that is away, not of a bad statement: connection
# exceptions, insufficient resources, operator intervention (shutdown, restart), serialization and deadlock.
_PASSING_STATES = ("08", "53", "57P", "40001", "40P01", "55P03", "25006")  # 25006: read-only, mid-failover
_SQLITE_PASSING = ("locked", "busy", "unable to open")


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        orig = current.orig if isinstance(current, DBAPIError) else None
        # The driver's own error is where the SQLSTATE is; SQLAlchemy keeps it beside the chain, not in it.
        current = orig if isinstance(orig, BaseException) and orig not in seen else current.__cause__ or current.__context__
    return seen


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or held, rather than refused the write."""
    for cause in _causes(exc):
        if isinstance(cause, OSError | TimeoutError | PoolTimeout):  # a pool with no connection to give is away too
            return True
        if isinstance(cause, DBAPIError):
            if cause.connection_invalidated:
                return True
            if isinstance(cause.orig, OSError | TimeoutError):
                return True
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str) and state.startswith(_PASSING_STATES):
            return True
        if isinstance(cause, sqlite3.OperationalError) and any(w in str(cause).lower() for w in _SQLITE_PASSING):
            return True
    return False


async def set_aside(sessions: async_sessionmaker[AsyncSession], summary: CallSummary, exc: BaseException) -> bool:
    """Keep ``summary`` in ``unlogged_calls`` with why it could not be written; False when even that failed
    (the summary is then in the log, the last place left)."""
    kept = wire.encode(CallEnded(summary)).decode()
    reason = clean(f"{type(exc).__name__}: {exc}")[:4000]
    try:
        async with sessions() as db:
            db.add(UnloggedCall(linkedid=clean(summary.linkedid)[:150], reason=reason, summary=kept,
                                at=datetime.now(UTC)))
            await db.commit()
    except Exception:
        log.exception("call %s could not be logged nor kept aside: %s", summary.linkedid, kept)
        return False
    log.error("call %s could not be logged; kept aside in unlogged_calls: %s", summary.linkedid, reason)
    return True
