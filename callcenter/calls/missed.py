"""The callback a missed inbound call leaves behind (see :mod:`callcenter.calls.services` for the rules)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import CallSummary
from callcenter.models import Client, Interaction, Task
from callcenter.models.enums import CallOutcome, Direction, TaskKind, TaskOrigin, TaskStatus

MISSED = frozenset({CallOutcome.ABANDONED, CallOutcome.NO_ANSWER, CallOutcome.BUSY})


def is_missed(summary: CallSummary) -> bool:
    return summary.direction == Direction.INBOUND and summary.outcome in MISSED


def _title(number: str) -> str:
    return f"Call back {number}"


def _miss_line(summary: CallSummary, number: str) -> str:
    queue = f" in queue {summary.queue}" if summary.queue else ""
    when = summary.ended_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return f"Missed call ({summary.outcome.value.replace('_', ' ')}) from {number}{queue} at {when}."


async def open_callback(db: AsyncSession, interaction_id: int, client_id: int | None, number: str | None) -> Task | None:
    """The open missed-call callback covering this call: its own, or the one its client (or number) already has."""
    query = select(Task).where(
        Task.kind == TaskKind.CALLBACK, Task.origin == TaskOrigin.MISSED_CALL, Task.status == TaskStatus.OPEN
    )
    own = await db.scalar(query.where(Task.interaction_id == interaction_id).order_by(Task.id).limit(1))
    if own is not None:
        return own
    if client_id is not None:
        return await db.scalar(query.where(Task.client_id == client_id).order_by(Task.id).limit(1))
    if number is not None:
        return await db.scalar(
            query.where(Task.client_id.is_(None), Task.title == _title(number)).order_by(Task.id).limit(1)
        )
    return None


async def missed_callback(
    db: AsyncSession, summary: CallSummary, interaction: Interaction, number: str | None
) -> int | None:
    """Make (or extend) the callback task for a missed inbound call; its id, or None when no callback is due."""
    if not is_missed(summary) or (interaction.client_id is None and number is None):
        return None
    shown = number or summary.caller
    line = _miss_line(summary, shown)
    task = await open_callback(db, interaction.id, interaction.client_id, number)
    if task is not None:
        if line not in task.description:
            before = task.description
            task.description = f"{before}\n{line}".strip()
            audit.record(db, SYSTEM, "update", "task", task.id, {"description": [before, task.description]})
        return task.id
    owner_id = None
    if interaction.client_id is not None:
        owner_id = await db.scalar(select(Client.owner_id).where(Client.id == interaction.client_id))
    task = Task(
        kind=TaskKind.CALLBACK, origin=TaskOrigin.MISSED_CALL, title=_title(shown), description=line,
        owner_id=owner_id, client_id=interaction.client_id, contact_id=interaction.contact_id,
        interaction_id=interaction.id, due_at=summary.ended_at, status=TaskStatus.OPEN,
    )
    db.add(task)
    await db.flush()
    audit.record(db, SYSTEM, "create", "task", task.id, {
        "kind": "callback", "origin": "missed_call", "owner_id": owner_id, "client_id": interaction.client_id,
        "interaction_id": interaction.id, "due_at": summary.ended_at,
    })
    return task.id


async def withdraw_callback(db: AsyncSession, interaction_id: int) -> None:
    """Cancel the open callback a call left when a corrected summary shows it was not missed after all."""
    task = await db.scalar(
        select(Task).where(
            Task.interaction_id == interaction_id, Task.origin == TaskOrigin.MISSED_CALL, Task.status == TaskStatus.OPEN
        )
    )
    if task is not None:
        task.status = TaskStatus.CANCELLED
        audit.record(db, SYSTEM, "update", "task", task.id, {"status": ["open", "cancelled"]})
