"""Re-importing a file of clients that are all in the base already: the duplicate checks' cost.

    .venv/bin/python benchmarks/import_duplicates.py [--rows 10000] [--backend sqlite|postgresql|both]
        [--database-url postgresql://postgres@127.0.0.1/postgres]

For each backend: a fresh database (a temporary SQLite file, or a new database on the PostgreSQL server,
dropped at the end), migrated; a CSV of ``--rows`` clients, each with an INN, two phones, an e-mail and a
contact person with a phone, is imported once, then the same file again. The second import finds every
row a duplicate of an existing client and writes nothing; its time is the figure. Both imports run
through :func:`callcenter.importing.services.import_clients`, as ``callcenter import`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from callcenter.auth.principal import SYSTEM
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.importing.services import ImportMode, import_clients
from callcenter.taxid import with_check_digits


def clients_csv(rows: int) -> bytes:
    lines = ["name;tax_id;phones;emails;contact;contact_phone"]
    for i in range(rows):
        lines.append(
            f"ООО Клиент {i};{with_check_digits(f'{770000000 + i:09d}')};+7 913 {i:07d}, 8 914 {i:07d};"
            f"client{i}@example.ru;Контакт {i};+7 915 {i:07d}"
        )
    return "\n".join(lines).encode()


def _dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@asynccontextmanager
async def database(backend: str, server_url: str) -> AsyncIterator[str]:
    """A migrated, empty database's SQLAlchemy URL, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await upgrade(url)
            yield url
        return
    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = _dsn(server_url, make_url(server_url).database or "postgres")
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        rendered = make_url(server_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False)
        await upgrade(rendered)
        yield rendered
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def measure(backend: str, server_url: str, rows: int) -> None:
    data = clients_csv(rows)
    async with database(backend, server_url) as url:
        engine = create_engine(url)
        sessions = create_sessionmaker(engine)
        try:
            timings: list[float] = []
            for attempt in range(2):
                async with sessions() as db:
                    started = time.perf_counter()
                    report = await import_clients(
                        db, SYSTEM, filename="clients.csv", data=data, mode=ImportMode.GOOD_ROWS, region="RU"
                    )
                    timings.append(time.perf_counter() - started)
                expected = (rows, 0) if attempt == 0 else (0, rows)
                if (report.imported, report.bad_rows) != expected:
                    raise SystemExit(f"{backend}: import {attempt + 1} gave {report.imported} imported, "
                                     f"{report.bad_rows} bad; expected {expected}")
        finally:
            await engine.dispose()
    print(f"{backend:<10} {rows:>7,} rows   first import {timings[0]:7.2f} s   "
          f"re-import (all duplicates) {timings[1]:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/postgres",
                        help="a PostgreSQL server (any database on it); a new database is created there")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(measure(backend, args.database_url, args.rows))


if __name__ == "__main__":
    main()
