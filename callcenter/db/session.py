"""A unit of work for code outside a web request (commands, workers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.db.engine import create_engine, create_sessionmaker

T = TypeVar("T")


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine that is disposed of on exit."""
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session that rolls back on error; callers commit explicitly."""
    async with create_sessionmaker(engine)() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def lookup_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for one-statement reads (the dossier): autocommit, so no BEGIN/ROLLBACK round trips.

    A single SELECT is consistent on its own; wrapping it in a transaction only adds two round trips
    to the path that has to be fastest, the screen-pop.
    """
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        async with AsyncSession(bind=autocommit) as session:
            yield session


async def lookup(engine: AsyncEngine, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run a read in a :func:`lookup_session`, once more on a fresh connection if the first was dead.

    A restarted database leaves dead connections in the pool; SQLAlchemy notices on first use and
    invalidates them. Reads are safe to repeat, so the caller never sees that.
    """
    try:
        async with lookup_session(engine) as session:
            return await work(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    async with lookup_session(engine) as session:
        return await work(session)
