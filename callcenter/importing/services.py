"""Importing clients or sales from a CSV or XLSX file and exporting clients, for the command line and the API.

An import reads the whole file, checks every row (the API's rules; for clients their owners and
duplicates in the file and in the base, for sales the client of each row and sales imported before) and
only then writes, in one transaction with one audit entry. ``atomic``: any bad row and nothing is
written. ``good_rows``: the good rows are written and the bad ones reported. A file that cannot be read
at all (unknown format, damaged, undecodable, too large, a needed column missing) raises
:class:`~callcenter.importing.reading.BadImportFile` (a 4xx domain error) before any row is looked at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import ValidationFailed
from callcenter.importing.checks import base_duplicates, file_duplicates, resolve_owners
from callcenter.importing.export import MEDIA_TYPES, ExportFile, build_export
from callcenter.importing.reading import BadImportFile, ImportTooLarge, Table, UnsupportedFormat, check_size, read_table
from callcenter.importing.report import ImportMode, ImportReport, OnDuplicate, RowError
from callcenter.importing.rows import map_header, prepare_rows
from callcenter.importing.sale_checks import already_imported, find_clients, repeated_refs, write_sales
from callcenter.importing.sale_rows import map_sale_header, prepare_sale_rows
from callcenter.importing.writer import write_clients

__all__ = [
    "BadImportFile",
    "ExportFile",
    "ImportMode",
    "ImportReport",
    "ImportTooLarge",
    "OnDuplicate",
    "RowError",
    "UnsupportedFormat",
    "export_clients",
    "export_file",
    "import_clients",
    "import_sales",
]


def _mode(value: ImportMode | str) -> ImportMode:
    try:
        return ImportMode(value)
    except ValueError:
        raise ValidationFailed({"mode": "must be atomic or good_rows"}) from None


def _on_duplicate(value: OnDuplicate | str) -> OnDuplicate:
    try:
        return OnDuplicate(value)
    except ValueError:
        raise ValidationFailed({"on_duplicate": "must be skip or create"}) from None


async def import_clients(
    db: AsyncSession,
    principal: Principal,
    *,
    filename: str,
    data: bytes,
    mode: ImportMode | str,
    region: str,
    on_duplicate: OnDuplicate | str = OnDuplicate.SKIP,
    ip: str | None = None,
) -> ImportReport:
    """Import the file's clients; the report lists every refused row with its number, field and reason."""
    principal.require(Permission.IMPORT)
    mode = _mode(mode)
    on_duplicate = _on_duplicate(on_duplicate)
    table = await _read(filename, data)
    found, ignored = map_header(table.header)
    rows, errors = await asyncio.to_thread(prepare_rows, table, found, region)
    try:
        refused: dict[int, list[RowError]] = {n: [e] for n, e in (await resolve_owners(db, principal, rows)).items()}
        rows = [r for r in rows if r.row not in refused]
        if on_duplicate == OnDuplicate.SKIP:
            refused.update(file_duplicates(rows))
            rows = [r for r in rows if r.row not in refused]
            refused.update({n: [e] for n, e in (await base_duplicates(db, rows)).items()})
            rows = [r for r in rows if r.row not in refused]
        errors.extend(e for row_errors in refused.values() for e in row_errors)
        outcome = _Outcome(len(table.rows), len(rows), errors, ignored)
        return await _conclude(
            db, principal, "client", outcome, mode, lambda: write_clients(db, rows), ip,
            filename=filename, on_duplicate=on_duplicate.value,
        )
    except BaseException:
        await db.rollback()
        raise


async def import_sales(
    db: AsyncSession,
    principal: Principal,
    *,
    filename: str,
    data: bytes,
    mode: ImportMode | str,
    region: str,
    ip: str | None = None,
) -> ImportReport:
    """Import the file's sales (see :mod:`callcenter.importing.sale_rows` for the columns); a row whose
    external_ref was imported before is skipped and listed in the report's ``duplicates``."""
    principal.require(Permission.IMPORT)
    mode = _mode(mode)
    table = await _read(filename, data)
    found, ignored = map_sale_header(table.header)
    rows, errors = await asyncio.to_thread(prepare_sale_rows, table, found, region)
    try:
        duplicates = await already_imported(db, rows)
        rows = [r for r in rows if r.row not in duplicates]
        refused = repeated_refs(rows)
        refused.update(await find_clients(db, principal, [r for r in rows if r.row not in refused]))
        rows = [r for r in rows if r.row not in refused]
        errors.extend(refused.values())
        outcome = _Outcome(len(table.rows), len(rows), errors, ignored, sorted(duplicates.values(), key=_by_row))
        return await _conclude(
            db, principal, "sale", outcome, mode, lambda: write_sales(db, rows), ip, filename=filename
        )
    except BaseException:
        await db.rollback()
        raise


async def _read(filename: str, data: bytes) -> Table:
    check_size(len(data))
    return await asyncio.to_thread(read_table, filename, data)


@dataclass(slots=True)
class _Outcome:
    """An import's rows after every check: how many there were, how many may be written, what was refused."""

    total: int
    good: int
    errors: list[RowError]
    ignored: list[str]
    duplicates: list[RowError] = field(default_factory=list)


async def _conclude(
    db: AsyncSession,
    principal: Principal,
    entity: str,
    outcome: _Outcome,
    mode: ImportMode,
    write: Callable[[], Awaitable[None]],
    ip: str | None,
    **described: str,
) -> ImportReport:
    """Write the good rows with one audit entry and commit, unless the import is atomic and a row is bad."""
    errors = sorted(outcome.errors, key=_by_row)
    total = outcome.total
    if mode == ImportMode.ATOMIC and errors:
        await db.rollback()
        return ImportReport(total, 0, total, errors, committed=False, ignored_columns=outcome.ignored,
                            duplicates=outcome.duplicates)
    await write()
    counts = {"total_rows": total, "imported": outcome.good, "skipped": total - outcome.good, "errors": len(errors)}
    if outcome.duplicates:
        counts["duplicates"] = len(outcome.duplicates)
    audit.record(db, principal, "import", entity, None, {**described, "mode": mode.value, **counts}, ip)
    await db.commit()
    return ImportReport(total, outcome.good, total - outcome.good, errors, committed=True,
                        ignored_columns=outcome.ignored, duplicates=outcome.duplicates)


def _by_row(error: RowError) -> int:
    return error.row


async def export_file(
    db: AsyncSession, principal: Principal, *, fmt: str, q: str | None = None, region: str = "RU", ip: str | None = None
) -> ExportFile:
    """The clients ``principal`` may see (matching ``q``) as a file; the export itself is audited."""
    principal.require(Permission.EXPORT)
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed({"format": "must be csv or xlsx"})
    try:
        exported = await build_export(db, principal, fmt=fmt, q=q, region=region)
        changes = {"format": fmt, "q": q or "", "count": exported.count}
        audit.record(db, principal, "export", "client", None, changes, ip)
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return exported


async def export_clients(
    db: AsyncSession, principal: Principal, *, fmt: str, q: str | None = None, region: str = "RU", ip: str | None = None
) -> tuple[bytes, str, str]:
    """``(content, media type, filename)`` of the export; see :func:`export_file`."""
    exported = await export_file(db, principal, fmt=fmt, q=q, region=region, ip=ip)
    return exported.content, exported.media_type, exported.filename
