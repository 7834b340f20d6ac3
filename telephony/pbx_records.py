"""Reading the PBX's own record of calls (Asterisk's CEL), where the CRM can reach it: a table that
``cel_odbc`` writes (PostgreSQL or any database SQLAlchemy speaks), or the CSV file ``cel_custom`` writes
on the same host. See docs/asterisk.md › True times after an outage for the Asterisk side.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import column, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from callcenter.settings import Settings
from telephony.tracker.pbx_record import CelEvent, cause_in

log = logging.getLogger(__name__)

# The end of the CSV file read: the file only grows, and the calls asked about ended minutes ago at most.
TAIL_BYTES = 8 * 1024 * 1024


class PbxRecords(Protocol):
    async def events(self, linkedids: list[str]) -> list[CelEvent]: ...


def _utc(value: datetime | str) -> datetime:
    # cel_odbc writes UTC with usegmtime = yes, in a column without a zone (SQLite hands back its text)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_cel_csv(text: str, wanted: set[str]) -> list[CelEvent]:
    """Rows of ``cel_custom``'s file that belong to ``wanted`` Linkedids. The first five columns must be
    eventtype, eventtime (epoch seconds), channel, uniqueid, linkedid; a later column holding the event's
    extra gives a HANGUP's cause; other columns and lines are ignored."""
    out: list[CelEvent] = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 5 or row[4] not in wanted:
            continue
        try:
            at = datetime.fromtimestamp(float(row[1]), UTC)
        except (ValueError, OverflowError):
            continue  # a header, or a line cut by the tail
        cause = next((c for extra in row[5:] if (c := cause_in(extra)) is not None), None) \
            if row[0] == "HANGUP" else None
        out.append(CelEvent(row[0], at, row[2], row[3], row[4], cause))
    return out


class CelCsvFile:
    """``cel_custom``'s ``Master.csv``, read from its end."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _tail(self) -> str:
        with self.path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - TAIL_BYTES))
            return f.read().decode("utf-8", "replace")

    async def events(self, linkedids: list[str]) -> list[CelEvent]:
        wanted = set(linkedids)
        # Megabytes of CSV: read and parsed off the event loop.
        return await asyncio.to_thread(lambda: parse_cel_csv(self._tail(), wanted))


class CelTable:
    """The ``cel`` table ``cel_odbc`` writes."""

    def __init__(self, engine: AsyncEngine, name: str = "cel") -> None:
        self.engine = engine
        self.table = table(name, column("eventtype"), column("eventtime"), column("channame"), column("uniqueid"),
                           column("linkedid"), column("extra"))

    async def events(self, linkedids: list[str]) -> list[CelEvent]:
        t = self.table.c
        query = select(t.eventtype, t.eventtime, t.channame, t.uniqueid, t.linkedid, t.extra).where(
            t.linkedid.in_(linkedids))
        async with self.engine.connect() as conn:
            rows = list(await conn.execute(query))
        return [CelEvent(str(r[0]), _utc(r[1]), str(r[2] or ""), str(r[3] or ""), str(r[4]),
                         cause_in(r[5]) if r[0] == "HANGUP" else None) for r in rows]


def records_from_settings(s: Settings) -> PbxRecords | None:
    """The PBX record the settings name (the table first), or None: times after an outage stay estimates."""
    if s.pbx_cel_url:
        return CelTable(create_async_engine(s.pbx_cel_url, poolclass=NullPool), s.pbx_cel_table)
    if s.pbx_cel_csv is not None:
        return CelCsvFile(s.pbx_cel_csv)
    return None
