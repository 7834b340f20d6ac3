"""Field checks that need more than a type (phones, tax ids, owners), and writing the cleaned phone and e-mail lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.schemas import PhoneIn
from callcenter.models import Email, Phone, User
from callcenter.models.enums import PhoneKind
from callcenter.phones import BadPhone, to_e164
from callcenter.taxid import inn_error


@dataclass(frozen=True, slots=True)
class CleanPhone:
    raw: str
    e164: str
    kind: PhoneKind


def clean_phones(
    items: list[str | PhoneIn], region: str, field: str, errors: dict[str, str]
) -> list[CleanPhone]:
    """Parse every phone; a bad one adds ``{field.N: reason}`` to ``errors``. Repeats are dropped."""
    seen: set[str] = set()
    result: list[CleanPhone] = []
    for index, item in enumerate(items):
        phone = item if isinstance(item, PhoneIn) else PhoneIn(number=item)
        try:
            e164 = to_e164(phone.number, region)
        except BadPhone as exc:
            errors[f"{field}.{index}"] = f"{phone.number!r} is not a phone number: {exc.reason}"
            continue
        if e164 not in seen:
            seen.add(e164)
            result.append(CleanPhone(raw=phone.number, e164=e164, kind=phone.kind))
    return result


def clean_emails(items: list[str]) -> list[str]:
    return list(dict.fromkeys(address.strip().lower() for address in items))


def _holder(client_id: int | None, contact_id: int | None) -> dict[str, int | None]:
    """The owning columns of a phone or e-mail row: exactly one of a client and a contact person."""
    if (client_id is None) == (contact_id is None):
        raise ValueError("give exactly one of client_id and contact_id")
    return {"client_id": client_id, "contact_id": contact_id}


def _held_by(model: Any, holder: dict[str, int | None]) -> Any:
    if holder["client_id"] is not None:
        return model.client_id == holder["client_id"]
    return model.contact_id == holder["contact_id"]


def add_phones(
    db: AsyncSession, phones: list[CleanPhone], *, client_id: int | None = None, contact_id: int | None = None
) -> None:
    """Add cleaned phones to a client or to a contact person."""
    holder = _holder(client_id, contact_id)
    for phone in phones:
        db.add(Phone(**holder, raw=phone.raw, e164=phone.e164, kind=phone.kind))


def add_emails(db: AsyncSession, emails: list[str], *, client_id: int | None = None, contact_id: int | None = None) -> None:
    """Add cleaned e-mail addresses to a client or to a contact person."""
    holder = _holder(client_id, contact_id)
    for address in emails:
        db.add(Email(**holder, address=address))


async def replace_phones(
    db: AsyncSession, *, client_id: int | None = None, contact_id: int | None = None, phones: list[CleanPhone]
) -> None:
    """Put cleaned ``phones`` in place of all the phones of a client or of a contact person."""
    await db.execute(delete(Phone).where(_held_by(Phone, _holder(client_id, contact_id))))
    add_phones(db, phones, client_id=client_id, contact_id=contact_id)


async def replace_emails(
    db: AsyncSession, *, client_id: int | None = None, contact_id: int | None = None, emails: list[str]
) -> None:
    """Put cleaned ``emails`` in place of all the e-mail addresses of a client or of a contact person."""
    await db.execute(delete(Email).where(_held_by(Email, _holder(client_id, contact_id))))
    add_emails(db, emails, client_id=client_id, contact_id=contact_id)


def clean_tax_id(value: str | None, field: str, errors: dict[str, str]) -> str | None:
    """Digit-only ids are Russian INNs and must pass their checksum; ids with letters (foreign VAT) are kept."""
    if value is None or value == "":
        return None
    compact = value.replace(" ", "")
    if compact.isdigit():
        reason = inn_error(compact)
        if reason:
            errors[field] = f"INN {reason}"
            return None
        return compact
    if not (compact.isascii() and compact.isalnum()) or len(compact) < 5:
        errors[field] = "must be an INN (10 or 12 digits) or a foreign tax id of letters and digits"
        return None
    return compact.upper()


async def check_owner(db: AsyncSession, owner_id: int | None, field: str, errors: dict[str, str]) -> None:
    if owner_id is None:
        return
    exists = await db.scalar(select(User.id).where(User.id == owner_id, User.is_active.is_(True)))
    if exists is None:
        errors[field] = f"no active user with id {owner_id}"
