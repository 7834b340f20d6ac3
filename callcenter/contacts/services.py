"""Creating contact persons and linking them to clients."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.schemas import ContactIn
from callcenter.clients.validation import CleanPhone, clean_emails
from callcenter.models import ClientContact, ContactPerson, Email, Phone
from callcenter.names import search_form


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
    for phone in phones:
        db.add(Phone(contact_id=person.id, raw=phone.raw, e164=phone.e164, kind=phone.kind))
    for address in clean_emails([str(e) for e in data.emails]):
        db.add(Email(contact_id=person.id, address=address))
    if client_id is not None:
        db.add(ClientContact(client_id=client_id, contact_id=person.id, role=data.role))
    return person
