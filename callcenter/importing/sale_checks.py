"""The checks of a sales import that need the database: sales imported before, and each row's client.

The client of a row is decided by the first of ``client_id``, ``tax_id`` (INN), ``phone`` and ``name``
that the row fills in; a weaker key is not tried when a stronger one finds nothing, since a row whose
INN is unknown is more likely wrong than meant for whoever answers its phone. The key must find exactly
one client the importing user may see: a tax id shared by two clients, or a phone of a person
representing several, is reported, not guessed (a phone that is one client's own number wins over the
same number of a contact person). The other ids the row fills in (client_id, INN, phone), when they
belong to any client, must belong to that one too: a row with one client's INN and another's phone is
refused. A name is compared as duplicates are (case, quotes, legal form and word order ignored) and
must be that of exactly one client.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import visible_clients as visible
from callcenter.auth.principal import Principal
from callcenter.importing.report import RowError
from callcenter.importing.sale_rows import CLIENT_ID, EXTERNAL_REF, NAME, PHONE, TAX_ID, ClientKeys, SaleRow
from callcenter.importing.writer import batches
from callcenter.models import Client, ClientContact, Phone, Sale

IN_CHUNK = 500
_HINTS = {TAX_ID: "add client_id", PHONE: "add client_id or INN", NAME: "add client_id, INN or phone"}


async def already_imported(db: AsyncSession, rows: Sequence[SaleRow]) -> dict[int, RowError]:
    """Rows whose external_ref is a sale in the base already, by row number."""
    refs = sorted({r.sale.external_ref for r in rows if r.sale.external_ref})
    known: dict[str, int] = {}
    for chunk in batches(refs, IN_CHUNK):
        query = select(Sale.external_ref, Sale.id).where(Sale.external_ref.in_(chunk))
        known.update({ref: sale_id for ref, sale_id in (await db.execute(query)).all() if ref is not None})
    return {
        r.row: RowError(r.row, EXTERNAL_REF, f"already imported as sale #{known[r.sale.external_ref]}")
        for r in rows
        if r.sale.external_ref in known
    }


def repeated_refs(rows: Sequence[SaleRow]) -> dict[int, RowError]:
    """Rows repeating the external_ref of an earlier row of the file; the earlier row is the one kept."""
    first_seen: dict[str, int] = {}
    errors: dict[int, RowError] = {}
    for r in rows:
        ref = r.sale.external_ref
        if ref is None:
            continue
        if ref in first_seen:
            errors[r.row] = RowError(r.row, EXTERNAL_REF, f"same external_ref as row {first_seen[ref]} of this file")
        else:
            first_seen[ref] = r.row
    return errors


@dataclass(slots=True)
class _Directory:
    """What the base knows of the keys the file gives, among the clients the importing user may see."""

    ids: set[int] = field(default_factory=set)
    tax_ids: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    own_phones: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    contact_phones: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, tuple[int, int]] = field(default_factory=dict)  # name key → (how many clients, lowest id)


async def find_clients(db: AsyncSession, principal: Principal, rows: Sequence[SaleRow]) -> dict[int, RowError]:
    """Set each row's ``client_id``; the rows whose client cannot be told come back as errors, by row number."""
    directory = await _directory(db, principal, [r.keys for r in rows])
    errors: dict[int, RowError] = {}
    for r in rows:
        found = _decide(r.row, r.keys, directory)
        if isinstance(found, RowError):
            errors[r.row] = found
        else:
            r.client_id = found
    return errors


async def _directory(db: AsyncSession, principal: Principal, keys: list[ClientKeys]) -> _Directory:
    d = _Directory()
    ids = {k.client_id for k in keys if k.client_id is not None}
    for chunk in _chunks(ids):
        d.ids.update(await db.scalars(visible(principal, select(Client.id).where(Client.id.in_(chunk)))))
    for chunk in _chunks(k.tax_id for k in keys if k.tax_id):
        query = visible(principal, select(Client.tax_id, Client.id).where(Client.tax_id.in_(chunk)))
        for tax_id, client_id in await db.execute(query.order_by(Client.id)):
            d.tax_ids[tax_id].append(client_id)
    for chunk in _chunks(k.phone for k in keys if k.phone):
        owner = func.coalesce(Phone.client_id, ClientContact.client_id)
        query = (
            select(Phone.e164, Phone.client_id, ClientContact.client_id)
            .outerjoin(ClientContact, and_(Phone.client_id.is_(None), ClientContact.contact_id == Phone.contact_id))
            .join(Client, Client.id == owner)
            .where(Phone.e164.in_(chunk))
            .distinct()
        )
        for e164, own, represented in await db.execute(visible(principal, query)):
            target = d.own_phones if own is not None else d.contact_phones
            target[e164].append(own if own is not None else represented)
    for chunk in _chunks(k.name_key for k in keys if k.name_key):
        query = visible(principal, select(Client.name_key, func.count(), func.min(Client.id)))
        query = query.where(Client.name_key.in_(chunk)).group_by(Client.name_key)
        d.names.update({name_key: (n, lowest) for name_key, n, lowest in await db.execute(query)})
    for found in (*d.tax_ids.values(), *d.own_phones.values(), *d.contact_phones.values()):
        found.sort()
    return d


def _chunks(values: Iterable[Any]) -> Iterable[Sequence[Any]]:
    return batches(sorted(set(values)), IN_CHUNK)


def _decide(row: int, keys: ClientKeys, d: _Directory) -> int | RowError:
    """The client id the row's keys agree on, or the reason there is none."""
    # (column, how the key reads in a reason, the clients it decides between, every client it belongs to)
    given: list[tuple[str, str, list[int], list[int]]] = []
    if keys.client_id is not None:
        found = [keys.client_id] if keys.client_id in d.ids else []
        given.append((CLIENT_ID, f"id {keys.client_id}", found, found))
    if keys.tax_id:
        found = d.tax_ids.get(keys.tax_id, [])
        given.append((TAX_ID, f"tax id {keys.tax_id}", found, found))
    if keys.phone:
        own, represented = d.own_phones.get(keys.phone, []), d.contact_phones.get(keys.phone, [])
        given.append((PHONE, f"phone {keys.phone}", own or represented, sorted({*own, *represented})))
    name_count = 0
    if keys.name_key:
        name_count, lowest = d.names.get(keys.name_key, (0, 0))
        given.append((NAME, f"name {keys.name!r}", [lowest] if name_count == 1 else [], []))
    column, shown, matches, _ = given[0]
    if column == NAME and name_count > 1:
        return RowError(row, NAME, f"{name_count} clients have the {shown}; {_HINTS[NAME]}")
    if not matches:
        return RowError(row, column, f"no client with {shown}")
    if len(matches) > 1:
        return RowError(row, column, f"{shown} belongs to {_clients(matches)}; {_HINTS[column]}")
    chosen = matches[0]
    for other, other_shown, _, belongs_to in given[1:]:
        if belongs_to and chosen not in belongs_to:
            return RowError(
                row, other, f"{other_shown} belongs to {_clients(belongs_to)}, not to client #{chosen} "
                f"found by its {column}"
            )
    return chosen


def _clients(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:5]) + (" ..." if len(ids) > 5 else "")
    return f"client {shown}" if len(ids) == 1 else f"{len(ids)} clients ({shown})"


async def write_sales(db: AsyncSession, rows: Sequence[SaleRow]) -> None:
    """Insert the sales, a thousand rows per statement, inside the caller's transaction."""
    for chunk in batches(rows):
        await db.execute(insert(Sale), [{**r.sale.model_dump(), "client_id": r.client_id} for r in chunk])
