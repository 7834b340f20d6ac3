"""Hostile workbooks: refused with a 4xx before they are unpacked or walked, and nothing is written."""

from __future__ import annotations

import io
import time
import zipfile

import httpx
import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.importing import reading
from callcenter.importing.reading import ImportTooLarge
from callcenter.models import Client

_SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_TAIL = b"</sheetData></worksheet>"


def _row(number: int, *cells: str) -> bytes:
    inline = "".join(f'<c r="{col}{number}" t="inlineStr"><is><t>{text}</t></is></c>' for col, text in cells)
    return f'<row r="{number}">{inline}</row>'.encode()


def workbook_with_sheet(chunks: list[bytes] | None = None, *, padding: int = 0) -> bytes:
    """A workbook openpyxl wrote, its first sheet replaced by ``chunks`` (and ``padding`` spaces after them)."""
    book = openpyxl.Workbook()
    book.active.append(["name"])  # type: ignore[union-attr]
    source = io.BytesIO()
    book.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != _SHEET:
                dst.writestr(item, src.read(item))
        with dst.open(_SHEET, "w", force_zip64=True) as sheet:
            sheet.write(_HEAD)
            for chunk in chunks or [_row(1, ("A", "name")), _row(2, ("A", "Ромашка"))]:
                sheet.write(chunk)
            block = b" " * 1048576
            for _ in range(padding // len(block)):
                sheet.write(block)
            sheet.write(_TAIL)
    return out.getvalue()


def test_an_archive_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = workbook_with_sheet(padding=300 * 1048576)
    assert len(bomb) < 2 * 1048576  # small on disk, 300 MB unpacked
    with pytest.raises(ImportTooLarge, match="unpacks to more than 100 MB"):
        reading.read_table("clients.xlsx", bomb)


def test_a_part_packed_too_densely_is_refused() -> None:
    dense = workbook_with_sheet(padding=20 * 1048576)  # 20 MB of spaces: about a thousand times its packed size
    with pytest.raises(ImportTooLarge, match="times its size"):
        reading.read_table("clients.xlsx", dense)


def test_an_ordinary_workbook_still_reads() -> None:
    rows = [_row(1, ("A", "name"), ("B", "phones"))]
    rows += [_row(n, ("A", f"Клиент {n}"), ("B", f"+7 914 {n:07d}")) for n in range(2, 2002)]
    table = reading.read_table("clients.xlsx", workbook_with_sheet(rows))
    assert len(table.rows) == 2000 and table.rows[-1] == (2001, ["Клиент 2001", "+7 914 0002001"])


def test_a_cell_far_down_and_to_the_right_is_not_walked_to() -> None:
    far = [_row(1, ("A", "name")), _row(2, ("A", "Ромашка")), _row(4_000_000_000, ("XFD", "far"))]
    started = time.monotonic()
    table = reading.read_table("clients.xlsx", workbook_with_sheet(far))
    assert time.monotonic() - started < 20
    assert table.rows == [(2, ["Ромашка"])]


async def _clients(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Client)) or 0


async def test_api_refuses_a_bomb_and_too_many_rows(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    bomb = workbook_with_sheet(padding=300 * 1048576)
    r = await admin_http.post("/api/import", files={"file": ("clients.xlsx", bomb)})
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "import-too-large" and "100 MB" in r.json()["message"]
    rows = [_row(1, ("A", "name"))] + [_row(n, ("A", f"К{n}")) for n in range(2, reading.MAX_ROWS + 3)]
    many = workbook_with_sheet(rows)
    r = await admin_http.post("/api/import", files={"file": ("clients.xlsx", many)})
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "import-too-large" and "100,000 rows" in r.json()["message"]
    assert await _clients(db) == 0


async def test_control_characters_in_cells_are_dropped(db: AsyncSession) -> None:
    from callcenter.auth.principal import SYSTEM
    from callcenter.importing.services import ImportMode, import_clients

    # Past the first 64 KiB, where the check for binary data looks.
    lines = ["name"] + [f"Клиент {n}" for n in range(8000)] + ["Ром\x00ашка\x07"]
    data = "\n".join(lines).encode()
    assert len(data) > 65536
    report = await import_clients(db, SYSTEM, filename="c.csv", data=data, mode=ImportMode.ATOMIC, region="RU",
                                  on_duplicate="create")
    assert report.committed, report.errors[:3]
    assert await db.scalar(select(Client.name).where(Client.name.like("Ром%"))) == "Ромашка"
