"""Import of sales from CSV and XLSX: finding each row's client, reading dates and sums, skipping sales
imported before; through the service, the command line, the API and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.errors import Forbidden
from callcenter.importing.reading import BadImportFile
from callcenter.importing.services import ImportMode, import_sales
from callcenter.importing.values import parse_date, parse_money
from callcenter.models import AuditEntry, Sale
from callcenter.models.enums import Role
from callcenter.taxid import with_check_digits
from tests.conftest import PASSWORD, MakeUser, login_as
from tests.test_import_export import cli, xlsx_bytes

INN_A = with_check_digits("770708389")
INN_B = with_check_digits("500100732")
UNKNOWN_INN = with_check_digits("784200001")


@dataclass(frozen=True, slots=True)
class Base:
    romashka: int  # INN_A, phone +7 913 111-22-33
    lutik: int  # INN_B, its contact person's phone +7 913 777-88-99
    pion: int  # the only "Пион"
    vasilek: tuple[int, int]  # two clients named "Василёк"


async def client(db: AsyncSession, **data: Any) -> int:
    created = await create_client(db, SYSTEM, ClientIn.model_validate({"kind": "company", **data}), region="RU",
                                  force=True)
    return int(created["id"])


async def base(db: AsyncSession) -> Base:
    return Base(
        romashka=await client(db, name='ООО "Ромашка"', tax_id=INN_A, phones=["+7 913 111-22-33"]),
        lutik=await client(db, name="Лютик", tax_id=INN_B,
                           contacts=[{"full_name": "Иванов Иван", "phones": ["+7 913 777-88-99"]}]),
        pion=await client(db, name="ИП Пион"),
        vasilek=(await client(db, name="Василёк"), await client(db, name="ООО Василёк")),
    )


async def run(db: AsyncSession, text: str | bytes, *, mode: ImportMode = ImportMode.ATOMIC,
              filename: str = "sales.csv", principal: Principal = SYSTEM) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return await import_sales(db, principal, filename=filename, data=data, mode=mode, region="RU")


async def sales(db: AsyncSession) -> list[Sale]:
    return list(await db.scalars(select(Sale).order_by(Sale.id)))


def errors_of(report: Any) -> set[tuple[int, str]]:
    return {(e.row, e.field) for e in report.errors}


def reasons_of(report: Any) -> dict[tuple[int, str], str]:
    return {(e.row, e.field): e.reason for e in report.errors}


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(("text", "value"), [
    ("1 234,50", "1234.50"), ("1\u00a0234,5", "1234.50"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
    ("1234.5", "1234.50"), ("12,5", "12.50"), ("−100", "-100.00"), ("1 000 000", "1000000.00"),
    ("1234.5600000000002", "1234.56"),  # a spreadsheet formula's floating-point noise
])
def test_sums(text: str, value: str) -> None:
    assert parse_money(text) == Decimal(value)


@pytest.mark.parametrize(("text", "reason"), [
    ("1,234", "more than two decimal places"), ("12,5,3", "not a sum"), ("abc", "not a sum"),
    ("1 234,50 руб", "not a sum"), ("1.2.3,4", "not a sum"), ("1e5", "not a sum"),
])
def test_bad_sums(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_money(text)


def test_dates() -> None:
    assert parse_date("2024-03-31") == parse_date("31.03.2024") == date(2024, 3, 31)
    assert parse_date("2024-03-31T00:00:00") == date(2024, 3, 31)  # an Excel date cell, as the reader gives it
    assert parse_date("1.4.2024 10:30") == date(2024, 4, 1)
    for text, reason in (("31.02.2024", "no such day"), ("03/04/2024", "not a date"), ("31.03.24", "not a date"),
                         ("1800-01-01", "between")):
        with pytest.raises(ValueError, match=reason):
            parse_date(text)


# ---------------------------------------------------------------- finding the client


async def test_clients_found_by_inn_phone_id_and_name(db: AsyncSession) -> None:
    b = await base(db)
    text = (
        "ИНН;Телефон;client_id;Клиент;Дата;Сумма;Маржа;Товар;Номер\n"
        f"{INN_A};;;;31.03.2024;1 234,50;200,10;Чай;Р-1\n"
        ";8 (913) 111-22-33;;;2024-04-01;99.9;;;Р-2\n"  # the client's own phone, written another way
        ";79137778899;;;01.04.2024;10;;;Р-3\n"  # a contact person's phone
        f";;{b.pion};;02.04.2024;5;;;\n"
        ";;;пион, ИП;03.04.2024;7;-1,5;Кофе;Р-5\n"  # the name, compared as duplicates are
        f"{INN_B};;;Лютик;04.04.2024;8;;;Р-6\n"
    )
    report = await run(db, text)
    assert report.committed and report.errors == [] and report.duplicates == []
    assert (report.total_rows, report.imported, report.skipped) == (6, 6, 0)
    found = [(s.client_id, s.sold_on, s.amount, s.margin, s.product, s.external_ref) for s in await sales(db)]
    assert found == [
        (b.romashka, date(2024, 3, 31), Decimal("1234.50"), Decimal("200.10"), "Чай", "Р-1"),
        (b.romashka, date(2024, 4, 1), Decimal("99.90"), None, "", "Р-2"),
        (b.lutik, date(2024, 4, 1), Decimal("10.00"), None, "", "Р-3"),
        (b.pion, date(2024, 4, 2), Decimal("5.00"), None, "", None),
        (b.pion, date(2024, 4, 3), Decimal("7.00"), Decimal("-1.50"), "Кофе", "Р-5"),
        (b.lutik, date(2024, 4, 4), Decimal("8.00"), None, "", "Р-6"),
    ]
    audits = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
    assert [(a.entity, a.changes["imported"], a.changes["filename"]) for a in audits] == [("sale", 6, "sales.csv")]


def bad_file(b: Base) -> str:
    """Rows 2 and 14 are good; every other row has a fault."""
    return (
        "inn,phone,client_id,name,date,amount,margin,external_ref\n"
        f"{INN_A},,,,2024-03-31,100,,D-1\n"  # 2 good
        f"{UNKNOWN_INN},,,,2024-03-31,100,,\n"  # 3 unknown INN
        ",+7 913 000-00-00,,,2024-03-31,100,,\n"  # 4 unknown phone
        ",,999999,,2024-03-31,100,,\n"  # 5 unknown id
        ",,,Василёк,2024-03-31,100,,\n"  # 6 two clients have this name
        ",,,Никто,2024-03-31,100,,\n"  # 7 unknown name
        f"{INN_A},+7 913 777-88-99,,,2024-03-31,100,,\n"  # 8 the phone is another client's
        f"{INN_A},,,,31.02.2024,100,,\n"  # 9 no such day
        f"{INN_A},,,,2024-03-31,сто,,\n"  # 10 not a sum
        f"{INN_A},,,,2024-03-31,0,,\n"  # 11 a sale of nothing
        ",,,,2024-03-31,100,,\n"  # 12 no client at all
        f"{INN_A},,,,2024-03-31,100,,D-1\n"  # 13 same external_ref as row 2
        f"{INN_B},,{b.lutik},,2024-03-31,\"1,5\",,\n"  # 14 good (a decimal comma, quoted in a comma-separated file)
        f"{INN_A[:-1]}0,,,,,,x,\n"  # 15 bad INN, no date, no amount, bad margin
    )


async def test_bad_rows_atomic_writes_nothing(db: AsyncSession) -> None:
    b = await base(db)
    report = await run(db, bad_file(b), mode=ImportMode.ATOMIC)
    assert not report.committed and await sales(db) == []
    assert errors_of(report) == {
        (3, "tax_id"), (4, "phone"), (5, "client_id"), (6, "name"), (7, "name"), (8, "phone"), (9, "date"),
        (10, "amount"), (11, "amount"), (12, "client"), (13, "external_ref"),
        (15, "tax_id"), (15, "date"), (15, "amount"), (15, "margin"),
    }
    assert (report.total_rows, report.imported, report.skipped, report.bad_rows) == (14, 0, 14, 12)
    reasons = reasons_of(report)
    assert reasons[(3, "tax_id")] == f"no client with tax id {UNKNOWN_INN}"
    assert reasons[(4, "phone")] == "no client with phone +79130000000"
    assert reasons[(6, "name")].startswith("2 clients have the name 'Василёк'")
    assert reasons[(8, "phone")] == (
        f"phone +79137778899 belongs to client #{b.lutik}, not to client #{b.romashka} found by its tax_id"
    )
    assert "no such day" in reasons[(9, "date")] and "'сто' is not a sum of money" in reasons[(10, "amount")]
    assert "greater than 0" in reasons[(11, "amount")]
    assert reasons[(13, "external_ref")] == "same external_ref as row 2 of this file"
    assert reasons[(15, "date")] == "is required" and "check digit" in reasons[(15, "tax_id")]
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert await db.scalar(select(func.count()).where(AuditEntry.action == "import")) == 0


async def test_bad_rows_good_rows_mode_writes_the_good_ones(db: AsyncSession) -> None:
    b = await base(db)
    report = await run(db, bad_file(b), mode=ImportMode.GOOD_ROWS)
    assert report.committed and (report.imported, report.skipped, report.bad_rows) == (2, 12, 12)
    assert [(s.client_id, s.amount, s.external_ref) for s in await sales(db)] == [
        (b.romashka, Decimal("100.00"), "D-1"), (b.lutik, Decimal("1.50"), None),
    ]


async def test_clients_the_importer_may_not_see_are_not_found(db: AsyncSession, make_user: MakeUser) -> None:
    b = await base(db)
    manager = await make_user(Role.MANAGER)
    restricted = Principal(user_id=manager.id, login=manager.login, role=Role.MANAGER, own_clients_only=True)
    report = await run(db, f"inn,date,amount\n{INN_A},2024-03-31,100\n", principal=restricted)
    assert reasons_of(report) == {(2, "tax_id"): f"no client with tax id {INN_A}"}
    assert b.romashka and await sales(db) == []


# ---------------------------------------------------------------- files


async def test_xlsx_with_excel_dates_and_numbers(db: AsyncSession) -> None:
    b = await base(db)
    data = xlsx_bytes([
        ["ИНН", "Дата продажи", "Сумма", "Маржа", "Товар", "Номер документа"],
        [int(INN_A), datetime(2024, 3, 31), 1234.5, 100, "Чай", 1001],  # a real Excel date cell, numbers as numbers
        [int(INN_B), date(2024, 4, 1), "1 234,50", None, None, "1002"],
        [int(INN_B), "01.04.2024", 10, None, None, None],
        [int(INN_B), 45383, 10, None, None, None],  # a date typed as a bare number is not guessed at
    ])
    report = await run(db, data, filename="sales.xlsx", mode=ImportMode.GOOD_ROWS)
    assert errors_of(report) == {(5, "date")}
    assert [(s.client_id, s.sold_on, s.amount, s.margin, s.external_ref) for s in await sales(db)] == [
        (b.romashka, date(2024, 3, 31), Decimal("1234.50"), Decimal("100.00"), "1001"),
        (b.lutik, date(2024, 4, 1), Decimal("1234.50"), None, "1002"),
        (b.lutik, date(2024, 4, 1), Decimal("10.00"), None, None),
    ]


async def test_reimport_skips_sales_imported_before(db: AsyncSession) -> None:
    b = await base(db)
    first = f"inn;date;amount;external_ref\n{INN_A};2024-03-31;100;D-1\n{INN_B};2024-04-01;200;D-2\n"
    assert (await run(db, first)).imported == 2
    again = await run(db, first)
    assert again.committed and again.errors == [] and again.imported == 0 and again.skipped == 2
    assert [(d.row, d.field) for d in again.duplicates] == [(2, "external_ref"), (3, "external_ref")]
    assert again.duplicates[0].reason.startswith("already imported as sale #")
    assert len(await sales(db)) == 2
    # The next month's file repeats the old rows and adds one: atomic still imports the new one only.
    grown = first + f"{INN_A};2024-05-01;300;D-3\n"
    report = await run(db, grown, mode=ImportMode.ATOMIC)
    assert report.committed and report.imported == 1 and len(report.duplicates) == 2
    first_duplicate = {"row": 2, "field": "external_ref", "reason": again.duplicates[0].reason}
    assert report.to_dict()["duplicates"][0] == first_duplicate
    assert [s.external_ref for s in await sales(db)] == ["D-1", "D-2", "D-3"]
    assert {s.client_id for s in await sales(db)} == {b.romashka, b.lutik}


async def test_files_that_cannot_be_imported(db: AsyncSession) -> None:
    await base(db)
    with pytest.raises(BadImportFile, match="date .*amount"):
        await run(db, f"inn;product\n{INN_A};Чай\n")
    with pytest.raises(BadImportFile, match="the client"):
        await run(db, "date;amount\n2024-03-31;1\n")
    with pytest.raises(BadImportFile, match="both mean"):
        await run(db, f"ИНН;inn;date;amount\n{INN_A};{INN_A};2024-03-31;1\n")
    report = await run(db, f"Inn;Date;Amount;Цвет\n{INN_A};2024-03-31;1\n")
    assert report.committed and report.ignored_columns == ["Цвет"]


async def test_operators_may_not_import_sales(db: AsyncSession, make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR)
    principal = Principal(user_id=operator.id, login=operator.login, role=Role.OPERATOR)
    with pytest.raises(Forbidden):
        await run(db, f"inn,date,amount\n{INN_A},2024-03-31,1\n", principal=principal)


# ---------------------------------------------------------------- command line, API, page


async def test_cli(db: AsyncSession, database_url: str, tmp_path: Path) -> None:
    b = await base(db)
    path = tmp_path / "sales.csv"
    path.write_bytes(bad_file(b).encode("cp1251"))
    code, out, err = await cli(database_url, tmp_path, "import", str(path), "--kind", "sales")
    assert code == 1, (out, err)
    assert f"row 3: tax_id: no client with tax id {UNKNOWN_INN}" in err and "NOT imported" in out
    code, out, err = await cli(database_url, tmp_path, "import", str(path), "--kind", "sales", "--mode", "good_rows")
    assert code == 0, (out, err)
    assert "14 rows, 2 imported, 12 skipped, 12 bad; sales imported" in out
    code, out, err = await cli(database_url, tmp_path, "import", str(path), "--kind", "sales", "--mode", "good_rows")
    # Rows 2 and 13 carry the external_ref imported before; row 14 has none, so it is imported again.
    assert code == 0 and "14 rows, 1 imported, 13 skipped, 11 bad, 2 imported before" in out
    code, out, err = await cli(
        database_url, tmp_path, "import", str(path), "--kind", "sales", "--on-duplicate", "create"
    )
    assert code == 2 and "--on-duplicate" in err
    assert len(await sales(db)) == 3


async def test_api(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    b = await base(db)
    good = f"ИНН;Дата;Сумма;Номер\n{INN_A};31.03.2024;1 234,50;D-1\n".encode("cp1251")
    r = await admin_http.post("/api/import?kind=sales", files={"file": ("sales.csv", good, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 1 and r.json()["duplicates"] == []
    r = await admin_http.post("/api/import", files={"file": ("sales.csv", good)}, data={"kind": "sales"})
    assert r.status_code == 200 and r.json()["imported"] == 0
    assert [(d["row"], d["field"]) for d in r.json()["duplicates"]] == [(2, "external_ref")]
    assert r.json()["duplicates"][0]["reason"].startswith("already imported as sale #")
    bad = f"inn;date;amount\n{UNKNOWN_INN};2024-03-31;1\n{INN_B};2024-03-31;2\n".encode()
    r = await admin_http.post("/api/import?kind=sales", files={"file": ("sales.csv", bad)}, data={"mode": "atomic"})
    assert r.status_code == 422 and r.json()["error"] == "import-rejected"
    assert [(e["row"], e["field"]) for e in r.json()["errors"]] == [(2, "tax_id")]
    r = await admin_http.post("/api/import?kind=sales", files={"file": ("sales.csv", bad)}, data={"mode": "good_rows"})
    assert r.status_code == 200 and r.json()["imported"] == 1
    found = [(s.client_id, s.amount) for s in await sales(db)]
    assert found == [(b.romashka, Decimal("1234.50")), (b.lutik, Decimal("2.00"))]
    # Without kind the file is read as clients, and has no name column.
    r = await admin_http.post("/api/import", files={"file": ("sales.csv", bad)})
    assert r.status_code == 400 and "name" in r.json()["message"]
    r = await admin_http.post("/api/import?kind=deals", files={"file": ("sales.csv", bad)})
    assert r.status_code == 422 and "kind" in r.json()["fields"]
    r = await admin_http.post("/api/import?kind=sales", files={"file": ("sales.csv", bad)}, data={"kind": "clients"})
    assert r.status_code == 422 and "kind" in r.json()["fields"]
    r = await admin_http.post("/api/import?kind=sales", files={"file": ("sales.csv", b"inn;amount\n1;2\n")})
    assert r.status_code == 400 and r.json()["error"] == "bad-import-file"
    assert len(await sales(db)) == 2


async def test_api_operator_forbidden(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    await base(db)
    await login_as(http, await make_user(Role.OPERATOR))
    good = f"inn,date,amount\n{INN_A},2024-03-31,1\n".encode()
    r = await http.post("/api/import?kind=sales", files={"file": ("sales.csv", good)})
    assert r.status_code == 403
    r = await http.post("/api/import", files={"file": ("sales.csv", good)}, data={"kind": "sales"})
    assert r.status_code == 403
    assert await sales(db) == []


async def test_page(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    await base(db)
    manager = await make_user(Role.MANAGER)
    r = await http.post("/login", data={"login": manager.login, "password": PASSWORD, "next": "/import"})
    assert r.status_code == 303
    page = await http.get("/import")
    assert page.status_code == 200 and 'name="kind" value="sales"' in page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    files = {"file": ("sales.csv", f"ИНН;Дата;Сумма;Номер\n{INN_A};31.03.2024;10;D-1\n".encode(), "text/csv")}
    form = {"csrf_token": found.group(1), "kind": "sales", "mode": "atomic"}
    r = await http.post("/import", data=form, files=files)
    assert r.status_code == 200 and "Загружено продаж: 1" in unescape(r.text)
    r = await http.post("/import", data=form, files=files)
    text = unescape(r.text)
    assert "Загружено продаж: 0" in text and "Уже были загружены и пропущены: 1" in text
    assert re.search(r'value="sales"\s+checked', r.text)
    assert len(await sales(db)) == 1
