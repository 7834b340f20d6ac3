"""Reading an uploaded file into rows of text cells: CSV (UTF-8, UTF-16 or Windows-1251) or XLSX.

Blocking work: call :func:`read_table` through ``asyncio.to_thread``. Row numbers are those a person
sees in Excel, the header being row 1 (a CSV record spanning several lines is one row).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from typing import Any

from callcenter.controls import TEXT_CONTROLS
from callcenter.errors import DomainError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL = 20_000
# An XLSX is a zip of XML: its parts, unpacked, may hold this much in all, and none may unpack to more than
# this many times its packed size (real workbooks stay near 10; an archive bomb is near 1,000).
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 100
# Excel's last row: a row numbered beyond it is not Excel's, and openpyxl would fill the gap up to it.
_EXCEL_ROWS = 1_048_576

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls
TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
EXTENSIONS = TEXT_EXTENSIONS | {".xlsx", ""}


class BadImportFile(DomainError):
    """The file cannot be read as a table of clients or sales; nothing was imported."""

    error_id = "bad-import-file"
    status = 400


class UnsupportedFormat(BadImportFile):
    error_id = "unsupported-format"
    status = 415


class ImportTooLarge(BadImportFile):
    error_id = "import-too-large"
    status = 413


@dataclass(slots=True)
class Table:
    """The header row and the data rows, each with its row number; entirely empty rows are left out."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ImportTooLarge(
            f"The file is {size / 1048576:.1f} MB; at most {MAX_BYTES // 1048576} MB can be imported at once."
        )


def file_format(filename: str, data: bytes) -> str:
    """``"csv"`` or ``"xlsx"``, from the extension and the first bytes (the content wins for a mislabelled file)."""
    ext = PurePath(filename or "").suffix.lower()
    if data.startswith(_OLE):
        raise UnsupportedFormat("This is an old binary Excel (.xls) file; save it as .xlsx or CSV and import that.")
    if ext not in EXTENSIONS:
        raise UnsupportedFormat(f"Unknown file type {ext!r}; import a .csv or .xlsx file.")
    if data.startswith(_ZIP):
        return "xlsx"
    if ext == ".xlsx":
        raise BadImportFile("The file is named .xlsx but is not an Excel workbook (it may be damaged).")
    return "csv"


def read_table(filename: str, data: bytes) -> Table:
    """The file's header and rows; raises :class:`BadImportFile` with the reason when it cannot be read."""
    check_size(len(data))
    if file_format(filename, data) == "xlsx":
        return _table(_xlsx_rows(data))
    return _table(_csv_rows(decode_text(data)))


def decode_text(data: bytes) -> str:
    """UTF-8 with or without a BOM, UTF-16 with a BOM, else Windows-1251 (what Russian Excel saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = _decode(data[3:], "utf-8")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(data, "utf-16")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode(data, "cp1251")
    if any(ch < " " and ch not in "\t\r\n" for ch in text[:65536]):
        raise BadImportFile("The file holds binary data, not CSV text.")
    return text


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadImportFile(
            f"The text cannot be read as {encoding} (byte {exc.start}); save it as CSV UTF-8 and import that."
        ) from None


def sniff_delimiter(text: str) -> str:
    """The one of ``,`` ``;`` tab that splits the header line most often, quotes taken into account."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=False)
    try:
        yield from reader
    except csv.Error as exc:
        raise BadImportFile(f"Row {reader.line_num}: the CSV is malformed ({exc}).") from None


def check_workbook(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack to more than :data:`MAX_UNPACKED`, or pack too densely.

    Only the zip's directory is read, so an archive bomb is refused before any of it is inflated.
    The sizes it declares are the most zipfile (and so openpyxl) will inflate of each part.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise _damaged(exc) from None
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNPACKED:
            raise ImportTooLarge(
                f"The workbook unpacks to more than {MAX_UNPACKED // 1048576} MB; "
                "save it as CSV, or split it into several files."
            )
        if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1024 * 1024:
            raise ImportTooLarge(
                f"The workbook's part {member.filename!r} unpacks to {member.file_size // max(member.compress_size, 1):,} "
                f"times its size (at most {MAX_RATIO}); it is not a workbook Excel writes."
            )


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    check_workbook(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open untrusted bytes means the same thing to the person
        raise _damaged(exc) from None
    try:
        if not workbook.worksheets:
            raise BadImportFile("The workbook has no sheets.")
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; forget it and read every row there is.
        sheet.reset_dimensions()
        try:
            # Bounded in both directions: a tiny sheet naming cell XFD4000000000 would otherwise have
            # openpyxl yield billions of empty cells to reach it.
            for values in sheet.iter_rows(max_row=_EXCEL_ROWS, max_col=MAX_COLUMNS, values_only=True):
                yield [cell_text(v) for v in values] if values.count(None) < len(values) else []
        except BadImportFile:
            raise
        except Exception as exc:
            raise _damaged(exc) from None
    finally:
        workbook.close()


def _damaged(exc: Exception) -> BadImportFile:
    return BadImportFile(f"The Excel workbook cannot be read (it may be damaged): {type(exc).__name__}: {exc}")


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (INNs and phones are often stored as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _table(rows: Iterable[list[str]]) -> Table:
    table: Table | None = None
    for number, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if table is None:
            header = [c.translate(TEXT_CONTROLS).strip() for c in cells[:MAX_COLUMNS]]
            while header and not header[-1]:
                header.pop()
            table = Table(header=header, header_row=number)
            continue
        if len(table.rows) >= MAX_ROWS:
            raise ImportTooLarge(f"The file has more than {MAX_ROWS:,} rows; split it into several files.")
        width = len(table.header)
        cells = [c[:MAX_CELL].translate(TEXT_CONTROLS) for c in cells[:width]]
        table.rows.append((number, cells + [""] * (width - len(cells))))
    if table is None:
        raise BadImportFile("The file is empty: it needs a header row and at least one row below it.")
    return table
