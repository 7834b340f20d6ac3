"""Logging finished calls: one interaction plus one call row per Asterisk linkedid, exactly once.

The unique ``calls.linkedid`` is the guard. Summaries are inserted in one transaction
(:mod:`callcenter.calls.inserting`, many at a time); when another writer
logged the same linkedid first (a replay, a reconnect, a concurrent consumer), the insert fails, rolls back
whole, and the row already there is the answer. A summary repeated later changes nothing, with one
exception: a row whose times were inferred after a lost connection (``times_approximate``) is corrected by
the first exact summary for the same linkedid, because the exact one saw the call end. The correction is
claimed with a conditional update, so two exact summaries arriving together correct it once. An exact row
is never overwritten, not even by another exact summary: the first word stands.

A missed inbound call (abandoned, not answered, busy) from a known client or at least a real number leaves a
callback task, due at once, in the same transaction as the call: the client's owner gets it, or nobody when
the client has no owner or the number is unknown (an unassigned callback, visible to supervisors). One open
missed-call callback per client (or per unknown number) is enough: a caller who tries three times gets one
task, its description listing each miss.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import CallSummary
from callcenter.calls.facts import call_values, gather_facts, interaction_values, transfer_rows
from callcenter.calls.inserting import insert_calls
from callcenter.calls.missed import MISSED, Miss, is_missed, missed_callbacks, open_callback, withdraw_callback
from callcenter.calls.recorded import RecordedCall
from callcenter.models import Call, CallTransfer, Interaction
from callcenter.models.enums import Direction

__all__ = ["RecordedCall", "record_call", "record_calls"]


async def record_calls(db: AsyncSession, summaries: list[CallSummary], *, region: str,
                       transcribe: bool = False) -> list[RecordedCall]:
    """Log many summaries, in order: the new ones in one transaction, the rest as :func:`record_call` does.

    The batch is inserted straight away, without looking for its linkedids first: a call already logged
    (a replay after a reconnect, which is rare) fails the batch on the unique guard, and then each summary
    is sorted out on its own.
    """
    first: dict[str, CallSummary] = {}
    for s in summaries:
        first.setdefault(s.linkedid, s)
    inserted: dict[str, RecordedCall] = {}
    try:
        inserted = dict(zip(first, await insert_calls(db, list(first.values()), region, transcribe=transcribe),
                            strict=True))
    except IntegrityError:
        await db.rollback()
    except Exception:
        await db.rollback()
        raise
    # A linkedid twice in the batch is a replay: the first was inserted, the second finds it logged.
    recorded = []
    for s in summaries:
        first_time = inserted.pop(s.linkedid, None)
        recorded.append(first_time or await record_call(db, s, region=region, transcribe=transcribe))
    return recorded


async def record_call(db: AsyncSession, summary: CallSummary, *, region: str, transcribe: bool = False) -> RecordedCall:
    """Log ``summary`` once per linkedid (see the module's notes); commits, or rolls back whole on failure."""
    existing = await _existing(db, summary.linkedid)
    if existing is None:
        try:
            return (await insert_calls(db, [summary], region, transcribe=transcribe))[0]
        except IntegrityError:
            await db.rollback()
            existing = await _existing(db, summary.linkedid)
            if existing is None:
                raise
        except Exception:
            await db.rollback()
            raise
    if existing.times_approximate and not summary.times_approximate:
        corrected = await _correct(db, existing, summary, region)
        if corrected is not None:
            return corrected
        existing = await _existing(db, summary.linkedid)
        assert existing is not None  # calls are never deleted
    recorded = await _as_recorded(db, existing, created=False)
    await db.commit()  # end the read transaction: a long-lived consumer's session must not idle inside one
    return recorded


async def _existing(db: AsyncSession, linkedid: str) -> Call | None:
    return await db.scalar(select(Call).where(Call.linkedid == linkedid).execution_options(populate_existing=True))


async def _correct(db: AsyncSession, call: Call, summary: CallSummary, region: str) -> RecordedCall | None:
    """Replace an approximate row by an exact summary; None when another writer corrected it first."""
    claimed = await db.execute(
        update(Call).where(Call.id == call.id, Call.times_approximate.is_(True))
        .values(times_approximate=False).execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        await db.rollback()
        return None
    facts = (await gather_facts(db, [summary], region))[0]
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None  # the call row cascades with its interaction
    call.times_approximate = True  # the loaded state predates the claim; let the change below be seen
    for name, value in call_values(summary, facts).items():
        setattr(call, name, value)
    for name, value in interaction_values(summary, facts).items():
        setattr(interaction, name, value)
    changes = audit.changed_fields(call) | {f"interaction.{k}": v for k, v in audit.changed_fields(interaction).items()}
    await db.flush()
    await db.execute(delete(CallTransfer).where(CallTransfer.call_id == call.id))
    for row in transfer_rows(call.id, summary, facts):
        db.add(CallTransfer(**row))
    if is_missed(summary):
        await missed_callbacks(db, [Miss(summary, interaction.id, facts.client_id, facts.contact_id, facts.owner_id,
                                         facts.client_number)], fresh=False)
    else:
        await withdraw_callback(db, interaction.id)
    audit.record(db, SYSTEM, "correct", "call", call.id, changes)
    await db.commit()
    return await _as_recorded(db, call, created=False, corrected=True)


async def _as_recorded(db: AsyncSession, call: Call, *, created: bool, corrected: bool = False) -> RecordedCall:
    client_id = await db.scalar(select(Interaction.client_id).where(Interaction.id == call.interaction_id))
    task = await open_callback(db, call.interaction_id, client_id, call.caller) if _was_missed(call) else None
    return RecordedCall(
        call.id, call.interaction_id, client_id, call.operator_id, task.id if task else None, created, corrected
    )


def _was_missed(call: Call) -> bool:
    return call.direction == Direction.INBOUND and call.outcome in MISSED
