"""The operator table as a file: CSV (semicolons, UTF-8 with BOM, as Excel opens it) or XLSX.

After the fixed columns come the pipeline's, one per stage code (``pipeline.lead``, ..., ``pipeline.none``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from callcenter.importing.export import guard_formula

COLUMNS = (
    "operator", "full_name", "contacts", "calls", "calls_inbound", "calls_outbound", "calls_answered", "calls_missed",
    "calls_without_result", "talk_seconds_total", "talk_seconds_avg", "wait_seconds_avg", "ring_seconds_avg",
    "wrapup_seconds_avg", "result_contacts", "result_rate", "clients", "contacts_per_client", "overdue_callbacks",
    "late_callbacks", "review_score_avg", "reviews", "new_clients", "deals_won", "deals_won_amount",
    "deals_lost", "lost_at_contact_avg",
)
PIPELINE = "pipeline."  # the prefix of the per-stage columns


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return guard_formula(value)
    return value


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    stages = list(rows[0]["pipeline"]) if rows else []
    return [*COLUMNS, *(PIPELINE + code for code in stages)]


def _values(row: dict[str, Any], columns: list[str]) -> list[Any]:
    return [_cell(row["pipeline"][c.removeprefix(PIPELINE)] if c.startswith(PIPELINE) else row[c]) for c in columns]


def operators_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    columns = _columns(rows)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in _values(row, columns)])
    return out.getvalue().encode("utf-8-sig")


def operators_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    """Numbers stay numbers, so the sheet sums and sorts them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "B2"
    bold = Font(bold=True)
    columns = _columns(rows)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values = _values(row, columns)
        values[COLUMNS.index("deals_won_amount")] = float(row["deals_won_amount"])
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
