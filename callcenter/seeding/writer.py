"""Writing generated batches in bulk, one transaction per batch.

Rows are turned into tuples with the columns' own bind processors (so values are stored exactly as the
ORM would store them), then handed to the driver in one go: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Going through SQLAlchemy's per-row parameter handling would cost more than the inserts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callcenter.models import (
    Call,
    Claim,
    Client,
    ClientContact,
    ContactPerson,
    Deal,
    Email,
    Interaction,
    Phone,
    Sale,
    Task,
)
from callcenter.seeding.batch import TABLES, Batch, NextIds, Row

TABLE_OBJECTS: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (Client, ContactPerson, ClientContact, Phone, Email, Interaction, Call, Task, Deal, Sale, Claim)
}
CHUNK = 5000
# SQLite's page cache while seeding (negative: KiB); the random-order indexes outgrow the 2 MB default.
SEED_CACHE_KIB = 256 * 1024


class Encoder:
    """Turns row dicts of one table into tuples of driver values, in ``columns`` order."""

    def __init__(self, table: Table, dialect: Dialect, columns: list[str]) -> None:
        self.columns = columns
        self._get = itemgetter(*columns)
        # The dialect's own implementation of each type: the generic one would leave datetimes to the driver's
        # default formatting on SQLite and turn Decimals into floats on PostgreSQL.
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        self._converters: list[tuple[int, Callable[[Any], Any]]] = [
            (i, proc) for i, proc in enumerate(processors) if proc is not None
        ]

    def encode(self, rows: list[Row]) -> list[tuple[Any, ...]]:
        get, converters = self._get, self._converters
        if len(self.columns) == 1:
            return [(get(row),) for row in rows]
        if not converters:
            return [get(row) for row in rows]
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(get(row))
            for i, convert in converters:
                value = values[i]
                if value is not None:
                    values[i] = convert(value)
            out.append(tuple(values))
        return out


@dataclass(slots=True)
class Encoded:
    """A batch as driver-ready tuples, table by table, parents first (small to send between processes)."""

    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]]
    counts: dict[str, int]
    next_ids: NextIds


def encode_batch(batch: Batch, dialect: Dialect) -> Encoded:
    """Plain CPU work: run it off the event loop, beside the generation it follows."""
    tables = []
    for name in TABLES:
        rows = batch.rows[name]
        if rows:
            encoder = Encoder(TABLE_OBJECTS[name], dialect, list(rows[0]))
            tables.append((name, encoder.columns, encoder.encode(rows)))
    return Encoded(tables, batch.counts(), batch.next_ids)


async def next_ids(conn: AsyncConnection) -> NextIds:
    """One past the highest id in use in every table the seed writes."""
    values: dict[str, int] = {}
    for name in NextIds().names():
        table = TABLE_OBJECTS[name]
        values[name] = (await conn.scalar(select(func.max(table.c.id))) or 0) + 1
    return NextIds(**values)


@asynccontextmanager
async def bulk_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection tuned for bulk writes for the whole run, restored before it goes back to the pool."""
    async with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            yield conn
            return
        # Foreign keys are checked row by row, which costs a quarter of the insert time; the generated rows
        # reference only ids generated with them. PRAGMAs take effect outside a transaction only.
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.exec_driver_sql(f"PRAGMA cache_size=-{SEED_CACHE_KIB}")
        await conn.commit()
        try:
            yield conn
        finally:
            await conn.rollback()
            await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            await conn.exec_driver_sql("PRAGMA cache_size=-2000")
            await conn.commit()


async def write_batch(conn: AsyncConnection, encoded: Encoded) -> None:
    """Insert every row of the batch, parents first, in one transaction."""
    async with conn.begin():
        if conn.dialect.name == "postgresql":
            await _copy(conn, encoded)
            await advance_sequences(conn, encoded.next_ids)
            return
        quote = conn.dialect.identifier_preparer.quote
        for name, columns, tuples in encoded.tables:
            sql = f"INSERT INTO {quote(name)} ({', '.join(map(quote, columns))}) VALUES ({', '.join('?' * len(columns))})"
            for start in range(0, len(tuples), CHUNK):
                await conn.exec_driver_sql(sql, tuples[start : start + CHUNK])


async def _copy(conn: AsyncConnection, encoded: Encoded) -> None:
    # A first statement through SQLAlchemy opens the transaction that COPY then runs in.
    await conn.execute(text("SELECT 1"))
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    for name, columns, tuples in encoded.tables:
        await driver.copy_records_to_table(name, records=tuples, columns=columns)


async def advance_sequences(conn: AsyncConnection, ids: NextIds) -> None:
    """Rows carry explicit ids, which PostgreSQL's sequences do not see; move them past the ids used."""
    for name in ids.names():
        await conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value, false)"),
            {"table": name, "value": max(getattr(ids, name), 1)},
        )
