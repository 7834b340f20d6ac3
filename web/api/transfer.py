"""Import of clients and sales, export of clients, over HTTP.

``POST /api/import`` takes ``multipart/form-data``: the file in the field ``file`` (.csv or .xlsx, at most
20 MB), and optional form fields ``mode`` (``atomic``, the default, or ``good_rows``) and ``on_duplicate``
(``skip``, the default, or ``create``; clients only). ``kind`` (``clients``, the default, or ``sales``)
comes in the query (``/api/import?kind=sales``) or as a form field. It answers with the import report
``{total_rows, imported, skipped, bad_rows, committed, errors: [{row, field, reason}], ignored_columns,
duplicates: [{row, field, reason}]}`` (``duplicates``: sales whose external_ref was imported before,
skipped without being errors):

- 200 when the import was committed (in ``good_rows`` mode the report may still list refused rows);
- 422 when an atomic import was refused because of bad rows: the same report, with ``committed: false``,
  plus ``error: "import-rejected"`` and a ``message``, so that a client checking the status alone does not
  mistake a refused file for an imported one;
- 400 (no file, unreadable text, damaged workbook, no name column), 413 (too large) or 415 (not CSV or
  XLSX) with ``{error, message}`` when the file cannot be read at all.

``GET /api/export?format=csv|xlsx&q=`` downloads the clients the caller may see (matching ``q``) as an
attachment.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from starlette.datastructures import UploadFile
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.importing.reading import MAX_BYTES
from callcenter.importing.services import export_file, import_clients, import_sales
from web.api.routing import ApiRouter, Call
from web.responses import Json, error

router = ApiRouter("import and export")

# Room for the multipart framing and the small form fields around the file.
_MAX_REQUEST = MAX_BYTES + 64 * 1024


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["clients", "sales"] | None = None


@router.post("/api/import", summary="Import clients or sales from a CSV or XLSX file (multipart field 'file')",
             permission=Permission.IMPORT, query=ImportQuery,
             responses={422: "atomic import refused: the report with every bad row", 400: "unreadable file",
                        413: "file larger than 20 MB", 415: "not a CSV or XLSX file"})
async def import_(call: Call) -> Response:
    request = call.request
    length = request.headers.get("content-length")
    if length is None or not (length.isascii() and length.isdigit()):
        return error(411, "length-required", "Send the upload with a Content-Length header.")
    if int(length) > _MAX_REQUEST:
        return error(413, "import-too-large", f"The upload is larger than {MAX_BYTES // 1048576} MB.")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return error(400, "no-file", "Attach the file in the multipart form field 'file'.",
                         fields={"file": "is required"})
        data = await upload.read()
        filename = upload.filename or ""
        mode = str(form.get("mode") or "atomic")
        on_duplicate = str(form.get("on_duplicate") or "skip")
        form_kind = str(form.get("kind") or "")
    kind = call.query.kind or form_kind or "clients"
    if form_kind and (form_kind not in ("clients", "sales") or form_kind != kind):
        return error(422, "validation-failed", "kind must be clients or sales, the same in the query and the form.",
                     fields={"kind": "must be clients or sales"})
    if not data:
        return error(400, "empty-file", "The uploaded file is empty.", fields={"file": "is empty"})
    region = call.settings.default_region
    if kind == "sales":
        report = await import_sales(
            call.db, call.principal, filename=filename, data=data, mode=mode, region=region, ip=call.ip
        )
    else:
        report = await import_clients(
            call.db, call.principal, filename=filename, data=data, mode=mode, region=region,
            on_duplicate=on_duplicate, ip=call.ip,
        )
    if report.committed:
        return Json(report.to_dict())
    message = f"Nothing was imported: {report.bad_rows} of {report.total_rows} rows are bad (atomic mode)."
    return Json({"error": "import-rejected", "message": message, **report.to_dict()}, status_code=422)


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"] = "csv"
    q: str | None = None


@router.get("/api/export", summary="Download the clients you may see as CSV or XLSX", permission=Permission.EXPORT,
            query=ExportQuery)
async def export(call: Call) -> Response:
    exported = await export_file(
        call.db, call.principal, fmt=call.query.format, q=call.query.q, region=call.settings.default_region, ip=call.ip
    )
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
