"""Contact persons: creating them for a client, linking and unlinking, changing, deleting, listing.

A person may represent several clients. Under the own-clients-only switch an operator sees a person who
represents at least one of their clients, and may change or delete only a person all of whose clients are
theirs. Deleting a person takes ``clients:delete``; creating, changing, linking and unlinking ``clients:write``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import contact_refusal, load_client, visible_contacts
from callcenter.auth.principal import Permission, Principal
from callcenter.clients.schemas import ContactIn, ContactPatch
from callcenter.clients.validation import (
    CleanPhone,
    add_emails,
    add_phones,
    clean_emails,
    clean_phones,
    replace_emails,
    replace_phones,
)
from callcenter.contacts.schemas import ContactFilter
from callcenter.contacts.serialize import contact_dicts
from callcenter.errors import Forbidden, NotFound, ValidationFailed
from callcenter.models import ClientContact, ContactPerson, Email, Phone
from callcenter.names import like_fragment, search_form
from callcenter.phones import try_e164
from callcenter.rows import fetch_page


async def add_contact_in(
    db: AsyncSession, client_id: int | None, data: ContactIn, phones: list[CleanPhone]
) -> ContactPerson:
    """Write a contact person with phones and e-mails (already validated), linked to ``client_id`` if given."""
    person = ContactPerson(
        full_name=data.full_name,
        name_search=search_form(data.full_name),
        position=data.position,
        notes=data.notes,
    )
    db.add(person)
    await db.flush()
    add_phones(db, phones, contact_id=person.id)
    add_emails(db, clean_emails([str(e) for e in data.emails]), contact_id=person.id)
    if client_id is not None:
        db.add(ClientContact(client_id=client_id, contact_id=person.id, role=data.role))
    return person


async def load_contact(db: AsyncSession, principal: Principal, contact_id: int, *, write: bool = False) -> ContactPerson:
    """The person, if ``principal`` may see it (or, with ``write``, change it)."""
    person = await db.get(ContactPerson, contact_id)
    if person is None:
        raise NotFound("contact", contact_id)
    reason = await contact_refusal(db, principal, contact_id, write=write)
    if reason:
        raise Forbidden(reason)
    return person


async def get_contact(db: AsyncSession, principal: Principal, contact_id: int) -> dict[str, Any]:
    principal.require(Permission.CLIENTS_READ)
    person = await load_contact(db, principal, contact_id)
    return (await contact_dicts(db, principal, [person]))[0]


def _search(q: str, region: str) -> Any:
    conditions: list[Any] = []
    e164 = try_e164(q, region)
    if e164:
        conditions.append(ContactPerson.id.in_(select(Phone.contact_id).where(Phone.e164 == e164)))
    if "@" in q:
        conditions.append(ContactPerson.id.in_(select(Email.contact_id).where(Email.address == q.lower())))
    conditions.append(ContactPerson.name_search.like(like_fragment(q), escape="\\"))
    return or_(*conditions)


async def list_contacts(
    db: AsyncSession, principal: Principal, flt: ContactFilter, *, region: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    principal.require(Permission.CLIENTS_READ)
    query = visible_contacts(principal, select(ContactPerson), ContactPerson.id)
    if flt.q:
        query = query.where(_search(flt.q, region))
    if flt.client_id is not None:
        query = query.where(
            ContactPerson.id.in_(select(ClientContact.contact_id).where(ClientContact.client_id == flt.client_id))
        )
    people, total = await fetch_page(
        db, query, (ContactPerson.name_search, ContactPerson.id), limit=limit, offset=offset
    )
    return await contact_dicts(db, principal, people), total


async def create_for_client(
    db: AsyncSession, principal: Principal, client_id: int, data: ContactIn, *, region: str, ip: str | None = None
) -> dict[str, Any]:
    """A new person representing ``client_id`` in ``data.role``."""
    principal.require(Permission.CLIENTS_WRITE)
    await load_client(db, principal, client_id)
    errors: dict[str, str] = {}
    phones = clean_phones(data.phones, region, "phones", errors)
    if errors:
        raise ValidationFailed(errors)
    person = await add_contact_in(db, client_id, data, phones)
    audit.record(
        db, principal, "create", "contact", person.id,
        {"full_name": data.full_name, "client_id": client_id, "role": data.role, "phones": [p.e164 for p in phones]},
        ip,
    )
    await db.commit()
    return await get_contact(db, principal, person.id)


async def update_contact(
    db: AsyncSession, principal: Principal, contact_id: int, patch: ContactPatch, *, region: str, ip: str | None = None
) -> dict[str, Any]:
    """Change a person; phone and e-mail lists given replace the old ones."""
    principal.require(Permission.CLIENTS_WRITE)
    person = await load_contact(db, principal, contact_id, write=True)
    given = patch.model_fields_set
    errors: dict[str, str] = {}
    phones = clean_phones(patch.phones, region, "phones", errors) if patch.phones is not None else None
    for required in ("full_name", "position", "notes", "phones", "emails"):
        if required in given and getattr(patch, required) is None:
            errors[required] = "may not be null"
    if errors:
        raise ValidationFailed(errors)
    if patch.full_name is not None:
        person.full_name = patch.full_name
        person.name_search = search_form(patch.full_name)
    if patch.position is not None:
        person.position = patch.position
    if patch.notes is not None:
        person.notes = patch.notes
    changes: dict[str, Any] = audit.changed_fields(person)
    changes.pop("name_search", None)
    if phones is not None:
        await replace_phones(db, contact_id=person.id, phones=phones)
        changes["phones"] = [p.e164 for p in phones]
    if patch.emails is not None:
        emails = clean_emails([str(e) for e in patch.emails])
        await replace_emails(db, contact_id=person.id, emails=emails)
        changes["emails"] = emails
    audit.record(db, principal, "update", "contact", person.id, changes, ip)
    await db.commit()
    return await get_contact(db, principal, person.id)


async def delete_contact(db: AsyncSession, principal: Principal, contact_id: int, ip: str | None = None) -> None:
    principal.require(Permission.CLIENTS_DELETE)
    person = await load_contact(db, principal, contact_id, write=True)
    audit.record(db, principal, "delete", "contact", person.id, {"full_name": person.full_name}, ip)
    await db.delete(person)
    await db.commit()


async def link_contact(
    db: AsyncSession, principal: Principal, client_id: int, contact_id: int, role: str, ip: str | None = None
) -> dict[str, Any]:
    """Let an existing person represent ``client_id`` in ``role`` (or change the role of an existing link)."""
    principal.require(Permission.CLIENTS_WRITE)
    await load_client(db, principal, client_id)
    # Linking must not reveal a person the principal may not see (their phones, e-mails, other clients).
    await load_contact(db, principal, contact_id)
    link = await db.get(ClientContact, (client_id, contact_id))
    if link is None:
        db.add(ClientContact(client_id=client_id, contact_id=contact_id, role=role))
        audit.record(db, principal, "link", "contact", contact_id, {"client_id": client_id, "role": role}, ip)
    elif link.role != role:
        audit.record(db, principal, "update", "contact", contact_id, {"client_id": client_id, "role": [link.role, role]}, ip)
        link.role = role
    await db.commit()
    return await get_contact(db, principal, contact_id)


async def unlink_contact(
    db: AsyncSession, principal: Principal, client_id: int, contact_id: int, ip: str | None = None
) -> None:
    """The person no longer represents the client; the person stays (they may represent others)."""
    principal.require(Permission.CLIENTS_WRITE)
    await load_client(db, principal, client_id)
    link = await db.get(ClientContact, (client_id, contact_id))
    if link is None:
        raise NotFound("contact link", f"{client_id}/{contact_id}")
    audit.record(db, principal, "unlink", "contact", contact_id, {"client_id": client_id}, ip)
    await db.delete(link)
    await db.commit()
