"""Uploading a CSV or XLSX file of clients or of sales and reading the import's report."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.errors import DomainError
from callcenter.importing.services import ImportMode, ImportReport, OnDuplicate, import_clients, import_sales
from web.pages.context import Page, page

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
KINDS = ("clients", "sales")
# The service's own reasons for refusing a whole file, in the reader's language.
FILE_ERRORS = {"unsupported-format": "import.error.format", "import-too-large": "import.error.too_large"}


@page(permission=Permission.IMPORT)
async def import_page(pg: Page) -> Response:
    if pg.form is None:
        return await _show(pg, kind=KINDS[0], mode=ImportMode.ATOMIC.value, create_duplicates=False)
    modes = [m.value for m in ImportMode]
    mode = pg.value("mode", 20) if pg.value("mode", 20) in modes else ImportMode.ATOMIC.value
    kind = pg.value("kind", 20) if pg.value("kind", 20) in KINDS else KINDS[0]
    create_duplicates = pg.value("on_duplicate", 20) == OnDuplicate.CREATE.value
    upload = pg.upload("file")
    shown: dict[str, Any] = {"kind": kind, "mode": mode, "create_duplicates": create_duplicates}
    if upload is None:
        return await _show(pg, status=422, error="import.error.no_file", **shown)
    shown["filename"] = upload.filename or ""
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return await _show(pg, status=413, error="import.error.too_large", **shown)
    if not data:
        return await _show(pg, status=422, error="import.error.empty", **shown)
    try:
        report = await _import(pg, kind, upload.filename or "upload", data, ImportMode(mode), create_duplicates)
    except DomainError as exc:
        await pg.db.rollback()
        if exc.status in (401, 403):
            raise
        key = FILE_ERRORS.get(exc.error_id, "import.error.unreadable")
        return await _show(pg, status=exc.status, error=key, error_detail=exc.message, **shown)
    return await _show(pg, report=report, **shown)


async def _import(
    pg: Page, kind: str, filename: str, data: bytes, mode: ImportMode, create_duplicates: bool
) -> ImportReport:
    region = pg.settings.default_region
    if kind == "sales":
        return await import_sales(
            pg.db, pg.principal, filename=filename, data=data, mode=mode, region=region, ip=pg.ip
        )
    return await import_clients(
        pg.db, pg.principal, filename=filename, data=data, mode=mode, region=region,
        on_duplicate=OnDuplicate.CREATE if create_duplicates else OnDuplicate.SKIP, ip=pg.ip,
    )


async def _show(
    pg: Page,
    *,
    kind: str,
    mode: str,
    create_duplicates: bool,
    status: int = 200,
    report: ImportReport | None = None,
    error: str | None = None,
    error_detail: str | None = None,
    filename: str = "",
) -> Response:
    return await pg.render(
        "import.html",
        status=status,
        kind=kind,
        mode=mode,
        create_duplicates=create_duplicates,
        report=report,
        error=pg.t(error) if error else None,
        error_detail=error_detail,
        filename=filename,
    )
