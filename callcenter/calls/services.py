"""Logging a finished call: one interaction plus one call row per Asterisk linkedid, exactly once.

The unique ``calls.linkedid`` is the guard. A summary is inserted in one transaction; when another writer
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

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import CallSummary
from callcenter.calls.matching import find_client, find_operator, number_form
from callcenter.calls.missed import MISSED, is_missed, missed_callback, open_callback, withdraw_callback
from callcenter.models import Call, CallTransfer, Interaction
from callcenter.models.enums import Direction, InteractionKind, InteractionStatus
from callcenter.phones import try_e164


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """What logging a summary came to. ``created`` is False when the linkedid was already logged."""

    call_id: int
    interaction_id: int
    client_id: int | None
    operator_id: int | None
    task_id: int | None  # the open missed-call callback for this call, if any
    created: bool
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class _Facts:
    caller: str
    callee: str
    client_number: str | None  # E.164 of the outside party, when there is one
    client_id: int | None
    contact_id: int | None
    operator_id: int | None  # who answered
    user_id: int | None  # whose interaction it is: who answered, or who dialled out


async def _facts(db: AsyncSession, summary: CallSummary, region: str) -> _Facts:
    outside = {Direction.INBOUND: summary.caller, Direction.OUTBOUND: summary.callee}.get(summary.direction)
    client_number = try_e164(outside, region) if outside else None
    client_id, contact_id = await find_client(db, client_number)
    operator_id = await find_operator(db, summary.answered_by)
    user_id = operator_id
    if user_id is None and summary.direction == Direction.OUTBOUND:
        # An unanswered outbound call is still the dialling operator's work.
        first = summary.offered_to[0] if summary.offered_to else summary.caller
        user_id = await find_operator(db, first)
    return _Facts(
        caller=number_form(summary.caller, region), callee=number_form(summary.callee, region),
        client_number=client_number, client_id=client_id, contact_id=contact_id,
        operator_id=operator_id, user_id=user_id,
    )


def _subject(summary: CallSummary) -> str:
    return f"{summary.direction.value.capitalize()} call: {summary.outcome.value.replace('_', ' ')}"


def _call_values(summary: CallSummary, facts: _Facts) -> dict[str, object]:
    return {
        "direction": summary.direction, "caller": facts.caller[:64], "callee": facts.callee[:64],
        "queue": summary.queue[:80] if summary.queue else None, "operator_id": facts.operator_id,
        "started_at": summary.started_at, "answered_at": summary.answered_at, "ended_at": summary.ended_at,
        "ring_seconds": summary.ring_seconds, "wait_seconds": summary.wait_seconds,
        "talk_seconds": summary.talk_seconds, "hangup_cause": summary.hangup_cause, "outcome": summary.outcome,
        "recording_path": summary.recording[:500] if summary.recording else None,
        "times_approximate": summary.times_approximate,
    }


def _interaction_values(summary: CallSummary, facts: _Facts) -> dict[str, object]:
    return {
        "direction": summary.direction, "subject": _subject(summary), "occurred_at": summary.started_at,
        "duration_seconds": summary.talk_seconds, "user_id": facts.user_id, "client_id": facts.client_id,
        "contact_id": facts.contact_id,
    }


async def record_call(db: AsyncSession, summary: CallSummary, *, region: str) -> RecordedCall:
    """Log ``summary`` once per linkedid (see the module's notes); commits, or rolls back whole on failure."""
    existing = await _existing(db, summary.linkedid)
    if existing is None:
        facts = await _facts(db, summary, region)
        try:
            return await _insert(db, summary, facts)
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


async def _insert(db: AsyncSession, summary: CallSummary, facts: _Facts) -> RecordedCall:
    interaction = Interaction(kind=InteractionKind.CALL, status=InteractionStatus.DONE, **_interaction_values(summary, facts))
    db.add(interaction)
    await db.flush()
    call = Call(interaction_id=interaction.id, linkedid=summary.linkedid, **_call_values(summary, facts))
    db.add(call)
    await db.flush()  # the linkedid guard fires here, before anything else is written
    await _write_transfers(db, call.id, summary)
    task_id = await missed_callback(db, summary, interaction, facts.client_number)
    audit.record(db, SYSTEM, "create", "call", call.id, {
        "linkedid": summary.linkedid, "interaction_id": interaction.id, "direction": summary.direction,
        "outcome": summary.outcome, "client_id": facts.client_id, "operator_id": facts.operator_id,
        "callback_task_id": task_id,
    })
    await db.commit()
    return RecordedCall(call.id, interaction.id, facts.client_id, facts.operator_id, task_id, created=True)


async def _correct(db: AsyncSession, call: Call, summary: CallSummary, region: str) -> RecordedCall | None:
    """Replace an approximate row by an exact summary; None when another writer corrected it first."""
    claimed = await db.execute(
        update(Call).where(Call.id == call.id, Call.times_approximate.is_(True))
        .values(times_approximate=False).execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        await db.rollback()
        return None
    facts = await _facts(db, summary, region)
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None  # the call row cascades with its interaction
    call.times_approximate = True  # the loaded state predates the claim; let the change below be seen
    for name, value in _call_values(summary, facts).items():
        setattr(call, name, value)
    for name, value in _interaction_values(summary, facts).items():
        setattr(interaction, name, value)
    changes = audit.changed_fields(call) | {f"interaction.{k}": v for k, v in audit.changed_fields(interaction).items()}
    await db.flush()
    await db.execute(delete(CallTransfer).where(CallTransfer.call_id == call.id))
    await _write_transfers(db, call.id, summary)
    if is_missed(summary):
        await missed_callback(db, summary, interaction, facts.client_number)
    else:
        await withdraw_callback(db, interaction.id)
    audit.record(db, SYSTEM, "correct", "call", call.id, changes)
    await db.commit()
    return await _as_recorded(db, call, created=False, corrected=True)


async def _write_transfers(db: AsyncSession, call_id: int, summary: CallSummary) -> None:
    for position, transfer in enumerate(summary.transfers):
        db.add(CallTransfer(
            call_id=call_id, position=position, source=transfer.source[:100], target=transfer.target[:100],
            from_user_id=await find_operator(db, transfer.source), to_user_id=await find_operator(db, transfer.target),
            at=transfer.at,
        ))
    if summary.transfers:
        await db.flush()


async def _as_recorded(db: AsyncSession, call: Call, *, created: bool, corrected: bool = False) -> RecordedCall:
    client_id = await db.scalar(select(Interaction.client_id).where(Interaction.id == call.interaction_id))
    task = await open_callback(db, call.interaction_id, client_id, call.caller) if _was_missed(call) else None
    return RecordedCall(
        call.id, call.interaction_id, client_id, call.operator_id, task.id if task else None, created, corrected
    )


def _was_missed(call: Call) -> bool:
    return call.direction == Direction.INBOUND and call.outcome in MISSED
