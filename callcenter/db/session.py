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
