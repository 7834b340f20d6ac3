"""Checking the ids a request refers to before anything is written.

:class:`Checks` collects one reason per bad field ("client_id": "no client with id 5") and, at the end,
raises :class:`ValidationFailed` with all of them; a reference to something the principal may not see
(another operator's client, or a person or interaction of theirs, under the rules of
:mod:`callcenter.access`) raises :class:`Forbidden` instead, once every field has been checked.
:func:`ensure_unique` refuses a value another row already holds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from callcenter.access import attached_refusal, contact_refusal, may_see_client
from callcenter.auth.principal import Principal
from callcenter.errors import Conflict, Forbidden, ValidationFailed
from callcenter.models import Client, ClientContact, ContactPerson, Disposition, Interaction, Team, User


class Checks:
    """Reference and field checks for one write; call :meth:`done` before writing."""

    def __init__(self, db: AsyncSession, principal: Principal) -> None:
        self.db = db
        self.principal = principal
        self.errors: dict[str, str] = {}
        self.forbidden: str | None = None

    def fail(self, field: str, reason: str) -> None:
        self.errors.setdefault(field, reason)

    def refuse(self, reason: str | None) -> None:
        """Refuse the write with 403 (after any field errors); the first reason given is kept."""
        self.forbidden = self.forbidden or reason

    def not_null(self, patch: BaseModel, fields: tuple[str, ...]) -> None:
        """A patch may omit a required field but not set it to null."""
        for name in fields:
            if name in patch.model_fields_set and getattr(patch, name) is None:
                self.fail(name, "may not be null")

    async def client(self, client_id: int | None, field: str = "client_id") -> Client | None:
        if client_id is None:
            return None
        client = await self.db.get(Client, client_id)
        if client is None:
            self.fail(field, f"no client with id {client_id}")
            return None
        if not may_see_client(self.principal, client.owner_id):
            self.refuse(f"Client {client_id} belongs to another operator.")
        return client

    async def user(self, user_id: int | None, field: str, *, active: bool = True) -> None:
        if user_id is None:
            return
        query = select(User.id).where(User.id == user_id)
        if active:
            query = query.where(User.is_active.is_(True))
        if await self.db.scalar(query) is None:
            self.fail(field, f"no {'active ' if active else ''}user with id {user_id}")

    async def team(self, team_id: int | None, field: str = "team_id") -> None:
        if team_id is not None and await self.db.get(Team, team_id) is None:
            self.fail(field, f"no team with id {team_id}")

    async def contact(self, contact_id: int | None, client_id: int | None, field: str = "contact_id") -> None:
        """The person exists and represents the client named; with no client, the principal may see the person."""
        if contact_id is None:
            return
        if await self.db.get(ContactPerson, contact_id) is None:
            self.fail(field, f"no contact person with id {contact_id}")
            return
        if client_id is None:
            self.refuse(await contact_refusal(self.db, self.principal, contact_id))
            return
        link = await self.db.scalar(
            select(ClientContact.contact_id).where(
                ClientContact.client_id == client_id, ClientContact.contact_id == contact_id
            )
        )
        if link is None:
            self.fail(field, f"contact person {contact_id} does not represent client {client_id}")

    async def interaction(self, interaction_id: int | None, client_id: int | None, field: str = "interaction_id") -> None:
        """The interaction exists and is with the client named; with no client, the principal may see it."""
        if interaction_id is None:
            return
        found = await self.db.get(Interaction, interaction_id)
        if found is None:
            self.fail(field, f"no interaction with id {interaction_id}")
        elif client_id is not None and found.client_id != client_id:
            self.fail(field, f"interaction {interaction_id} is not with client {client_id}")
        elif client_id is None:
            self.refuse(await attached_refusal(self.db, self.principal, found.client_id, found.user_id, "interaction"))

    async def disposition(self, disposition_id: int | None, field: str = "disposition_id") -> Disposition | None:
        """An active disposition; retired ones stay on old interactions but are not set on new ones."""
        if disposition_id is None:
            return None
        found = await self.db.get(Disposition, disposition_id)
        if found is None:
            self.fail(field, f"no disposition with id {disposition_id}")
        elif not found.is_active:
            self.fail(field, f"disposition {found.code!r} is inactive")
        return found

    def done(self) -> None:
        """Raise for every bad field at once, or for a forbidden reference; nothing is written before this."""
        if self.errors:
            raise ValidationFailed(self.errors)
        if self.forbidden:
            raise Forbidden(self.forbidden)


def given(patch: BaseModel) -> dict[str, Any]:
    """The fields a patch actually sets, with their values."""
    return {name: getattr(patch, name) for name in patch.model_fields_set}


async def ensure_unique(
    db: AsyncSession,
    column: InstrumentedAttribute[Any],
    value: object,
    exclude_id: int | None,
    field: str,
    message: str,
) -> None:
    """Raise :class:`Conflict` (``{field: "already taken"}``) if another row of ``column``'s table holds ``value``.

    ``exclude_id`` is the row being changed; a None ``value`` is never taken.
    """
    if value is None:
        return
    row_id = column.class_.id
    query = select(row_id).where(column == value)
    if exclude_id is not None:
        query = query.where(row_id != exclude_id)
    if await db.scalar(query) is not None:
        raise Conflict(message, details={"fields": {field: "already taken"}})
