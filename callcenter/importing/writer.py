"""Writing validated clients in batches: a handful of multi-row INSERTs per thousand clients, no commit.

One INSERT per object would be ten thousand round trips for ten thousand clients; multi-row inserts with
RETURNING (both SQLite and PostgreSQL have it) give the new ids back in the order the rows were sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.validation import CleanPhone, clean_emails
from callcenter.importing.rows import CleanRow
from callcenter.models import Client, ClientContact, ContactPerson, Email, Phone
from callcenter.names import search_form

BATCH = 1000
T = TypeVar("T")


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def write_clients(db: AsyncSession, rows: Sequence[CleanRow]) -> None:
    """Insert the clients with their phones, e-mails and contact persons inside the caller's transaction."""
    for chunk in batches(rows):
        client_ids = await _insert_returning_ids(db, Client, [r.columns for r in chunk])
        phones: list[dict[str, Any]] = []
        emails: list[dict[str, Any]] = []
        people: list[dict[str, Any]] = []
        people_of: list[tuple[int, str, list[CleanPhone], list[str]]] = []
        for row, client_id in zip(chunk, client_ids):
            phones.extend(_phone(p, client_id=client_id) for p in row.phones)
            emails.extend({"client_id": client_id, "contact_id": None, "address": a} for a in row.emails)
            for contact, contact_phones in zip(row.data.contacts, row.contact_phones):
                people.append({
                    "full_name": contact.full_name,
                    "name_search": search_form(contact.full_name),
                    "position": contact.position,
                    "notes": contact.notes,
                })
                person_emails = clean_emails([str(e) for e in contact.emails])
                people_of.append((client_id, contact.role, contact_phones, person_emails))
        links: list[dict[str, Any]] = []
        if people:
            person_ids = await _insert_returning_ids(db, ContactPerson, people)
            for person_id, (client_id, role, person_phones, person_emails) in zip(person_ids, people_of):
                links.append({"client_id": client_id, "contact_id": person_id, "role": role})
                phones.extend(_phone(p, contact_id=person_id) for p in person_phones)
                emails.extend({"client_id": None, "contact_id": person_id, "address": a} for a in person_emails)
        for model, values in ((Phone, phones), (Email, emails), (ClientContact, links)):
            if values:
                await db.execute(insert(model), values)


def _phone(phone: CleanPhone, *, client_id: int | None = None, contact_id: int | None = None) -> dict[str, Any]:
    return {"client_id": client_id, "contact_id": contact_id, "raw": phone.raw, "e164": phone.e164, "kind": phone.kind}


async def _insert_returning_ids(db: AsyncSession, model: Any, values: list[dict[str, Any]]) -> list[int]:
    """The new ids, in the order of ``values``."""
    if db.get_bind().dialect.name != "sqlite":
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids = list(await db.scalars(statement, values))
    else:
        # SQLAlchemy asks SQLite for ordered ids one row at a time. SQLite gives each new row the largest
        # rowid plus one, and the open write transaction keeps other writers out, so ascending ids are the
        # order of the rows; a gap would mean that reasoning failed, and the import stops.
        ids = sorted(await db.scalars(insert(model).returning(model.id), values))
        if ids and ids[-1] - ids[0] != len(ids) - 1:
            raise RuntimeError(f"new {model.__tablename__} ids are not consecutive; import stopped")
    if len(ids) != len(values):
        raise RuntimeError(f"inserted {len(values)} {model.__tablename__} rows but got {len(ids)} ids back")
    return ids
