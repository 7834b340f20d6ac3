"""A unit of work for code outside a web request (commands, workers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.db.engine import create_engine, create_sessionmaker


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
