"""The wrap-up after a call: its result, notes and next step; and marking calls whose result never came.

The operator who answered (or a supervisor and above) sets the result (a disposition) on the call's
interaction, adds notes, and may promise a callback (a task), open a deal or record a claim, all in one
commit. ``wrapup_seconds`` runs from the call's end to the first result saved; a correction keeps it.
A call is logged when it ends, a moment after the browser hears of it, so a wrap-up for a call not yet
logged waits for it a few seconds. An answered call without a result once its window
(``CALLCENTER_RESULT_WINDOW_SECONDS``) has passed is marked ``result_missing`` until a result is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter import audit, periodic
from callcenter.auth.principal import Permission, Principal
from callcenter.calls.schemas import WrapUpIn
from callcenter.calls.serialize import call_dicts
from callcenter.db.base import utcnow
from callcenter.db.engine import create_sessionmaker
from callcenter.deals.stages import first_open_stage
from callcenter.errors import CallNotLogged, Forbidden
from callcenter.models import Call, Claim, Deal, Interaction, Task
from callcenter.models.enums import DealStatus, Direction, TaskKind, TaskOrigin
from callcenter.ownership import may_change_work
from callcenter.references import Checks
from callcenter.settings import Settings

log = logging.getLogger(__name__)

# How long a wrap-up waits for its call to be logged before answering 404.
LOG_WAIT_SECONDS = 5.0


async def _wait_for_call(db: AsyncSession, linkedid: str, wait: float) -> int:
    """The id of the call ``linkedid``, looking again until it is logged or ``wait`` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.05
    while True:
        found = await db.scalar(select(Call.id).where(Call.linkedid == linkedid))
        if found is not None:
            return int(found)
        await db.rollback()  # end the read, so that the next look sees what the call logger committed
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise CallNotLogged(linkedid)
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.5)


def _appended(before: str, notes: str) -> str:
    """``notes`` after the notes already there; the same notes sent again are not repeated."""
    if not notes.strip() or before.rstrip().endswith(notes.strip()):
        return before
    return f"{before.rstrip()}\n\n{notes.strip()}" if before.strip() else notes.strip()


async def wrap_up(
    db: AsyncSession, principal: Principal, data: WrapUpIn, *, now: datetime, ip: str | None,
    wait: float | None = None,
) -> dict[str, Any]:
    """Set the call's result and make its next steps in one commit; the call's API form with their ids."""
    principal.require(Permission.WORK_WRITE)
    call_id = await _wait_for_call(db, data.linkedid, LOG_WAIT_SECONDS if wait is None else wait)
    # The row lock (PostgreSQL) makes a second wrap-up of the same call wait for the first.
    call = await db.scalar(
        select(Call).where(Call.id == call_id).with_for_update().execution_options(populate_existing=True)
    )
    assert call is not None  # calls are never deleted
    interaction = await db.get(Interaction, call.interaction_id, populate_existing=True)
    assert interaction is not None
    operator_id = call.operator_id if call.operator_id is not None else interaction.user_id
    if not may_change_work(principal, operator_id):
        raise Forbidden("Only the operator who took the call, or a supervisor, sets its result.")

    checks = Checks(db, principal)
    await checks.disposition(data.disposition_id)
    if data.callback is not None and data.callback.due_at <= now:
        checks.fail("callback.due_at", "must be in the future")
    client = await checks.client(interaction.client_id) if (data.callback or data.deal or data.claim) else None
    for name in ("deal", "claim"):
        if getattr(data, name) is not None and interaction.client_id is None:
            checks.fail(name, "the call has no client; a deal or a claim needs one")
    stage = await first_open_stage(db) if data.deal is not None else None
    if data.deal is not None and stage is None:
        checks.fail("deal", "no open funnel stage is defined")
    checks.done()

    interaction.disposition_id = data.disposition_id
    interaction.notes = _appended(interaction.notes, data.notes)
    if call.result_at is None and call.ended_at is not None:
        call.wrapup_seconds = max(0, int((now - call.ended_at).total_seconds()))
    call.result_at = now
    call.result_missing = False
    owner_id = operator_id if operator_id is not None else (principal.user_id or None)
    # Read before the flushes below, which reset the objects' change history.
    audit.record(db, principal, "update", "interaction", interaction.id, audit.changed_fields(interaction), ip)
    call_changes = audit.changed_fields(call)
    made: dict[str, int | None] = {"task_id": None, "deal_id": None, "claim_id": None}

    if data.callback is not None:
        number = call.callee if call.direction == Direction.OUTBOUND else call.caller
        task = Task(
            kind=TaskKind.CALLBACK, origin=TaskOrigin.PROMISED_CALLBACK,
            title=f"Call back {client.name if client else number}"[:300], description=data.callback.note,
            owner_id=owner_id, client_id=interaction.client_id, contact_id=interaction.contact_id,
            interaction_id=interaction.id, due_at=data.callback.due_at, created_by_id=principal.user_id or None,
        )
        db.add(task)
        await db.flush()
        made["task_id"] = task.id
        audit.record(db, principal, "create", "task", task.id, {
            "kind": "callback", "origin": "promised_callback", "title": task.title, "owner_id": owner_id,
            "client_id": interaction.client_id, "interaction_id": interaction.id, "due_at": task.due_at,
        }, ip)
    if data.deal is not None and stage is not None and interaction.client_id is not None:
        deal = Deal(client_id=interaction.client_id, title=data.deal.title, stage_id=stage.id, status=DealStatus.OPEN,
                    amount=data.deal.amount, owner_id=owner_id)
        db.add(deal)
        await db.flush()
        made["deal_id"] = deal.id
        audit.record(db, principal, "create", "deal", deal.id, {
            "client_id": deal.client_id, "title": deal.title, "stage": stage.code, "status": DealStatus.OPEN,
            "amount": deal.amount, "linkedid": call.linkedid,
        }, ip)
    if data.claim is not None and interaction.client_id is not None:
        claim = Claim(client_id=interaction.client_id, contact_id=interaction.contact_id, interaction_id=interaction.id,
                      subject=data.claim.subject, description=data.claim.description, owner_id=owner_id)
        db.add(claim)
        await db.flush()
        made["claim_id"] = claim.id
        audit.record(db, principal, "create", "claim", claim.id,
                     {"client_id": claim.client_id, "subject": claim.subject, "interaction_id": interaction.id}, ip)
    audit.record(db, principal, "wrap_up", "call", call.id, call_changes | made, ip)
    await db.commit()
    result = (await call_dicts(db, [call]))[0]
    result.update(made)
    return result


# How far back a round of the sweeper looks: a call whose window closed while nothing swept for longer
# than this (the telephony side down for a day) is never marked.
SWEEP_HORIZON = timedelta(days=1)


async def mark_results_missing(db: AsyncSession, *, now: datetime, window_seconds: int) -> int:
    """Mark answered calls that ended over ``window_seconds`` ago and still have no result; how many. Commits.

    Only calls whose window closed within the last :data:`SWEEP_HORIZON` are looked at: older ones were
    decided by earlier rounds (the sweeper runs every 30 s), and without the bound every round would walk
    every call ever answered without a ``result_at`` (those logged before results were timed, imported ones).
    """
    cutoff = now - timedelta(seconds=window_seconds)
    # A scalar subquery, looked up per candidate through the primary key: as NOT EXISTS the planner turns it
    # into an anti-join that hashes every interaction with a result, hundreds of milliseconds on a big base.
    result = select(Interaction.disposition_id).where(Interaction.id == Call.interaction_id).scalar_subquery()
    marked = await db.execute(
        update(Call)
        .where(
            Call.result_missing.is_(False), Call.result_at.is_(None), Call.answered_at.is_not(None),
            Call.operator_id.is_not(None), Call.ended_at < cutoff, Call.ended_at >= cutoff - SWEEP_HORIZON,
            result.is_(None),
        )
        .values(result_missing=True)
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    return int(getattr(marked, "rowcount", 0) or 0)


def results_sweeper(engine: AsyncEngine, settings: Settings, *,
                    every: float = 30.0) -> contextlib.AbstractAsyncContextManager[asyncio.Task[None]]:
    """Run :func:`mark_results_missing` now and every ``every`` seconds until the block ends."""
    sessions = create_sessionmaker(engine)

    async def sweep() -> None:
        async with sessions() as db:
            marked = await mark_results_missing(db, now=utcnow(), window_seconds=settings.result_window_seconds)
        if marked:
            log.info("%d answered calls passed their result window without a result", marked)

    return periodic.every(every, sweep, name="marking calls without a result")
