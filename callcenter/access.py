"""Who may see what is attached to a client when the admin switch restricts operators to their own clients.

An item attached to a client (interaction, task, deal, claim, contact person) is visible to a restricted
principal when that client is theirs. An item attached to no client is visible when the principal is its
actor (the interaction's user, the task's owner). Refusals are 403, as for the clients themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.errors import Forbidden
from callcenter.models import Client, ClientContact


def own_client_ids(principal: Principal) -> Any:
    """A subquery of the ids of the clients ``principal`` owns."""
    return select(Client.id).where(Client.owner_id == principal.user_id)


def visible_attached(principal: Principal, query: Any, client_column: Any, actor_column: Any = None) -> Any:
    """Restrict a query of items attached to clients to what ``principal`` may see."""
    if not principal.own_clients_only:
        return query
    condition = client_column.in_(own_client_ids(principal))
    if actor_column is not None:
        condition = or_(condition, and_(client_column.is_(None), actor_column == principal.user_id))
    return query.where(condition)


async def require_attached_access(
    db: AsyncSession, principal: Principal, client_id: int | None, actor_id: int | None, what: str
) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may see an item with this client and actor."""
    if not principal.own_clients_only:
        return
    if client_id is None:
        if actor_id != principal.user_id:
            raise Forbidden(f"This {what} belongs to another operator.")
        return
    owner = await db.scalar(select(Client.owner_id).where(Client.id == client_id))
    if owner != principal.user_id:
        raise Forbidden(f"This {what} belongs to another operator's client.")


def visible_contacts(principal: Principal, query: Any, contact_column: Any) -> Any:
    """Restrict a query of contact persons to those representing a client ``principal`` owns."""
    if not principal.own_clients_only:
        return query
    linked = select(ClientContact.contact_id).where(ClientContact.client_id.in_(own_client_ids(principal)))
    return query.where(contact_column.in_(linked))
