"""Relations between clients, read from either side.

A relation is stored once, from ``client_id`` to ``related_client_id`` ("A is the parent of B"); listing a
client's relations shows both the ones it states and the ones stated about it (``direction``). Under the
own-clients-only switch an operator sees and records relations only between clients they own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter import audit
from callcenter.access import load_client, own_client_ids
from callcenter.auth.principal import Permission, Principal
from callcenter.clients.schemas import RelationIn
from callcenter.errors import Conflict, NotFound
from callcenter.models import Client, ClientRelation
from callcenter.references import Checks

_other = aliased(Client)


def _relation_dict(relation: ClientRelation, client_id: int, other_name: str) -> dict[str, Any]:
    outgoing = relation.client_id == client_id
    return {
        "id": relation.id,
        "client_id": relation.client_id,
        "related_client_id": relation.related_client_id,
        "kind": relation.kind.value,
        "note": relation.note,
        "direction": "outgoing" if outgoing else "incoming",
        "other_client": {"id": relation.related_client_id if outgoing else relation.client_id, "name": other_name},
    }


async def list_relations(db: AsyncSession, principal: Principal, client_id: int) -> list[dict[str, Any]]:
    principal.require(Permission.CLIENTS_READ)
    await load_client(db, principal, client_id)
    query = (
        select(ClientRelation, _other.name)
        .join(
            _other,
            or_(
                and_(ClientRelation.client_id == client_id, _other.id == ClientRelation.related_client_id),
                and_(ClientRelation.related_client_id == client_id, _other.id == ClientRelation.client_id),
            ),
        )
        .order_by(ClientRelation.id)
    )
    if principal.own_clients_only:
        query = query.where(_other.id.in_(own_client_ids(principal)))
    rows = (await db.execute(query)).all()
    return [_relation_dict(relation, client_id, name) for relation, name in rows]


async def create_relation(
    db: AsyncSession, principal: Principal, client_id: int, data: RelationIn, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.CLIENTS_WRITE)
    await load_client(db, principal, client_id)
    checks = Checks(db, principal)
    other = await checks.client(data.related_client_id, "related_client_id")
    if data.related_client_id == client_id:
        checks.fail("related_client_id", "a client cannot be related to itself")
    checks.done()
    assert other is not None
    exists = await db.scalar(
        select(ClientRelation.id).where(
            ClientRelation.client_id == client_id,
            ClientRelation.related_client_id == data.related_client_id,
            ClientRelation.kind == data.kind,
        )
    )
    if exists is not None:
        raise Conflict(
            "This relation is already recorded.",
            details={"fields": {"related_client_id": f"already related as {data.kind.value}"}, "id": exists},
        )
    relation = ClientRelation(
        client_id=client_id, related_client_id=data.related_client_id, kind=data.kind, note=data.note
    )
    db.add(relation)
    await db.flush()
    audit.record(
        db, principal, "create", "client_relation", relation.id,
        {"client_id": client_id, "related_client_id": data.related_client_id, "kind": data.kind.value}, ip,
    )
    await db.commit()
    return _relation_dict(relation, client_id, other.name)


async def delete_relation(db: AsyncSession, principal: Principal, relation_id: int, ip: str | None = None) -> None:
    principal.require(Permission.CLIENTS_WRITE)
    relation = await db.get(ClientRelation, relation_id)
    if relation is None:
        raise NotFound("relation", relation_id)
    await load_client(db, principal, relation.client_id)
    await load_client(db, principal, relation.related_client_id)
    audit.record(
        db, principal, "delete", "client_relation", relation.id,
        {"client_id": relation.client_id, "related_client_id": relation.related_client_id, "kind": relation.kind.value},
        ip,
    )
    await db.delete(relation)
    await db.commit()
