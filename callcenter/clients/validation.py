"""Field checks that need more than a type: phones, tax ids, owners."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.schemas import PhoneIn
from callcenter.models import User
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
