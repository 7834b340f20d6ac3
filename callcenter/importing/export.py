"""Export of the clients a principal may see, as CSV or XLSX, in the columns an import reads back.

CSV is UTF-8 with a BOM and ``;`` between cells, which is what Excel in a Russian locale opens as a
table with readable Cyrillic. A text cell starting with ``= + - @`` gets a leading apostrophe so that a
spreadsheet shows it as text instead of running it as a formula; import takes the apostrophe off again.
In XLSX such cells are written as plain strings. Several contact persons share the contact cells, one
per line.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import visible_clients as visible
from callcenter.auth.principal import Principal
from callcenter.clients.services import search_condition
from callcenter.importing.columns import EXPORT_COLUMNS
from callcenter.importing.writer import batches
from callcenter.models import Client, ClientContact, ContactPerson, Email, Phone, User

CHUNK = 2000
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str
    count: int


async def export_rows(db: AsyncSession, principal: Principal, condition: Any = None) -> list[list[str]]:
    """The header and one row per visible client matching ``condition``, in the order they were created."""
    query = visible(principal, select(
        Client.id, Client.name, Client.kind, Client.tax_id, Client.addresses, Client.notes,
        Client.stage, Client.abc_class, Client.xyz_class, Client.owner_id,
    ))
    if condition is not None:
        query = query.where(condition)
    rows: list[list[str]] = [list(EXPORT_COLUMNS)]
    last_id = 0
    while True:
        chunk = (await db.execute(query.where(Client.id > last_id).order_by(Client.id).limit(CHUNK))).all()
        if not chunk:
            return rows
        last_id = chunk[-1].id
        rows.extend(await _chunk_rows(db, chunk))


async def _chunk_rows(db: AsyncSession, chunk: Sequence[Row[Any]]) -> list[list[str]]:
    ids = [r.id for r in chunk]
    phones: dict[int | None, list[str]] = defaultdict(list)
    emails: dict[int | None, list[str]] = defaultdict(list)
    for client_id, e164 in await db.execute(
        select(Phone.client_id, Phone.e164).where(Phone.client_id.in_(ids)).order_by(Phone.id)
    ):
        phones[client_id].append(e164)
    for client_id, address in await db.execute(
        select(Email.client_id, Email.address).where(Email.client_id.in_(ids)).order_by(Email.id)
    ):
        emails[client_id].append(address)
    owner_ids = {r.owner_id for r in chunk if r.owner_id is not None}
    logins: dict[int, str] = {}
    if owner_ids:
        logins = dict((await db.execute(select(User.id, User.login).where(User.id.in_(owner_ids)))).all())
    contacts = await _contacts(db, ids)
    result: list[list[str]] = []
    for r in chunk:
        people = contacts.get(r.id, [])
        result.append([
            r.name, r.kind.value, r.tax_id or "",
            "; ".join(phones[r.id]), "; ".join(emails[r.id]),
            "\n".join(a.get("text", "") for a in r.addresses or []), r.notes or "",
            r.stage.value, r.abc_class.value if r.abc_class else "",
            r.xyz_class.value if r.xyz_class else "", logins.get(r.owner_id, ""),
            "\n".join(p[0] for p in people), "\n".join(p[1] for p in people),
            "\n".join(p[2] for p in people), "\n".join(p[3] for p in people),
        ])
    return result


async def _contacts(db: AsyncSession, client_ids: list[int]) -> dict[int, list[tuple[str, str, str, str]]]:
    """``{client_id: [(name, position, phones, e-mails)]}`` for the contact persons of these clients."""
    links = (
        await db.execute(
            select(ClientContact.client_id, ContactPerson.id, ContactPerson.full_name, ContactPerson.position)
            .join(ContactPerson, ContactPerson.id == ClientContact.contact_id)
            .where(ClientContact.client_id.in_(client_ids))
            .order_by(ClientContact.client_id, ContactPerson.id)
        )
    ).all()
    person_ids = sorted({link[1] for link in links})
    phones: dict[int | None, list[str]] = defaultdict(list)
    emails: dict[int | None, list[str]] = defaultdict(list)
    for part in batches(person_ids, 1000):
        for person_id, e164 in await db.execute(
            select(Phone.contact_id, Phone.e164).where(Phone.contact_id.in_(part)).order_by(Phone.id)
        ):
            phones[person_id].append(e164)
        for person_id, address in await db.execute(
            select(Email.contact_id, Email.address).where(Email.contact_id.in_(part)).order_by(Email.id)
        ):
            emails[person_id].append(address)
    result: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for client_id, person_id, name, position in links:
        result[client_id].append((name, position or "", "; ".join(phones[person_id]), "; ".join(emails[person_id])))
    return result


async def build_export(db: AsyncSession, principal: Principal, *, fmt: str, q: str | None, region: str) -> ExportFile:
    """The file's bytes, media type and a download name; file building runs in a thread."""
    condition = search_condition(q, region) if q and q.strip() else None
    return await build_export_where(db, principal, fmt=fmt, condition=condition)


async def build_export_where(
    db: AsyncSession, principal: Principal, *, fmt: str, condition: Any = None, stem: str = "clients"
) -> ExportFile:
    """The visible clients matching ``condition`` (a predicate on :class:`Client`) as a file named ``stem-<time>``."""
    rows = await export_rows(db, principal, condition)
    writer = write_xlsx if fmt == "xlsx" else write_csv
    content = await asyncio.to_thread(writer, rows)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return ExportFile(content, MEDIA_TYPES[fmt], f"{stem}-{stamp}.{fmt}", len(rows) - 1)


def guard_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula, made plain text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(rows[0])
    writer.writerows([guard_formula(cell) for cell in row] for row in rows[1:])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("clients")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNO", (40, 10, 14, 34, 30, 40, 30, 12, 6, 6, 14, 30, 20, 34, 30)):
        sheet.column_dimensions[letter].width = width
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for title in rows[0]:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows[1:]:
        sheet.append([_xlsx_cell(sheet, value, wrap) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: str, wrap: Alignment) -> Any:
    """Plain text stays a plain value (fast); text that looks like a formula or spans lines gets a cell."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value:
        return None
    if not value.startswith("=") and "\n" not in value:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # a string, never a formula
    if "\n" in value:
        cell.alignment = wrap
    return cell
