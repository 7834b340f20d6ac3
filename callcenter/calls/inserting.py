"""Writing calls not logged yet, many in one transaction: each an interaction, a call row, its transfers, the
callback a missed call leaves, and the audit entries, in a handful of multi-row statements.

One transaction for a batch means one commit (one WAL flush) for all of it, and multi-row statements mean
a round trip per table rather than per row: the call logger keeps up with a busy PBX on a small machine.
A linkedid already logged fails the whole batch on the unique guard; the caller then logs the calls one by
one (:func:`callcenter.calls.services.record_calls`).
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import CallSummary
from callcenter.calls.facts import Facts, call_values, gather_facts, interaction_values, transfer_rows
from callcenter.calls.missed import Miss, missed_callbacks
from callcenter.calls.recorded import RecordedCall
from callcenter.models import Call, CallTransfer, Interaction
from callcenter.models.enums import InteractionKind, InteractionStatus
from callcenter.transcripts.jobs import queue_transcriptions


async def insert_calls(db: AsyncSession, summaries: list[CallSummary], region: str, *,
                       transcribe: bool = False) -> list[RecordedCall]:
    """Log ``summaries`` (none of them logged yet) and commit; raises ``IntegrityError`` if one was after all.

    ``transcribe`` queues the transcription of each call with a recording, in the same transaction.
    """
    facts = await gather_facts(db, summaries, region)
    interaction_ids = list(await db.scalars(
        insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True),
        [{"kind": InteractionKind.CALL, "status": InteractionStatus.DONE, **interaction_values(s, f)}
         for s, f in zip(summaries, facts, strict=True)],
    ))
    call_ids = list(await db.scalars(
        insert(Call).returning(Call.id, sort_by_parameter_order=True),
        [{"interaction_id": iid, "linkedid": s.linkedid, **call_values(s, f)}
         for s, f, iid in zip(summaries, facts, interaction_ids, strict=True)],
    ))
    transfers = [row for s, f, cid in zip(summaries, facts, call_ids, strict=True) for row in transfer_rows(cid, s, f)]
    if transfers:
        await db.execute(insert(CallTransfer), transfers)
    task_ids = await missed_callbacks(db, [
        Miss(s, iid, f.client_id, f.contact_id, f.owner_id, f.client_number)
        for s, f, iid in zip(summaries, facts, interaction_ids, strict=True)
    ], fresh=True)
    await audit.record_many(db, [
        _created(s, f, cid, iid, tid)
        for s, f, cid, iid, tid in zip(summaries, facts, call_ids, interaction_ids, task_ids, strict=True)
    ])
    if transcribe:
        await queue_transcriptions(db, [cid for s, cid in zip(summaries, call_ids, strict=True)
                                        if s.recording or s.recording_in])
    await db.commit()
    return [RecordedCall(cid, iid, f.client_id, f.operator_id, tid, created=True)
            for f, cid, iid, tid in zip(facts, call_ids, interaction_ids, task_ids, strict=True)]


def _created(s: CallSummary, f: Facts, call_id: int, interaction_id: int, task_id: int | None) -> dict[str, object]:
    return audit.entry(SYSTEM, "create", "call", call_id, {
        "linkedid": s.linkedid, "interaction_id": interaction_id, "direction": s.direction,
        "outcome": s.outcome, "client_id": f.client_id, "operator_id": f.operator_id, "callback_task_id": task_id,
    })
