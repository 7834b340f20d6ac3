"""The columns of a file of sales and turning its rows into checked sales; pure, run in a thread.

A row names its client by ``client_id`` (the CRM's id), ``inn`` (``tax_id``, ``ИНН``), ``phone``
(``телефон``, any format) or ``name`` (``клиент``, ``контрагент``...); which of them decides is
:mod:`callcenter.importing.sale_checks`' business. The sale itself: ``date`` (``дата``, ``sold_on``),
``amount`` (``сумма``), optional ``margin`` (``маржа``), ``product`` (``товар``) and ``external_ref``
(``номер``, ``document``), the sale's number in the accounting system, by which a sale imported once is
recognised when the file comes again. Every value passes :class:`~callcenter.deals.schemas.SaleIn`, as
on ``POST /api/sales``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from callcenter.clients.validation import clean_tax_id
from callcenter.deals.schemas import SaleIn
from callcenter.ids import MAX_ID
from callcenter.importing.columns import ColumnSet, cell_reader
from callcenter.importing.reading import BadImportFile, Table
from callcenter.importing.report import RowError
from callcenter.importing.values import parse_date, parse_money
from callcenter.names import duplicate_key
from callcenter.phones import BadPhone, to_e164

# Canonical column names: what row errors call a field.
CLIENT = "client"  # a row naming no client at all
CLIENT_ID = "client_id"
TAX_ID = "tax_id"
PHONE = "phone"
NAME = "name"
DATE = "date"
AMOUNT = "amount"
MARGIN = "margin"
PRODUCT = "product"
EXTERNAL_REF = "external_ref"
CLIENT_KEYS = (CLIENT_ID, TAX_ID, PHONE, NAME)  # strongest first

SALE_COLUMNS = ColumnSet({
    CLIENT_ID: ("client id", "clientid", "id клиента", "код клиента", "client number"),
    TAX_ID: ("tax id", "taxid", "inn", "инн", "инн клиента", "инн покупателя", "инн контрагента"),
    PHONE: ("phone", "телефон", "phone number", "номер телефона", "тел", "телефон клиента"),
    NAME: ("name", "client", "client name", "customer", "клиент", "наименование", "название", "контрагент",
           "покупатель", "наименование клиента"),
    DATE: ("date", "дата", "sold on", "sale date", "дата продажи", "дата документа"),
    AMOUNT: ("amount", "сумма", "sum", "total", "сумма продажи", "итого"),
    MARGIN: ("margin", "маржа", "gross margin"),
    PRODUCT: ("product", "товар", "продукт", "item", "номенклатура", "услуга"),
    EXTERNAL_REF: ("external ref", "externalref", "номер", "document", "документ", "номер документа",
                   "document number", "reference"),
})

Getter = Callable[[str], str]
Complain = Callable[[str, str], None]
_FIELDS = {"sold_on": DATE, "amount": AMOUNT, "margin": MARGIN, "product": PRODUCT, "external_ref": EXTERNAL_REF}


@dataclass(frozen=True, slots=True)
class ClientKeys:
    """How a row names its client: any of the CRM's id, the tax id, a phone (E.164), the name (and its key)."""

    client_id: int | None = None
    tax_id: str | None = None
    phone: str | None = None
    name: str = ""
    name_key: str | None = None


@dataclass(slots=True)
class SaleRow:
    """A row whose values are good; ``client_id`` is filled in once its client is found."""

    row: int
    sale: SaleIn
    keys: ClientKeys
    client_id: int | None = None


def map_sale_header(header: list[str]) -> tuple[dict[str, list[int]], list[str]]:
    """``{column: [cell indexes]}`` and the ignored header cells; a file without the needed columns is refused."""
    found, ignored = SALE_COLUMNS.map_header(header)
    missing = [what for column, what in ((DATE, "date (дата)"), (AMOUNT, "amount (сумма)")) if column not in found]
    if not any(column in found for column in CLIENT_KEYS):
        missing.append("the client: client_id, inn (ИНН), phone (телефон) or name (клиент)")
    if missing:
        raise BadImportFile(
            "The file has no column for " + "; ".join(missing) + ". The first non-empty row must be the header."
        )
    return found, ignored


def prepare_sale_rows(table: Table, found: dict[str, list[int]], region: str) -> tuple[list[SaleRow], list[RowError]]:
    """Every row checked; the good ones come back ready for their client to be found, the bad ones as errors."""
    good: list[SaleRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        result = prepare_sale_row(number, cells, found, region)
        if isinstance(result, SaleRow):
            good.append(result)
        else:
            errors.extend(result)
    return good, errors


def prepare_sale_row(
    number: int, cells: list[str], found: dict[str, list[int]], region: str
) -> SaleRow | list[RowError]:
    """One row as a sale and the keys of its client, or every reason it is not one."""
    get = cell_reader(cells, found)
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(number, column, reason))

    sale = _sale(get, bad)
    keys = _client_keys(get, bad, region)
    if errors or sale is None or keys is None:
        return errors
    return SaleRow(number, sale, keys)


def _sale(get: Getter, bad: Complain) -> SaleIn | None:
    # The client is found later, in the database; any valid id holds its place through SaleIn's checks.
    payload: dict[str, Any] = {"client_id": 1, "product": get(PRODUCT).strip()}
    payload["external_ref"] = get(EXTERNAL_REF).strip() or None
    readable = True
    for column, key, required in ((DATE, "sold_on", True), (AMOUNT, "amount", True), (MARGIN, "margin", False)):
        text = get(column).strip()
        if not text:
            if required:
                bad(column, "is required")
                readable = False
            continue
        try:
            payload[key] = parse_date(text) if column == DATE else parse_money(text)
        except ValueError as exc:
            bad(column, str(exc))
            readable = False
    if not readable:
        return None
    try:
        return SaleIn.model_validate(payload)
    except ValidationError as exc:
        for item in exc.errors():
            field = str(item["loc"][0]) if item["loc"] else "amount"
            column = _FIELDS.get(field, field)
            text = get(column).strip()
            bad(column, f"{text!r}: {item['msg']}" if text else item["msg"])
        return None


def _client_keys(get: Getter, bad: Complain, region: str) -> ClientKeys | None:
    """The keys the row gives for its client; None when one of them is bad or none is given (both reported)."""
    faulty = False
    client_id: int | None = None
    id_text = get(CLIENT_ID).strip()
    if id_text:
        if id_text.isascii() and id_text.isdigit() and 0 < int(id_text) <= MAX_ID:
            client_id = int(id_text)
        else:
            bad(CLIENT_ID, f"{id_text!r} is not a client id (a whole number)")
            faulty = True
    tax_text = get(TAX_ID).strip()
    reasons: dict[str, str] = {}
    tax_id = clean_tax_id(tax_text or None, TAX_ID, reasons)
    if TAX_ID in reasons:
        bad(TAX_ID, f"{reasons[TAX_ID]} ({tax_text})")
        faulty = True
    phone: str | None = None
    phone_text = get(PHONE).strip()
    if phone_text:
        try:
            phone = to_e164(phone_text, region)
        except BadPhone as exc:
            bad(PHONE, f"{phone_text!r} is not a phone number: {exc.reason}")
            faulty = True
    name = " ".join(get(NAME).split())
    name_key = duplicate_key(name) or None
    if name and name_key is None:
        bad(NAME, f"{name!r} is not a client's name")
        faulty = True
    if not (id_text or tax_text or phone_text or name):
        bad(CLIENT, "no client: fill in client_id, INN, phone or name")
        faulty = True
    if faulty:
        return None
    return ClientKeys(client_id=client_id, tax_id=tax_id, phone=phone, name=name, name_key=name_key)
