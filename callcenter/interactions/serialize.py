"""Plain-dict forms of interactions with their result and, for calls, the telephony facts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Call, Disposition, Interaction
from callcenter.rows import as_dict

CALL_FIELDS = (
    "id", "linkedid", "direction", "caller", "callee", "queue", "operator_id", "started_at", "answered_at", "ended_at",
    "ring_seconds", "wait_seconds", "talk_seconds", "hangup_cause", "outcome", "recording_path", "times_approximate",
    "result_at", "wrapup_seconds", "result_missing",
)


async def interaction_dicts(db: AsyncSession, items: list[Interaction]) -> list[dict[str, Any]]:
    """The API form of ``items``, in order; two more queries whatever their number."""
    disposition_ids = {i.disposition_id for i in items if i.disposition_id is not None}
    dispositions: dict[int, Disposition] = {}
    if disposition_ids:
        dispositions = {d.id: d for d in await db.scalars(select(Disposition).where(Disposition.id.in_(disposition_ids)))}
    calls: dict[int, Call] = {}
    if items:
        found = await db.scalars(select(Call).where(Call.interaction_id.in_([i.id for i in items])))
        calls = {c.interaction_id: c for c in found}
    result = []
    for item in items:
        data = as_dict(item)
        disposition = dispositions.get(item.disposition_id) if item.disposition_id is not None else None
        data["disposition"] = None if disposition is None else {
            "id": disposition.id,
            "code": disposition.code,
            "name": disposition.name,
            "counts_as_result": disposition.counts_as_result,
        }
        call = calls.get(item.id)
        data["call"] = None if call is None else {k: v for k, v in as_dict(call).items() if k in CALL_FIELDS}
        result.append(data)
    return result
