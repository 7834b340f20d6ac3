"""The async engine and session factory for SQLite or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from callcenter.db.folding import SQLITE_FUNCTION, sqlite_search_form


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web pages read while the call logger writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # SQLite's lower() folds ASCII letters only; callcenter.db.folding needs the fold of every alphabet.
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, sqlite_search_form, deterministic=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine with the per-backend settings this project relies on."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # A restarted database leaves dead connections in the pool; test them before use.
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_lookup_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for one-statement reads on the hot path (the screen-pop), without the pre-ping.

    The pre-ping costs a round trip per checkout, as much again as the lookup itself; a lookup is a
    pure read, so :func:`callcenter.db.session.lookup` retries it once on a dead connection instead.
    """
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("pool_pre_ping", False)
    return create_engine(url, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
