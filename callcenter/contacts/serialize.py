"""Plain-dict forms of contact persons with their phones, e-mails and the clients they represent.

Under the own-clients-only switch a person shared with another operator's client shows only the
principal's own clients: other operators' client ids and names stay hidden.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import visible_clients
from callcenter.auth.principal import Principal
from callcenter.clients.serialize import iso, phone_dict
from callcenter.models import Client, ClientContact, ContactPerson, Email, Phone


async def contact_dicts(db: AsyncSession, principal: Principal, people: list[ContactPerson]) -> list[dict[str, Any]]:
    """The API form of ``people`` as ``principal`` may see it, in order; three queries whatever their number."""
    ids = [p.id for p in people]
    phones: dict[int, list[Phone]] = defaultdict(list)
    emails: dict[int, list[str]] = defaultdict(list)
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for phone in await db.scalars(select(Phone).where(Phone.contact_id.in_(ids)).order_by(Phone.id)):
            phones[phone.contact_id].append(phone)  # type: ignore[index]
        for email in await db.scalars(select(Email).where(Email.contact_id.in_(ids)).order_by(Email.id)):
            emails[email.contact_id].append(email.address)  # type: ignore[index]
        query = (
            select(ClientContact.contact_id, ClientContact.client_id, ClientContact.role, Client.name)
            .join(Client, Client.id == ClientContact.client_id)
            .where(ClientContact.contact_id.in_(ids))
            .order_by(ClientContact.client_id)
        )
        rows = await db.execute(visible_clients(principal, query))
        for contact_id, client_id, role, name in rows:
            links[contact_id].append({"client_id": client_id, "client_name": name, "role": role})
    return [
        {
            "id": p.id,
            "full_name": p.full_name,
            "position": p.position,
            "notes": p.notes,
            "phones": [phone_dict(ph) for ph in phones[p.id]],
            "emails": emails[p.id],
            "clients": links[p.id],
            "created_at": iso(p.created_at),
            "updated_at": iso(p.updated_at),
        }
        for p in people
    ]
