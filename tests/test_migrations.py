"""The migrations build exactly the schema the models describe, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import callcenter.models  # noqa: F401
from callcenter.db.base import Base


async def test_models_and_migrations_agree(db_engine: AsyncEngine) -> None:
    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, Base.metadata)

    async with db_engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
