"""The caller's dossier: one statement per lookup, whatever the size of the client's history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.db.base import utcnow
from callcenter.db.session import lookup
from callcenter.dossier.statements import BY_CLIENT, BY_PHONE
from callcenter.errors import Forbidden


def _doc(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _ts(value: str | None) -> str | None:
    """One timestamp form from both backends (SQLite gives naive 'YYYY-MM-DD HH:MM:SS')."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


async def _run(db: AsyncSession, statement: Any, params: dict[str, Any]) -> Any:
    # Plain rows, not ORM objects: the ORM's execution layer would cost a fifth of a pop for nothing.
    connection = await db.connection()
    return (await connection.execute(statement, params)).one_or_none()


async def dossier_by_phone(db: AsyncSession, principal: Principal, e164: str) -> dict[str, Any] | None:
    """The dossier of the client calling from ``e164`` (already normalised), or None for an unknown number.

    When several clients share the number, an operator restricted to their own clients gets theirs;
    if none is theirs, the answer is 403 rather than another operator's client.
    """
    principal.require(Permission.CLIENTS_READ)
    viewer = principal.user_id if principal.own_clients_only else 0
    row = await _run(db, BY_PHONE, {"e164": e164, "viewer": viewer})
    if row is None:
        return None
    client = _doc(row.client)
    if principal.own_clients_only and client["owner_id"] != principal.user_id:
        raise Forbidden("This caller is another operator's client.")
    matches = sorted(_doc(row.match_list), key=lambda m: m["phone_id"])
    contact_id = next((m["contact_id"] for m in matches if m["client_id"] == client["id"] and m["contact_id"]), None)
    others: list[int] = []
    for match in matches:
        cid = match["client_id"]
        visible = not principal.own_clients_only or match["owner_id"] == principal.user_id
        if cid != client["id"] and cid not in others and visible:
            others.append(cid)
    return shape(e164, client, row, contact_id, others)


async def lookup_dossier(engine: AsyncEngine, principal: Principal, e164: str) -> dict[str, Any] | None:
    """:func:`dossier_by_phone` on the hot path: a lookup session, one statement, retried on a dead connection."""
    return await lookup(engine, lambda db: dossier_by_phone(db, principal, e164))


async def dossier_by_client_id(db: AsyncSession, principal: Principal, client_id: int) -> dict[str, Any] | None:
    """The same dossier for a known client (the client card), or None when there is no such client."""
    principal.require(Permission.CLIENTS_READ)
    row = await _run(db, BY_CLIENT, {"client_id": client_id})
    if row is None:
        return None
    client = _doc(row.client)
    if principal.own_clients_only and client["owner_id"] != principal.user_id:
        raise Forbidden("This client belongs to another operator.")
    return shape(None, client, row, None, [])


def shape(e164: str | None, client: dict[str, Any], row: Any, contact_id: int | None, others: list[int]) -> dict[str, Any]:
    """Turn the database's JSON into the dossier document the API and the pop send."""
    now = utcnow()
    contacts = _doc(row.contacts)
    interactions = sorted(_doc(row.interactions), key=lambda i: (i["occurred_at"], i["id"]), reverse=True)
    for item in interactions:
        item["occurred_at"] = _ts(item["occurred_at"])
        code = item.pop("result_code")
        name = item.pop("result_name")
        counts = item.pop("result_counts")
        item["result"] = None if code is None else {"code": code, "name": name, "counts_as_result": bool(counts)}
        login, full_name = item.pop("user_login"), item.pop("user_name")
        item["user"] = None if login is None else {"login": login, "full_name": full_name}
    tasks = sorted(_doc(row.tasks), key=lambda t: (t["due_at"] is None, t["due_at"] or "", t["id"]))
    for task in tasks:
        task["due_at"] = _ts(task["due_at"])
        task["overdue"] = task["due_at"] is not None and datetime.fromisoformat(task["due_at"]) < now
    deals = _doc(row.deals)
    for deal in deals:
        deal["amount"] = _money(deal["amount"])
    claims = _doc(row.claims)
    for claim in claims:
        claim["created_at"] = _ts(claim["created_at"])
    owner = None
    if client.get("owner_id") is not None:
        owner = {
            "id": client["owner_id"],
            "login": client["owner_login"],
            "full_name": client["owner_name"],
            "extension": client["owner_extension"],
        }
    for key in ("owner_id", "owner_login", "owner_name", "owner_extension"):
        client.pop(key, None)
    client["potential"] = _money(client["potential"])
    client["phones"] = _doc(row.phones)
    client["emails"] = [e["address"] for e in _doc(row.emails)]
    return {
        "phone": e164,
        "client": client,
        "owner": owner,
        "contact": next((c for c in contacts if c["id"] == contact_id), None),
        "contacts": contacts,
        "interactions": interactions,
        "tasks": tasks,
        "deals": deals,
        "claims": claims,
        "other_client_ids": others,
    }
