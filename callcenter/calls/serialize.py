"""The API form of calls: telephony facts, the answering operator's login, the matched client, the hand-overs
and the wrap-up (the result the operator set, when, and how long after the call)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Call, CallReview, CallTransfer, Client, Disposition, Interaction, User
from callcenter.rows import plain


async def call_dicts(db: AsyncSession, calls: list[Call]) -> list[dict[str, Any]]:
    """``calls`` in order, as the API gives them; four more queries whatever their number."""
    transfers: dict[int, list[CallTransfer]] = {}
    if calls:
        found_transfers = await db.scalars(
            select(CallTransfer).where(CallTransfer.call_id.in_([c.id for c in calls]))
            .order_by(CallTransfer.call_id, CallTransfer.position)
        )
        for transfer in found_transfers:
            transfers.setdefault(transfer.call_id, []).append(transfer)
    logins: dict[int, str] = {}
    operator_ids = {c.operator_id for c in calls if c.operator_id is not None} | {
        uid for items in transfers.values() for t in items for uid in (t.from_user_id, t.to_user_id) if uid is not None
    }
    if operator_ids:
        logins = {uid: login for uid, login in await db.execute(select(User.id, User.login).where(User.id.in_(operator_ids)))}

    def hand_over(t: CallTransfer) -> dict[str, Any]:
        return {
            "from": logins.get(t.from_user_id) if t.from_user_id is not None else None, "from_interface": t.source,
            "to": logins.get(t.to_user_id) if t.to_user_id is not None else None, "to_interface": t.target,
            "at": plain(t.at),
        }

    reviewed: set[int] = set()
    if calls:
        reviewed = set(await db.scalars(select(CallReview.call_id).where(CallReview.call_id.in_([c.id for c in calls]))))
    clients: dict[int, tuple[int | None, str | None]] = {}
    results: dict[int, dict[str, Any]] = {}
    if calls:
        found = await db.execute(
            select(Interaction.id, Interaction.client_id, Client.name, Disposition.id, Disposition.code, Disposition.name)
            .outerjoin(Client, Client.id == Interaction.client_id)
            .outerjoin(Disposition, Disposition.id == Interaction.disposition_id)
            .where(Interaction.id.in_([c.interaction_id for c in calls]))
        )
        for iid, cid, name, did, code, result_name in found:
            clients[iid] = (cid, name)
            if did is not None:
                results[iid] = {"id": did, "code": code, "name": result_name}
    return [
        {
            "id": c.id,
            "linkedid": c.linkedid,
            "interaction_id": c.interaction_id,
            "direction": plain(c.direction),
            "caller": c.caller,
            "callee": c.callee,
            "queue": c.queue,
            "operator": logins.get(c.operator_id) if c.operator_id is not None else None,
            "operator_id": c.operator_id,
            "started_at": plain(c.started_at),
            "answered_at": plain(c.answered_at),
            "ended_at": plain(c.ended_at),
            "ring_seconds": c.ring_seconds,
            "wait_seconds": c.wait_seconds,
            "talk_seconds": c.talk_seconds,
            "hangup_cause": c.hangup_cause,
            "outcome": plain(c.outcome),
            "client_id": clients.get(c.interaction_id, (None, None))[0],
            "client_name": clients.get(c.interaction_id, (None, None))[1],
            "recording": bool(c.recording_path) and c.recording_deleted_at is None,
            "recording_deleted_at": plain(c.recording_deleted_at),
            "times_approximate": c.times_approximate,
            "transfers": [hand_over(t) for t in transfers.get(c.id, ())],
            "result": results.get(c.interaction_id),
            "result_at": plain(c.result_at),
            "wrapup_seconds": c.wrapup_seconds,
            "result_missing": c.result_missing,
            "reviewed": c.id in reviewed,
        }
        for c in calls
    ]
