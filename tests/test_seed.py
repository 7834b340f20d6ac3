"""Demo seeding writes valid, consistent data, fast, and can be run again on the same database."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import SYSTEM
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import MIGRATIONS_DIR, alembic_config, upgrade
from callcenter.dossier.services import dossier_by_phone
from callcenter.models import (
    Call,
    Claim,
    Client,
    ContactPerson,
    Deal,
    Disposition,
    Email,
    FunnelStage,
    Interaction,
    Phone,
    Sale,
    Task,
    Team,
    User,
)
from callcenter.names import search_form
from callcenter.phones import to_e164
from callcenter.seeding import DEMO_PASSWORD, DEMO_USERS, seed_demo
from callcenter.seeding import seed as seed_module
from callcenter.seeding.batch import Context, NextIds
from callcenter.seeding.catalogues import DEFAULT_DISPOSITIONS, DEFAULT_STAGES
from callcenter.seeding.generate import generate_batch
from callcenter.seeding.pools import build_pools
from callcenter.taxid import inn_error
from tests.conftest import PG_URL, create_pg_database, drop_pg_database


async def _count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def _column(engine: AsyncEngine, *columns: object) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(select(*columns))).all()]  # type: ignore[call-overload]


async def test_seed_writes_valid_consistent_data(db_engine: AsyncEngine) -> None:
    report = await seed_demo(db_engine, clients=200, seed=7, progress=False)

    assert report.rows["clients"] == await _count(db_engine, Client) == 200
    for model in (Phone, Email, ContactPerson, Interaction, Call, Task, Deal, Sale, Claim):
        assert report.rows[model.__tablename__] == await _count(db_engine, model) > 0, model.__tablename__
    assert set(report.users_created) == {login for login, _ in DEMO_USERS}

    users = {u.login: u for u in await _users(db_engine)}
    assert [users[f"operator{i}"].extension for i in range(1, 6)] == ["101", "102", "103", "104", "105"]
    assert [users[f"operator{i}"].agent_interface for i in range(1, 6)] == [f"PJSIP/10{i}" for i in range(1, 6)]
    assert len({users[f"operator{i}"].team_id for i in range(1, 6)}) == 2
    assert await _count(db_engine, Team) == 2
    operator_ids = {users[f"operator{i}"].id for i in range(1, 6)}

    clients = await _column(db_engine, Client.kind, Client.name, Client.name_search, Client.tax_id, Client.owner_id)
    assert {kind for kind, *_ in clients} == {"company", "person"}
    assert any(name.startswith(("ООО", "АО", "ИП")) for _, name, *_ in clients)  # type: ignore[union-attr]
    assert any(name.endswith(("Ltd", "LLC", "Inc")) for _, name, *_ in clients)  # type: ignore[union-attr]
    assert all(search == search_form(name) for _, name, search, *_ in clients)  # type: ignore[arg-type]
    tax_ids = [tax_id for *_, tax_id, _ in clients if tax_id]
    assert len(tax_ids) > 100 and len(set(tax_ids)) == len(tax_ids)
    assert [t for t in tax_ids if inn_error(t)] == []  # type: ignore[arg-type]
    assert {owner for *_, owner in clients} == operator_ids

    phones = await _column(db_engine, Phone.raw, Phone.e164)
    assert [(raw, e164) for raw, e164 in phones if to_e164(raw) != e164] == []  # type: ignore[arg-type]
    assert len({e164 for _, e164 in phones}) == len(phones)
    assert len({raw[:2] for raw, _ in phones}) > 2  # written in several forms  # type: ignore[index]

    now = datetime.now(UTC)
    tasks = await _column(db_engine, Task.status, Task.due_at)
    assert any(status == "open" and due < now for status, due in tasks)  # type: ignore[operator]
    assert any(status == "open" and due > now for status, due in tasks)  # type: ignore[operator]
    assert any(status == "done" for status, _ in tasks)
    deal_stages = await _column(db_engine, Deal.status)
    assert {status for (status,) in deal_stages} == {"open", "won", "lost"}
    sold = [day for (day,) in await _column(db_engine, Sale.sold_on)]
    assert (max(sold) - min(sold)).days > 365  # type: ignore[operator]
    linkedids = [lid for (lid,) in await _column(db_engine, Call.linkedid)]
    assert len(set(linkedids)) == len(linkedids)
    results = await _column(db_engine, Interaction.disposition_id)
    assert sum(1 for (d,) in results if d is not None) > len(results) / 2

    if db_engine.dialect.name == "sqlite":
        async with db_engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all() == []
            # Stored exactly as the ORM stores them, so that comparisons between the two work as text.
            odd = "SELECT count(*) FROM interactions WHERE occurred_at NOT LIKE '____-__-__ __:__:__.______'"
            assert (await conn.exec_driver_sql(odd)).scalar() == 0
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1


async def _users(engine: AsyncEngine) -> list[User]:
    async with create_sessionmaker(engine)() as db:
        return list(await db.scalars(select(User)))


async def test_dossier_of_a_seeded_phone(db_engine: AsyncEngine) -> None:
    await seed_demo(db_engine, clients=200, progress=False)
    async with db_engine.connect() as conn:
        # The client with the longest history, by one of its own numbers.
        client_id = await conn.scalar(
            select(Interaction.client_id).group_by(Interaction.client_id).order_by(func.count().desc()).limit(1)
        )
        raw = await conn.scalar(select(Phone.raw).where(Phone.client_id == client_id).limit(1))
    async with create_sessionmaker(db_engine)() as db:
        dossier = await dossier_by_phone(db, SYSTEM, to_e164(raw))
    assert dossier is not None
    assert dossier["client"]["id"] == client_id
    assert dossier["owner"]["login"].startswith("operator")
    assert 0 < len(dossier["interactions"]) <= 10
    assert any(i["result"] is not None for i in dossier["interactions"])


async def test_second_run_adds_without_collisions(db_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await seed_demo(db_engine, clients=150, progress=False)
    # The second run makes its batches in a separate process, as large runs do.
    monkeypatch.setattr(seed_module, "PROCESS_THRESHOLD", 0)
    second = await seed_demo(db_engine, clients=150, progress=False)
    assert second.users_created == ()
    assert await _count(db_engine, Client) == 300
    assert await _count(db_engine, User) == len(DEMO_USERS)
    for model in (Interaction, Call, Sale):
        assert await _count(db_engine, model) == first.rows[model.__tablename__] + second.rows[model.__tablename__]
    names = [name for (name,) in await _column(db_engine, Client.name)]
    assert names[:150] != names[150:]  # a second run adds new clients, not the first run's again
    tax_ids = [t for (t,) in await _column(db_engine, Client.tax_id) if t]
    assert len(set(tax_ids)) == len(tax_ids)
    e164s = [e for (e,) in await _column(db_engine, Phone.e164)]
    assert len(set(e164s)) == len(e164s)
    # Ids handed out by the database after seeding (PostgreSQL sequences) do not collide with seeded ones.
    async with create_sessionmaker(db_engine)() as db:
        client = Client(kind="company", name="После сида", name_search="после сида", name_key="после сида")
        db.add(client)
        await db.flush()
        db.add(Interaction(kind="note", client_id=client.id, subject="проверка"))
        await db.commit()
        assert client.id > 300


def test_generation_is_reproducible() -> None:
    ctx = Context(
        now=datetime(2026, 1, 15, 12, tzinfo=UTC), operator_ids=(1, 2), extensions={1: "101", 2: "102"},
        creator_ids=(3,), dispositions={code: i for i, (code, _, _) in enumerate(DEFAULT_DISPOSITIONS, 1)},
        stages={code: i for i, (code, _, _) in enumerate(DEFAULT_STAGES, 1)},
    )
    one = generate_batch(ctx, build_pools(3), NextIds(), 50, 3)
    two = generate_batch(ctx, build_pools(3), NextIds(), 50, 3)
    other = generate_batch(ctx, build_pools(3), NextIds(clients=51), 50, 3)
    assert one.rows == two.rows
    assert [c["name"] for c in one.rows["clients"]] != [c["name"] for c in other.rows["clients"]]


def _migration_0002() -> ModuleType:
    path = MIGRATIONS_DIR / "versions" / "0002_default_catalogues.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_defaults_match_migration_0002() -> None:
    module = _migration_0002()
    assert tuple(module.DISPOSITIONS) == DEFAULT_DISPOSITIONS
    assert tuple(module.STAGES) == DEFAULT_STAGES


async def _step(url: str, direction: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: Connection) -> None:
                config = alembic_config(url)
                config.attributes["connection"] = sync_conn
                getattr(command, direction)(config, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def _catalogues(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            dispositions = (await conn.execute(
                select(Disposition.code, Disposition.counts_as_result, Disposition.is_active)
                .order_by(Disposition.sort_order)
            )).all()
            stages = (await conn.execute(
                select(FunnelStage.code, FunnelStage.is_closed).order_by(FunnelStage.sort_order)
            )).all()
        return [tuple(r) for r in dispositions], [tuple(r) for r in stages]
    finally:
        await engine.dispose()


async def test_migration_0002_inserts_and_removes_the_catalogues(tmp_path: Path) -> None:
    urls = [f"sqlite+aiosqlite:///{tmp_path}/catalogues.db"]
    if PG_URL:
        urls.append(await create_pg_database())
    try:
        for url in urls:
            await upgrade(url, "0001")
            assert await _catalogues(url) == ([], [])
            await upgrade(url, "0002")
            dispositions, stages = await _catalogues(url)
            assert dispositions == [(code, counts, True) for code, _, counts in DEFAULT_DISPOSITIONS]
            assert ("sale", True, True) in dispositions and ("not_interested", False, True) in dispositions
            assert stages == [(code, closed) for code, _, closed in DEFAULT_STAGES]
            assert {code for code, closed in stages if closed} == {"won", "lost"}
            await _step(url, "downgrade", "0001")
            assert await _catalogues(url) == ([], [])
            await upgrade(url)
            assert len((await _catalogues(url))[0]) == len(DEFAULT_DISPOSITIONS)
    finally:
        for url in urls[1:]:
            await drop_pg_database(url)


def test_seed_command(tmp_path: Path) -> None:
    env = {**os.environ, "CALLCENTER_DATA_DIR": str(tmp_path / "data"), "CALLCENTER_DATABASE_URL": ""}
    cli = [str(Path(sys.executable).parent / "callcenter"), "seed", "--clients", "40", "--no-progress"]
    out = subprocess.run(cli, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "clients: 40" in out and f"demo password: {DEMO_PASSWORD}" in out
    out = subprocess.run(cli, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "clients: 40" in out and "demo password" not in out
