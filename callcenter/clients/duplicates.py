"""Finding clients that look like a given one: same tax id, phone, e-mail, or name key."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Client, ClientContact, Email, Phone

MAX_CANDIDATES = 20


async def find_duplicates(
    db: AsyncSession,
    *,
    name_key: str | None,
    tax_id: str | None,
    phones: list[str],
    emails: list[str],
    exclude_id: int | None = None,
) -> list[dict[str, Any]]:
    """Candidates ``[{id, name, reasons: [...]}]``, strongest first; one round trip."""
    queries = []
    if tax_id:
        queries.append(select(Client.id, Client.tax_id.label("why")).where(Client.tax_id == tax_id))
    if name_key:
        queries.append(select(Client.id, Client.name_key.label("why")).where(Client.name_key == name_key))
    if phones:
        queries.append(
            select(Phone.client_id.label("id"), Phone.e164.label("why")).where(
                Phone.e164.in_(phones), Phone.client_id.is_not(None)
            )
        )
        # A phone of a contact person counts for every client the person represents.
        queries.append(
            select(ClientContact.client_id.label("id"), Phone.e164.label("why"))
            .join(Phone, Phone.contact_id == ClientContact.contact_id)
            .where(Phone.e164.in_(phones))
        )
    if emails:
        queries.append(
            select(Email.client_id.label("id"), Email.address.label("why")).where(
                Email.address.in_(emails), Email.client_id.is_not(None)
            )
        )
    if not queries:
        return []
    kinds = []
    if tax_id:
        kinds.append("tax_id")
    if name_key:
        kinds.append("name")
    if phones:
        kinds.extend(["phone", "phone"])
    if emails:
        kinds.append("email")
    labelled = [q.add_columns(_kind_literal(kind)) for q, kind in zip(queries, kinds)]
    rows = (await db.execute(union_all(*labelled).limit(MAX_CANDIDATES * 5))).all()
    reasons: dict[int, list[str]] = defaultdict(list)
    for client_id, why, kind in rows:
        if client_id is None or client_id == exclude_id:
            continue
        reason = kind if kind in ("tax_id", "name") else f"{kind}:{why}"
        if reason not in reasons[client_id]:
            reasons[client_id].append(reason)
    if not reasons:
        return []
    ranked = sorted(reasons, key=lambda cid: (-_weight(reasons[cid]), cid))[:MAX_CANDIDATES]
    names = dict((await db.execute(select(Client.id, Client.name).where(Client.id.in_(ranked)))).all())
    return [{"id": cid, "name": names.get(cid, ""), "reasons": reasons[cid]} for cid in ranked if cid in names]


def _kind_literal(kind: str) -> Any:
    return literal(kind).label("kind")


def _weight(reasons: list[str]) -> int:
    score = 0
    for reason in reasons:
        score += 4 if reason == "tax_id" else 3 if reason.startswith("phone") else 2 if reason.startswith("email") else 1
    return score
