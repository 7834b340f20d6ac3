"""Turning the rows of a file into validated clients, with the API's own rules; pure, run in a thread.

Each row passes :class:`~callcenter.clients.schemas.ClientIn` and the checks of
:mod:`callcenter.clients.validation`, exactly as ``POST /api/clients`` does. A row whose kind is empty is a
company: a legal form in the name (ООО, АО, ИП...) says so, and a name without one is read as a company
as well, since a person's name cannot be told reliably from a brand. A sole trader ("ИП Иванов") is a
company: the business is dealt with as such and has its legal form and INN. Several contact persons go
in one cell per contact column, one per line, the lines of the contact columns matching one another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import client_columns
from callcenter.clients.validation import CleanPhone, clean_emails, clean_phones, clean_tax_id
from callcenter.importing import columns as c
from callcenter.importing.reading import BadImportFile, Table
from callcenter.importing.report import RowError
from callcenter.models.enums import ClientKind


@dataclass(slots=True)
class CleanRow:
    """A row that passed every check that needs no database; ``columns`` is its ``clients`` row."""

    row: int
    data: ClientIn
    columns: dict[str, Any]
    phones: list[CleanPhone]
    emails: list[str]
    contact_phones: list[list[CleanPhone]]
    owner_login: str | None


def map_header(header: list[str]) -> tuple[dict[str, list[int]], list[str]]:
    """``{column: [cell indexes]}`` and the header cells that name no known column."""
    found, ignored = c.CLIENT_COLUMNS.map_header(header)
    if c.NAME not in found:
        raise BadImportFile(
            "The file has no column with the client's name (name, наименование or название); "
            "the first non-empty row must be the header."
        )
    return found, ignored


def prepare_rows(table: Table, found: dict[str, list[int]], region: str) -> tuple[list[CleanRow], list[RowError]]:
    """Every row checked; the good ones come back ready to be written, the bad ones as errors."""
    good: list[CleanRow] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        result = prepare_row(number, cells, found, region)
        if isinstance(result, CleanRow):
            good.append(result)
        else:
            errors.extend(result)
    return good, errors


def prepare_row(number: int, cells: list[str], found: dict[str, list[int]], region: str) -> CleanRow | list[RowError]:
    """One row as a validated client, or every reason it is not one."""
    get = c.cell_reader(cells, found)
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(number, column, reason))

    payload = _payload(get, bad)
    data: ClientIn | None = None
    try:
        data = ClientIn.model_validate(payload)
    except ValidationError as exc:
        already = {e.field for e in errors}  # "name: is required" says it better than pydantic's words
        for item in exc.errors():
            column = _column_of(item["loc"])
            value = item.get("input")
            shown = f"{value!r}: " if isinstance(value, str) and value else ""
            if column not in already:
                bad(column, shown + item["msg"])
    found_errors: dict[str, str] = {}
    phones = clean_phones(payload["phones"], region, "phones", found_errors)
    contact_phones = [
        clean_phones(contact["phones"], region, f"contacts.{i}.phones", found_errors)
        for i, contact in enumerate(payload["contacts"])
    ]
    tax_text = payload.get("tax_id") or ""
    tax_id = clean_tax_id(tax_text or None, "tax_id", found_errors)
    tax_reported = any(e.field == c.TAX_ID for e in errors)
    for key, reason in found_errors.items():
        if key == "tax_id":
            if not tax_reported:
                bad(c.TAX_ID, f"{reason} ({tax_text})")
        else:
            bad(c.CONTACT_PHONE if key.startswith("contacts.") else c.PHONES, reason)
    if errors or data is None:
        return errors
    return CleanRow(
        row=number,
        data=data,
        columns=client_columns(data, tax_id=tax_id, owner_id=None),
        phones=phones,
        emails=clean_emails([str(e) for e in data.emails]),
        contact_phones=contact_phones,
        owner_login=get(c.OWNER).strip() or None,
    )


def _payload(get: Callable[[str], str], bad: Callable[[str, str], None]) -> dict[str, Any]:
    """What ``POST /api/clients`` would be sent for this row; words it cannot read are reported."""
    payload: dict[str, Any] = {"name": " ".join(get(c.NAME).split()), "kind": ClientKind.COMPANY.value}
    if not payload["name"]:
        bad(c.NAME, "is required")
    for column, words, key, what in (
        (c.KIND, c.KINDS, "kind", "company or person (компания, физлицо)"),
        (c.STAGE, c.STAGES, "stage",
         "potential, one_time, regular or lost (потенциальный, разовый, постоянный, потерян)"),
        (c.ABC, c.ABC_CLASSES, "abc_class", "A, B or C"),
        (c.XYZ, c.XYZ_CLASSES, "xyz_class", "X, Y or Z"),
    ):
        text = get(column).strip()
        if text:
            value = words.get(c.header_key(text))
            if value is None:
                bad(column, f"{text!r} is not one of: {what}")
            else:
                payload[key] = value
    tax_text = get(c.TAX_ID).strip()
    if tax_text:
        payload["tax_id"] = tax_text
    payload["phones"] = c.split_phones(get(c.PHONES))
    payload["emails"] = c.split_emails(get(c.EMAILS))
    payload["addresses"] = [{"kind": "legal", "text": line} for line in c.split_lines(get(c.ADDRESS)) if line]
    payload["notes"] = get(c.NOTES).strip()
    payload["contacts"] = _contacts(get, bad)
    return payload


def _contacts(get: Callable[[str], str], bad: Callable[[str, str], None]) -> list[dict[str, Any]]:
    names = c.split_lines(get(c.CONTACT))
    positions = c.split_lines(get(c.CONTACT_POSITION))
    phones = c.split_lines(get(c.CONTACT_PHONE))
    emails = c.split_lines(get(c.CONTACT_EMAIL))
    count = max(len(names), len(positions), len(phones), len(emails))
    contacts: list[dict[str, Any]] = []
    for i in range(count):
        name = names[i] if i < len(names) else ""
        position = positions[i] if i < len(positions) else ""
        phone_line = phones[i] if i < len(phones) else ""
        email_line = emails[i] if i < len(emails) else ""
        if not name:
            if position or phone_line or email_line:
                where = f" (line {i + 1})" if count > 1 else ""
                bad(c.CONTACT, f"a contact phone, e-mail or position is given without the contact's name{where}")
            continue
        contacts.append({
            "full_name": name,
            "position": position,
            "phones": c.split_phones(phone_line),
            "emails": c.split_emails(email_line),
        })
    return contacts


_CONTACT_FIELDS = {
    "full_name": c.CONTACT, "position": c.CONTACT_POSITION, "phones": c.CONTACT_PHONE, "emails": c.CONTACT_EMAIL,
}
_CLIENT_FIELDS = {"addresses": c.ADDRESS, "abc_class": c.ABC, "xyz_class": c.XYZ}


def _column_of(loc: tuple[Any, ...]) -> str:
    head = str(loc[0]) if loc else "name"
    if head == "contacts" and len(loc) >= 3:
        return _CONTACT_FIELDS.get(str(loc[2]), c.CONTACT)
    return _CLIENT_FIELDS.get(head, head)
