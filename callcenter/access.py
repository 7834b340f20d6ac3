"""Who may see what when the admin switch restricts operators to their own clients: the one home of that rule.

A restricted principal sees a client they own. An item attached to a client (interaction, task, deal, claim)
is visible when that client is theirs; an item attached to no client is visible when the principal is its
actor (the interaction's user, the task's owner). A contact person is visible when they represent at least
one of the principal's clients, and may be changed when all the clients they represent are the principal's.
Refusals are 403.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.errors import Forbidden, NotFound
from callcenter.models import Client, ClientContact


class Attached(Protocol):
    """A row attached to a client, or to none."""

    @property
    def client_id(self) -> int | None: ...


Item = TypeVar("Item", bound=Attached)


def may_see_client(principal: Principal, owner_id: int | None) -> bool:
    """Whether ``principal`` may see a client owned by ``owner_id``."""
    return not principal.own_clients_only or owner_id == principal.user_id


def own_client_ids(principal: Principal) -> Any:
    """A subquery of the ids of the clients ``principal`` owns."""
    return select(Client.id).where(Client.owner_id == principal.user_id)


def visible_clients(principal: Principal, query: Any) -> Any:
    """Restrict a query over :class:`Client` to the clients ``principal`` may see."""
    if not principal.own_clients_only:
        return query
    return query.where(Client.owner_id == principal.user_id)


async def load_client(db: AsyncSession, principal: Principal, client_id: int) -> Client:
    """The client, if it exists (else 404) and ``principal`` may see it (else 403)."""
    client = await db.get(Client, client_id)
    if client is None:
        raise NotFound("client", client_id)
    if not may_see_client(principal, client.owner_id):
        raise Forbidden("This client belongs to another operator.")
    return client


def visible_attached(principal: Principal, query: Any, client_column: Any, actor_column: Any = None) -> Any:
    """Restrict a query of items attached to clients to what ``principal`` may see."""
    if not principal.own_clients_only:
        return query
    condition = client_column.in_(own_client_ids(principal))
    if actor_column is not None:
        condition = or_(condition, and_(client_column.is_(None), actor_column == principal.user_id))
    return query.where(condition)


async def attached_refusal(
    db: AsyncSession, principal: Principal, client_id: int | None, actor_id: int | None, what: str
) -> str | None:
    """Why ``principal`` may not see an item with this client and actor, or None when they may."""
    if not principal.own_clients_only:
        return None
    if client_id is None:
        return None if actor_id == principal.user_id else f"This {what} belongs to another operator."
    owner = await db.scalar(select(Client.owner_id).where(Client.id == client_id))
    return None if may_see_client(principal, owner) else f"This {what} belongs to another operator's client."


async def require_attached_access(
    db: AsyncSession, principal: Principal, client_id: int | None, actor_id: int | None, what: str
) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may see an item with this client and actor."""
    reason = await attached_refusal(db, principal, client_id, actor_id, what)
    if reason:
        raise Forbidden(reason)


async def load_attached(
    db: AsyncSession, principal: Principal, model: type[Item], item_id: int, actor_attr: str | None, what: str
) -> Item:
    """The ``model`` row ``item_id`` (a 404 names it ``what``), if ``principal`` may see it.

    ``actor_attr`` names the column that makes an item with no client visible to its actor, if the model has one.
    """
    found = await db.get(model, item_id)
    if found is None:
        raise NotFound(what, item_id)
    actor_id = getattr(found, actor_attr) if actor_attr else None
    await require_attached_access(db, principal, found.client_id, actor_id, what)
    return found


async def contact_refusal(db: AsyncSession, principal: Principal, contact_id: int, *, write: bool = False) -> str | None:
    """Why ``principal`` may not see (or, with ``write``, change) contact person ``contact_id``, or None."""
    if not principal.own_clients_only:
        return None
    owned = list(
        await db.scalars(
            select(ClientContact.client_id.in_(own_client_ids(principal))).where(ClientContact.contact_id == contact_id)
        )
    )
    allowed = bool(owned) and (all(owned) if write else any(owned))
    return None if allowed else "This person represents another operator's client."


def visible_contacts(principal: Principal, query: Any, contact_column: Any) -> Any:
    """Restrict a query of contact persons to those representing a client ``principal`` owns."""
    if not principal.own_clients_only:
        return query
    linked = select(ClientContact.contact_id).where(ClientContact.client_id.in_(own_client_ids(principal)))
    return query.where(contact_column.in_(linked))
