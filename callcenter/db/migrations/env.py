"""Alembic environment: uses the connection handed in by callcenter.db.migrate, or opens one."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import callcenter.models  # noqa: F401  (registers the tables)
from callcenter.db.base import Base
from callcenter.db.engine import create_engine
from callcenter.db.migrate import include_object

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(context.config.get_main_option("sqlalchemy.url") or ""))
