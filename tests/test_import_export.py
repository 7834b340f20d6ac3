"""Import of clients from CSV and XLSX, export to both, through the service, the command line and the API."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.errors import Forbidden, ValidationFailed
from callcenter.importing import reading
from callcenter.importing.columns import column_for
from callcenter.importing.reading import BadImportFile, ImportTooLarge, UnsupportedFormat, decode_text, sniff_delimiter
from callcenter.importing.services import ImportMode, export_clients, import_clients
from callcenter.models import AuditEntry, Client, ClientContact, ContactPerson, Email, Phone
from callcenter.models.enums import ClientKind, Role, Stage
from callcenter.taxid import with_check_digits
from tests.conftest import MakeUser, login_as

INN1 = with_check_digits("770708389")  # 7707083893
INN2 = with_check_digits("500100732")
INN3 = with_check_digits("784200001")
PERSON_INN = with_check_digits("7712345678")
BAD_INN = INN1[:-1] + str((int(INN1[-1]) + 1) % 10)


async def run_import(db: AsyncSession, text: str | bytes, *, filename: str = "clients.csv",
                     mode: ImportMode = ImportMode.ATOMIC, encoding: str = "utf-8", **kw: Any) -> Any:
    data = text.encode(encoding) if isinstance(text, str) else text
    return await import_clients(db, SYSTEM, filename=filename, data=data, mode=mode, region="RU", **kw)


async def count(db: AsyncSession, model: Any) -> int:
    return await db.scalar(select(func.count()).select_from(model)) or 0


async def clients_by_name(db: AsyncSession) -> dict[str, Client]:
    return {c.name: c for c in await db.scalars(select(Client))}


async def phones_of(db: AsyncSession, client_id: int) -> list[str]:
    return list(await db.scalars(select(Phone.e164).where(Phone.client_id == client_id).order_by(Phone.id)))


def errors_of(report: Any) -> set[tuple[int, str]]:
    return {(e.row, e.field) for e in report.errors}


# ---------------------------------------------------------------- reading files


def test_header_aliases_and_delimiters() -> None:
    assert column_for("Наименование") == "name"
    assert column_for("ИНН") == "tax_id"
    assert column_for("E-mail") == "emails"
    assert column_for("Owner (login)") == "owner"
    assert column_for("Контактное лицо") == "contact"
    assert column_for("Телефон контакта") == "contact_phone"
    assert column_for("Телефон 2") == "phones"
    assert column_for("ИНН 2") is None
    assert column_for("Цвет") is None
    assert sniff_delimiter('name;"a, b";phones\n1;2;3') == ";"
    assert sniff_delimiter("name\ttax_id\n") == "\t"
    assert sniff_delimiter("name,tax_id\n") == ","
    assert sniff_delimiter("name\n") == ","


def test_decoding() -> None:
    assert decode_text("\ufeffимя".encode()) == "имя"
    assert decode_text("имя".encode("cp1251")) == "имя"
    assert decode_text("имя".encode("utf-16")) == "имя"
    with pytest.raises(BadImportFile, match="binary"):
        decode_text(b"\x00\x01\x02name")


def test_formats_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        reading.read_table("clients.pdf", b"%PDF-1.4")
    with pytest.raises(UnsupportedFormat, match=r"\.xls"):
        reading.read_table("clients.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(BadImportFile, match="not an Excel workbook"):
        reading.read_table("clients.xlsx", b"name\nfoo\n")
    with pytest.raises(BadImportFile, match="damaged"):
        reading.read_table("clients.xlsx", b"PK\x03\x04" + b"garbage" * 50)
    with pytest.raises(BadImportFile, match="empty"):
        reading.read_table("clients.csv", b"\n\n")
    # A workbook mislabelled as CSV is still read as a workbook.
    assert reading.read_table("clients.csv", xlsx_bytes([["name"], ["Ромашка"]])).rows == [(2, ["Ромашка"])]


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=col, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- importing


async def test_csv_utf8_bom_with_commas(db: AsyncSession) -> None:
    text = (
        "\ufeffName,Kind,Tax ID,Phones,Email,Address,Notes,Stage,Contact,Contact_Position,Contact_Phone,Contact_Email\n"
        f'"ООО ""Ромашка""",,{INN1},"8 (913) 123-45-67; +7 913 123 45 68",Info@Romashka.ru,"Москва, Тверская 1",'
        "VIP,постоянный,Иванов Иван,директор,+7 913 000 00 01,ivanov@romashka.ru\n"
        f"Петров Пётр,физлицо,{PERSON_INN},79131112233,,,,,,,,\n"
    )
    report = await run_import(db, text, encoding="utf-8")
    assert report.committed and report.errors == []
    assert (report.total_rows, report.imported, report.skipped) == (2, 2, 0)
    found = await clients_by_name(db)
    romashka, petrov = found['ООО "Ромашка"'], found["Петров Пётр"]
    assert romashka.kind == ClientKind.COMPANY and romashka.legal_form == "ООО"
    assert romashka.tax_id == INN1 and romashka.stage == Stage.REGULAR and romashka.notes == "VIP"
    assert romashka.addresses == [{"kind": "legal", "text": "Москва, Тверская 1"}]
    assert romashka.created_at is not None
    assert await phones_of(db, romashka.id) == ["+79131234567", "+79131234568"]
    assert list(await db.scalars(select(Email.address).where(Email.client_id == romashka.id))) == ["info@romashka.ru"]
    person = await db.scalar(
        select(ContactPerson).join(ClientContact).where(ClientContact.client_id == romashka.id)
    )
    assert person is not None and (person.full_name, person.position) == ("Иванов Иван", "директор")
    assert list(await db.scalars(select(Phone.e164).where(Phone.contact_id == person.id))) == ["+79130000001"]
    assert petrov.kind == ClientKind.PERSON and await phones_of(db, petrov.id) == ["+79131112233"]
    audits = list(await db.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
    assert len(audits) == 1
    assert audits[0].changes["filename"] == "clients.csv" and audits[0].changes["imported"] == 2


async def test_csv_cp1251_semicolons_russian_headers(db: AsyncSession, make_user: MakeUser) -> None:
    owner = await make_user(Role.OPERATOR, login="anna")
    text = (
        "Наименование;ИНН;Телефоны;Ответственный;Тип;Контактное лицо;Должность;Телефон контакта;Цвет\n"
        f"ИП Сидоров;{PERSON_INN};8 913 222-33-44, 8 913 222-33-45;anna;;Сидоров Семён;владелец;8 913 222-33-46;синий\n"
        f"Вектор АО;{INN2};;;компания;;;;\n"
    )
    report = await run_import(db, text, encoding="cp1251")
    assert report.errors == [] and report.imported == 2
    assert report.ignored_columns == ["Цвет"]
    found = await clients_by_name(db)
    trader = found["ИП Сидоров"]
    # A sole trader is read as a company (documented in callcenter.importing.rows).
    assert trader.kind == ClientKind.COMPANY and trader.legal_form == "ИП" and trader.owner_id == owner.id
    assert await phones_of(db, trader.id) == ["+79132223344", "+79132223345"]
    assert found["Вектор АО"].owner_id is None  # imported by SYSTEM: no owner unless named


async def test_tab_delimited_utf16(db: AsyncSession) -> None:
    report = await run_import(db, "name\tphone\nАльфа\t+7 913 765 43 21\n", filename="clients.txt", encoding="utf-16")
    assert report.imported == 1 and report.errors == []


async def test_xlsx_with_numbers_and_empty_rows(db: AsyncSession) -> None:
    data = xlsx_bytes([
        ["Название", "ИНН", "Телефон", "Телефон 2", "E-mail"],
        ["Омега", int(INN1), 79135550001, "8 913 555 00 02", "omega@example.com"],
        [None, None, None, None, None],
        ["Сигма", float(INN2), 79135550003, None, None],
        ["Тау", "123", "555", None, "not-an-email"],
    ])
    report = await run_import(db, data, filename="clients.xlsx", mode=ImportMode.GOOD_ROWS)
    assert report.total_rows == 3 and report.imported == 2
    assert errors_of(report) == {(5, "tax_id"), (5, "phones"), (5, "emails")}
    found = await clients_by_name(db)
    assert found["Омега"].tax_id == INN1 and found["Сигма"].tax_id == INN2
    assert await phones_of(db, found["Омега"].id) == ["+79135550001", "+79135550002"]


def bad_file() -> str:
    """Rows 2 and 7 are good; every other row has one fault (row 4 is a duplicate of row 2)."""
    return (
        "name;tax_id;phones;emails;owner\n"
        f"Альфа;{INN1};+7 913 100 00 01;alfa@example.com;\n"  # 2 good
        "Бета;;12345;;\n"  # 3 bad phone
        f"Гамма;{INN1};;;\n"  # 4 same INN as row 2
        f"Дельта;{BAD_INN};;;\n"  # 5 bad INN checksum
        ";;+7 913 100 00 05;;\n"  # 6 no name
        "Эпсилон;;+7 913 100 00 06;;\n"  # 7 good
        "Существующий;;;;\n"  # 8 duplicate of a client in the base
        "Дзета;;+7 913 100 00 08;;nobody\n"  # 9 unknown owner
        "альфа, ООО;;;;\n"  # 10 same name as row 2
    )


EXPECTED_ERRORS = {
    (3, "phones"), (4, "tax_id"), (5, "tax_id"), (6, "name"), (8, "name"), (9, "owner"), (10, "name"),
}


async def existing_client(db: AsyncSession) -> dict[str, Any]:
    return await create_client(db, SYSTEM, ClientIn(name="ООО Существующий", kind=ClientKind.COMPANY), region="RU")


async def test_row_errors_atomic_writes_nothing(db: AsyncSession) -> None:
    existing = await existing_client(db)
    report = await run_import(db, bad_file(), mode=ImportMode.ATOMIC)
    assert not report.committed
    assert errors_of(report) == EXPECTED_ERRORS
    assert (report.total_rows, report.imported, report.skipped, report.bad_rows) == (9, 0, 9, 7)
    reasons = {(e.row, e.field): e.reason for e in report.errors}
    assert "'12345' is not a phone number" in reasons[(3, "phones")]
    assert "as row 2" in reasons[(4, "tax_id")] and "as row 2" in reasons[(10, "name")]
    assert "check digit" in reasons[(5, "tax_id")]
    assert reasons[(6, "name")] == "is required"
    assert f"#{existing['id']}" in reasons[(8, "name")]
    assert "nobody" in reasons[(9, "owner")]
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert await count(db, Client) == 1 and await count(db, Phone) == 0
    assert await db.scalar(select(func.count()).where(AuditEntry.action == "import")) == 0


async def test_good_rows_writes_only_good_ones(db: AsyncSession) -> None:
    await existing_client(db)
    report = await run_import(db, bad_file(), mode=ImportMode.GOOD_ROWS)
    assert report.committed and errors_of(report) == EXPECTED_ERRORS
    assert (report.imported, report.skipped) == (2, 7)
    assert set(await clients_by_name(db)) == {"ООО Существующий", "Альфа", "Эпсилон"}


async def test_duplicates_created_on_request(db: AsyncSession) -> None:
    await existing_client(db)
    text = f"name;tax_id\nСуществующий;\nАльфа;{INN1}\nАльфа-2;{INN1}\n"
    report = await run_import(db, text, on_duplicate="create")
    assert report.committed and report.imported == 3 and report.errors == []
    assert await count(db, Client) == 4


async def test_contact_phone_duplicate_and_contact_lines(db: AsyncSession) -> None:
    await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": "Старый", "kind": "company", "contacts": [{"full_name": "Кто-то", "phones": ["+7 913 300 00 01"]}],
    }), region="RU")
    text = (
        "name;contact;contact_position;contact_phone\n"
        "Новый;Иванов;;+7 913 300 00 01\n"  # 2: the contact's phone belongs to a contact of "Старый"
        'Второй;"Петров\nСидоров";"\nбухгалтер";"+7 913 300 00 02\n+7 913 300 00 03, +7 913 300 00 04"\n'  # 3
        "Третий;;директор;\n"  # 4: a position without a name
    )
    report = await run_import(db, text, mode=ImportMode.GOOD_ROWS)
    assert errors_of(report) == {(2, "contact_phone"), (4, "contact")}
    second = (await clients_by_name(db))["Второй"]
    people = list(await db.scalars(
        select(ContactPerson).join(ClientContact).where(ClientContact.client_id == second.id).order_by(ContactPerson.id)
    ))
    assert [(p.full_name, p.position) for p in people] == [("Петров", ""), ("Сидоров", "бухгалтер")]
    sidorov_phones = set(await db.scalars(select(Phone.e164).where(Phone.contact_id == people[1].id)))
    assert sidorov_phones == {"+79133000003", "+79133000004"}


async def test_bad_values_and_missing_name_column(db: AsyncSession) -> None:
    report = await run_import(db, "name,kind,stage,abc\nA,robot,вечный,Q\n")
    assert errors_of(report) == {(2, "kind"), (2, "stage"), (2, "abc_class")}
    with pytest.raises(BadImportFile, match="name"):
        await run_import(db, "phone,inn\n+79131234567,\n")
    with pytest.raises(BadImportFile, match="both mean"):
        await run_import(db, "name,инн,inn\nA,,\n")
    with pytest.raises(ValidationFailed):
        await run_import(db, "name\nA\n", mode="all")  # type: ignore[arg-type]


async def test_limits(db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    with pytest.raises(ImportTooLarge, match="more than 3 rows"):
        await run_import(db, "name\nA\nB\nC\nD\n")
    monkeypatch.setattr(reading, "MAX_BYTES", 10)
    with pytest.raises(ImportTooLarge):
        await run_import(db, "name\nABCDEFGHIJKLMNOP\n")


async def test_many_rows_in_batches(db: AsyncSession) -> None:
    n = 2500  # more than two insert batches
    lines = ["name;phones;contact;contact_phone"]
    lines += [f"Клиент {i};+7 914 {i:07d};Контакт {i};+7 915 {i:07d}" for i in range(n)]
    report = await run_import(db, "\n".join(lines))
    assert report.committed and report.imported == n, report.errors[:3]
    assert await count(db, Client) == n and await count(db, Phone) == 2 * n and await count(db, ClientContact) == n
    last = await db.scalar(select(Client).where(Client.name == f"Клиент {n - 1}"))
    assert last is not None and await phones_of(db, last.id) == [f"+7914{n - 1:07d}"]


async def test_import_permission(db: AsyncSession, make_user: MakeUser) -> None:
    operator = await make_user(Role.OPERATOR)
    principal = Principal(user_id=operator.id, login=operator.login, role=Role.OPERATOR)
    with pytest.raises(Forbidden):
        await import_clients(db, principal, filename="a.csv", data=b"name\nA\n", mode=ImportMode.ATOMIC, region="RU")
    with pytest.raises(Forbidden):
        await export_clients(db, principal, fmt="csv")


# ---------------------------------------------------------------- exporting


async def seed_for_export(db: AsyncSession, owner_id: int | None = None) -> None:
    await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": 'ООО "Ромашка"', "kind": "company", "tax_id": INN1, "phones": ["8 913 123 45 67", "+7 913 123 45 68"],
        "emails": ["info@romashka.ru"], "addresses": [{"text": "Москва"}], "notes": "=HYPERLINK(\"x\")",
        "stage": "regular", "abc_class": "A", "xyz_class": "Y", "owner_id": owner_id,
        "contacts": [
            {"full_name": "Иванов Иван", "position": "директор", "phones": ["+7 913 000 00 01"], "emails": ["i@r.ru"]},
            {"full_name": "Петрова Анна", "phones": ["+7 913 000 00 02", "+7 913 000 00 03"]},
        ],
    }), region="RU")
    await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": "Сидоров Семён", "kind": "person", "tax_id": PERSON_INN, "phones": ["+7 913 999 99 99"],
    }), region="RU")


def csv_rows(content: bytes) -> list[list[str]]:
    import csv

    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [[reading.cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


async def test_export_columns(db: AsyncSession, make_user: MakeUser) -> None:
    owner = await make_user(Role.MANAGER, login="boss")
    await seed_for_export(db, owner.id)
    content, media_type, filename = await export_clients(db, SYSTEM, fmt="csv")
    assert media_type.startswith("text/csv") and filename.endswith(".csv")
    header, first, second = csv_rows(content)
    row = dict(zip(header, first))
    assert row["name"] == 'ООО "Ромашка"' and row["kind"] == "company" and row["tax_id"] == INN1
    assert row["phones"] == "'+79131234567; +79131234568"  # the apostrophe keeps a spreadsheet from computing it
    assert row["notes"] == "'=HYPERLINK(\"x\")"
    assert (row["stage"], row["abc_class"], row["xyz_class"], row["owner"]) == ("regular", "A", "Y", "boss")
    assert row["contact"] == "Иванов Иван\nПетрова Анна" and row["contact_position"] == "директор\n"
    assert row["contact_phone"] == "'+79130000001\n+79130000002; +79130000003"
    assert dict(zip(header, second))["kind"] == "person"
    content, media_type, _ = await export_clients(db, SYSTEM, fmt="xlsx")
    rows = xlsx_rows(content)
    assert rows[0] == header and rows[1][3] == "+79131234567; +79131234568"
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.worksheets[0]["G2"].data_type == "s"  # "=HYPERLINK" stays text, never a formula
    content, _, _ = await export_clients(db, SYSTEM, fmt="csv", q="сидоров")
    assert [r[0] for r in csv_rows(content)[1:]] == ["Сидоров Семён"]
    with pytest.raises(ValidationFailed):
        await export_clients(db, SYSTEM, fmt="pdf")


async def test_export_honours_own_clients_only(db: AsyncSession, make_user: MakeUser) -> None:
    mine = await make_user(Role.SUPERVISOR)
    await seed_for_export(db, mine.id)
    await create_client(db, SYSTEM, ClientIn(name="Чужой", kind=ClientKind.COMPANY), region="RU")
    restricted = Principal(user_id=mine.id, login=mine.login, role=Role.SUPERVISOR, own_clients_only=True)
    content, _, _ = await export_clients(db, restricted, fmt="csv")
    assert [r[0] for r in csv_rows(content)[1:]] == ['ООО "Ромашка"']


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_round_trip(db: AsyncSession, make_user: MakeUser, fmt: str) -> None:
    owner = await make_user(Role.MANAGER, login="boss")
    await seed_for_export(db, owner.id)
    first, _, filename = await export_clients(db, SYSTEM, fmt=fmt)
    # Same file into the same base: every row is a duplicate of the client it came from.
    report = await run_import(db, first, filename=filename)
    assert not report.committed and errors_of(report) == {(2, "tax_id"), (3, "tax_id")}
    await db.execute(delete(Client))
    await db.execute(delete(ContactPerson))
    await db.commit()
    report = await run_import(db, first, filename=filename)
    assert report.committed and report.imported == 2 and report.errors == []
    second, _, _ = await export_clients(db, SYSTEM, fmt=fmt)
    read = csv_rows if fmt == "csv" else xlsx_rows
    assert read(second) == read(first)


# ---------------------------------------------------------------- command line


async def cli(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_DATA_DIR": str(tmp_path / "data")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from callcenter.cli import main; main()", *args,
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_import_and_export(db: AsyncSession, database_url: str, tmp_path: Path, make_user: MakeUser) -> None:
    await existing_client(db)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bad_file().encode("cp1251"))
    code, out, err = await cli(database_url, tmp_path, "import", str(bad))
    assert code == 1, (out, err)
    assert "row 3: phones: '12345' is not a phone number" in err and "row 9: owner:" in err
    assert "NOT imported" in out
    assert await count(db, Client) == 1
    code, out, err = await cli(database_url, tmp_path, "import", str(bad), "--mode", "good_rows")
    assert code == 0, (out, err)
    assert "9 rows, 2 imported, 7 skipped" in out
    target = tmp_path / "out.xlsx"
    code, out, err = await cli(database_url, tmp_path, "export", str(target), "--q", "альфа")
    assert code == 0, (out, err)
    assert "1 clients exported" in out and xlsx_rows(target.read_bytes())[1][0] == "Альфа"
    await make_user(Role.OPERATOR, login="op")
    code, out, err = await cli(database_url, tmp_path, "import", str(bad), "--as", "op")
    assert code == 1 and "may not import" in err


# ---------------------------------------------------------------- HTTP


async def test_api_upload(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    good = f"name;tax_id;phones\nАльфа;{INN1};+7 913 100 00 01\n".encode("cp1251")
    r = await admin_http.post("/api/import", files={"file": ("clients.csv", good, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 1 and r.json()["committed"] is True
    bad = "name;phones\nБета;12345\nГамма;+7 913 100 00 02\n".encode()
    r = await admin_http.post("/api/import", files={"file": ("clients.csv", bad)}, data={"mode": "atomic"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "import-rejected" and body["committed"] is False
    assert body["errors"] == [{"row": 2, "field": "phones", "reason": body["errors"][0]["reason"]}]
    r = await admin_http.post("/api/import", files={"file": ("clients.csv", bad)}, data={"mode": "good_rows"})
    assert r.status_code == 200 and r.json()["imported"] == 1 and r.json()["skipped"] == 1
    r = await admin_http.post("/api/import", files={"file": ("clients.csv", bad)}, data={"on_duplicate": "maybe"})
    assert r.status_code == 422 and "on_duplicate" in r.json()["fields"]
    assert await count(db, Client) == 2


@pytest.mark.parametrize(
    ("name", "content", "status", "error_id"),
    [
        ("clients.pdf", b"%PDF-1.4 ...", 415, "unsupported-format"),
        ("clients.xlsx", b"PK\x03\x04" + b"\x00garbage" * 40, 400, "bad-import-file"),
        ("clients.csv", b"\x00\x01\x02\x03binary", 400, "bad-import-file"),
        ("clients.csv", b"phone\n+79131234567\n", 400, "bad-import-file"),
        ("clients.csv", b"", 400, "empty-file"),
    ],
)
async def test_api_bad_uploads(
    admin_http: httpx.AsyncClient, name: str, content: bytes, status: int, error_id: str
) -> None:
    r = await admin_http.post("/api/import", files={"file": (name, content)})
    assert r.status_code == status, r.text
    assert r.json()["error"] == error_id and r.json()["message"]


async def test_api_no_file_and_too_large(admin_http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    r = await admin_http.post("/api/import", data={"mode": "atomic"})
    assert r.status_code == 400 and r.json()["error"] == "no-file"
    r = await admin_http.post("/api/import", json={"file": "x"})
    assert r.status_code == 400 and r.json()["error"] == "no-file"
    monkeypatch.setattr("web.api.transfer._MAX_REQUEST", 1000)
    r = await admin_http.post("/api/import", files={"file": ("clients.csv", b"name\n" + b"A\n" * 1000)})
    assert r.status_code == 413 and r.json()["error"] == "import-too-large"


async def test_api_download(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    await seed_for_export(db)
    r = await admin_http.get("/api/export", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"].startswith('attachment; filename="clients-')
    assert len(xlsx_rows(r.content)) == 3
    r = await admin_http.get("/api/export", params={"q": "ромашка"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert [row[0] for row in csv_rows(r.content)] == ["name", 'ООО "Ромашка"']
    r = await admin_http.get("/api/export", params={"format": "doc"})
    assert r.status_code == 422


async def test_api_permissions(http: httpx.AsyncClient, make_user: MakeUser, db: AsyncSession) -> None:
    await login_as(http, await make_user(Role.OPERATOR))
    r = await http.post("/api/import", files={"file": ("clients.csv", b"name\nA\n")})
    assert r.status_code == 403
    r = await http.get("/api/export")
    assert r.status_code == 403
    await login_as(http, await make_user(Role.SUPERVISOR))
    r = await http.get("/api/export")
    assert r.status_code == 200
    r = await http.post("/api/import", files={"file": ("clients.csv", b"name\nA\n")})
    assert r.status_code == 403
    assert await count(db, Client) == 0
