"""The migrations build exactly the schema the models describe, and unwind, on each backend."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import callcenter.models  # noqa: F401
from callcenter.db.base import Base
from callcenter.db.engine import create_engine
from callcenter.db.migrate import alembic_config, include_object, upgrade
from tests.conftest import PG_URL, create_pg_database, drop_pg_database


async def test_models_and_migrations_agree(db_engine: AsyncEngine) -> None:
    def diff(sync_conn: Connection) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, Base.metadata)

    async with db_engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    urls = [f"sqlite+aiosqlite:///{tmp_path}/roundtrip.db"]
    if PG_URL:
        urls.append(await create_pg_database())
    try:
        for url in urls:
            await upgrade(url)
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:

                    def down(sync_conn: Connection) -> list[str]:
                        config = alembic_config(url)
                        config.attributes["connection"] = sync_conn
                        command.downgrade(config, "base")
                        return inspect(sync_conn).get_table_names()

                    tables = await conn.run_sync(down)
                assert set(tables) <= {"alembic_version"}
            finally:
                await engine.dispose()
            await upgrade(url)
    finally:
        for url in urls[1:]:
            await drop_pg_database(url)
