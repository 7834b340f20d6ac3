"""Finding who took part in a call: the operator behind a device interface, the client behind a number.

An interface names an operator either exactly (``User.agent_interface``, any case: ``PJSIP/agent1``) or
through the extension it rings (``PJSIP/101``, ``SIP/101``, ``Local/101@from-queue`` → ``User.extension``
``101``). A number matches a client when it is a valid E.164 number written on the client, or on a contact
person representing the client; anything else (extensions, short or invalid numbers) matches no one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, BindParameter, Select, bindparam, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Client, ClientContact, Phone, User
from callcenter.phones import try_e164


def extension_of(interface: str) -> str:
    """``PJSIP/101`` → ``101``; ``Local/101@from-queue/n`` → ``101``; a bare ``101`` stays itself."""
    tail = interface.split("/", 1)[1] if "/" in interface else interface
    return tail.split("@", 1)[0].split("/", 1)[0]


@functools.lru_cache(maxsize=65_536)
def number_form(raw: str, region: str) -> str:
    """E.164 when ``raw`` is a phone number, else ``raw`` as the PBX gave it (an extension, a short code)."""
    return try_e164(raw, region) or raw.strip()


async def find_operator(db: AsyncSession, interface: str | None) -> int | None:
    """The id of the user behind ``interface``; an exact interface wins over an extension."""
    return (await find_operators(db, [interface]))[interface] if interface else None


class OperatorIndex:
    """Users by device interface and by extension, to tell who is behind an interface without a query.

    Built from ``(user id, agent_interface, extension)`` rows ordered by ``is_active`` descending, then id:
    where several users match, an active one wins, then the oldest.
    """

    def __init__(self, rows: Iterable[tuple[int, str | None, str | None]]) -> None:
        self.exact: dict[str, int] = {}
        self.by_extension: dict[str, int] = {}
        for user_id, agent_interface, extension in rows:
            if agent_interface:
                self.exact.setdefault(agent_interface.lower(), int(user_id))
            if extension:
                self.by_extension.setdefault(extension, int(user_id))

    def pick(self, interface: str | None) -> int | None:
        """The user behind ``interface``: an exact interface wins over an extension."""
        wanted = (interface or "").strip()
        if not wanted:
            return None
        exact = self.exact.get(wanted.lower())
        return exact if exact is not None else self.by_extension.get(extension_of(wanted))


async def find_operators(db: AsyncSession, interfaces: list[str | None]) -> dict[str | None, int | None]:
    """:func:`find_operator` for many interfaces in one query: ``{interface: user id or None}``."""
    wanted = {i.strip() for i in interfaces if i and i.strip()}
    if not wanted:
        return dict.fromkeys(interfaces)
    rows = await db.execute(
        select(User.id, User.agent_interface, User.extension)
        .where(or_(func.lower(User.agent_interface).in_({w.lower() for w in wanted}),
                   User.extension.in_({extension_of(w) for w in wanted})))
        .order_by(User.is_active.desc(), User.id)
    )
    index = OperatorIndex((user_id, interface, extension) for user_id, interface, extension in rows)
    return {i: index.pick(i) for i in interfaces}


async def find_client(db: AsyncSession, e164: str | None) -> tuple[int | None, int | None]:
    """``(client_id, contact_id)`` for a number: a client's own phone first, then a representative's."""
    if e164 is None:
        return None, None
    client_id, contact_id, _owner = (await find_clients(db, [e164])).get(e164, (None, None, None))
    return client_id, contact_id


async def find_clients(db: AsyncSession, numbers: list[str]) -> dict[str, tuple[int, int | None, int | None]]:
    """:func:`find_client` for many E.164 numbers in one query, with the client's owner.

    ``{e164: (client_id, contact_id, owner_id)}`` for the numbers found.
    """
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return {}
    rows = await db.execute(_clients_by_number(), {"numbers": wanted})
    clients: dict[str, tuple[int, int | None, int | None]] = {}
    for e164, client_id, contact_id, owner_id, _rank, _phone in rows:
        clients.setdefault(e164, (int(client_id), contact_id, owner_id))
    return clients


@functools.cache
def _clients_by_number() -> Select[Any]:
    """:func:`find_clients`' statement, built once: the call logger runs it for every batch, and building
    a union anew each time costs more CPU than running it and leaves cyclic garbage behind."""
    numbers: BindParameter[str] = bindparam("numbers", expanding=True)
    own = (
        select(Phone.e164, Client.id.label("client_id"), cast(null(), BigInteger).label("contact_id"), Client.owner_id,
               literal(0).label("rank"), Phone.id.label("phone_id"))
        .join(Client, Client.id == Phone.client_id)
        .where(Phone.e164.in_(numbers))
    )
    represented = (
        select(Phone.e164, Client.id.label("client_id"), Phone.contact_id, Client.owner_id, literal(1).label("rank"),
               Phone.id.label("phone_id"))
        .join(ClientContact, ClientContact.contact_id == Phone.contact_id)
        .join(Client, Client.id == ClientContact.client_id)
        .where(Phone.e164.in_(numbers))
    )
    found = union_all(own, represented).subquery()
    return select(found).order_by(found.c.rank, found.c.phone_id, found.c.client_id)


async def client_names(db: AsyncSession, numbers: list[str]) -> dict[str, tuple[int, str]]:
    """``{e164: (client_id, name)}`` for the numbers that match a client, chosen as :func:`find_client` does."""
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return {}
    own = (
        select(Phone.e164, Client.id, Client.name, literal(0).label("rank"), Phone.id.label("phone_id"))
        .join(Client, Client.id == Phone.client_id)
        .where(Phone.e164.in_(wanted))
    )
    represented = (
        select(Phone.e164, Client.id, Client.name, literal(1).label("rank"), Phone.id.label("phone_id"))
        .join(ClientContact, ClientContact.contact_id == Phone.contact_id)
        .join(Client, Client.id == ClientContact.client_id)
        .where(Phone.e164.in_(wanted))
    )
    found = union_all(own, represented).subquery()
    rows = await db.execute(select(found).order_by(found.c.rank, found.c.phone_id, found.c.id))
    names: dict[str, tuple[int, str]] = {}
    for e164, client_id, name, _rank, _phone in rows:
        names.setdefault(e164, (int(client_id), name))
    return names
