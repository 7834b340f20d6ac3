"""Importing clients from a CSV or XLSX file and exporting them, for the command line and the API.

An import reads the whole file, checks every row (the API's rules, owners, duplicates in the file and in
the base) and only then writes, in one transaction with one audit entry. ``atomic``: any bad row and
nothing is written. ``good_rows``: the good rows are written and the bad ones reported. A file that
cannot be read at all (unknown format, damaged, undecodable, too large, no name column) raises
:class:`~callcenter.importing.reading.BadImportFile` (a 4xx domain error) before any row is looked at.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import ValidationFailed
from callcenter.importing.checks import base_duplicates, file_duplicates, resolve_owners
from callcenter.importing.export import MEDIA_TYPES, ExportFile, build_export
from callcenter.importing.reading import BadImportFile, ImportTooLarge, UnsupportedFormat, check_size, read_table
from callcenter.importing.report import ImportMode, ImportReport, OnDuplicate, RowError
from callcenter.importing.rows import map_header, prepare_rows
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
    check_size(len(data))
    table = await asyncio.to_thread(read_table, filename, data)
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
        errors.sort(key=lambda e: e.row)
        total = len(table.rows)
        if mode == ImportMode.ATOMIC and errors:
            await db.rollback()
            return ImportReport(total, 0, total, errors, committed=False, ignored_columns=ignored)
        await write_clients(db, rows)
        counts = {"total_rows": total, "imported": len(rows), "skipped": total - len(rows), "errors": len(errors)}
        changes = {"filename": filename, "mode": mode.value, "on_duplicate": on_duplicate.value, **counts}
        audit.record(db, principal, "import", "client", None, changes, ip)
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return ImportReport(total, len(rows), total - len(rows), errors, committed=True, ignored_columns=ignored)


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
