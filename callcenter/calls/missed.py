"""The callback a missed inbound call leaves behind (see :mod:`callcenter.calls.services` for the rules).

Callbacks are made for many calls at once (:func:`missed_callbacks`), the way the call logger writes
them: the open callbacks the calls may join are read in two queries, calls from the same client (or
number) within the batch share one task as they would one after the other, and new tasks are inserted
together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.calls.events import CallSummary
from callcenter.models import Task
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


@dataclass(frozen=True, slots=True)
class Miss:
    """A logged call that may leave a callback: its summary, its interaction and who it was from."""

    summary: CallSummary
    interaction_id: int
    client_id: int | None
    contact_id: int | None
    owner_id: int | None  # the client's owner, who gets a new callback
    number: str | None  # the caller's E.164, when it is one


@dataclass(slots=True)
class _Callback:
    id: int | None
    description: str
    values: dict[str, Any] = field(default_factory=dict)  # a new task's columns; empty for one already stored
    appended: list[tuple[str, str]] = field(default_factory=list)  # (before, after) per line added


def _open_callbacks() -> Any:
    return select(Task.id, Task.client_id, Task.title, Task.interaction_id, Task.description).where(
        Task.kind == TaskKind.CALLBACK, Task.origin == TaskOrigin.MISSED_CALL, Task.status == TaskStatus.OPEN
    ).order_by(Task.id)


async def _stored(db: AsyncSession, due: list[Miss], fresh: bool) -> dict[tuple[str, object], _Callback]:
    """The open callbacks ``due`` may join, keyed ("own", interaction), ("client", id) or ("number", title)."""
    found: dict[tuple[str, object], _Callback] = {}
    clients = {m.client_id for m in due if m.client_id is not None}
    titles = {_title(m.number) for m in due if m.client_id is None and m.number is not None}
    interactions = set() if fresh else {m.interaction_id for m in due}
    wheres: list[ColumnElement[bool]] = []
    if clients:
        wheres.append(Task.client_id.in_(clients))
    if titles:
        wheres.append(Task.client_id.is_(None) & Task.title.in_(titles))
    if interactions:
        wheres.append(Task.interaction_id.in_(interactions))
    for where in wheres:  # one query each: an OR of them would not use the indexes
        for task_id, client_id, title, interaction_id, description in await db.execute(_open_callbacks().where(where)):
            stored = _Callback(task_id, description)
            if interaction_id in interactions:
                found.setdefault(("own", interaction_id), stored)
            key: tuple[str, object] = ("client", client_id) if client_id is not None else ("number", title)
            found[key] = found.get(key) or stored
    # The same task read twice must be one object, or a line added through one key is lost through the other.
    by_id: dict[int | None, _Callback] = {}
    return {key: by_id.setdefault(cb.id, cb) for key, cb in found.items()}


async def missed_callbacks(db: AsyncSession, misses: list[Miss], *, fresh: bool) -> list[int | None]:
    """Make (or extend) the callback of each missed inbound call; per call its task id, or None when none is due.

    ``fresh``: the interactions were made in this transaction, so no task can point at them yet.
    """
    due = [m for m in misses if is_missed(m.summary) and (m.client_id is not None or m.number is not None)]
    if not due:
        return [None] * len(misses)
    callbacks = await _stored(db, due, fresh)
    chosen: dict[int, _Callback] = {}
    for m in due:
        shown = m.number or m.summary.caller
        line = _miss_line(m.summary, shown)
        key: tuple[str, object] = ("client", m.client_id) if m.client_id is not None else ("number", _title(shown))
        callback = callbacks.get(("own", m.interaction_id)) or callbacks.get(key)
        if callback is None:
            callback = callbacks[key] = _Callback(None, line, {
                "kind": TaskKind.CALLBACK, "origin": TaskOrigin.MISSED_CALL, "title": _title(shown),
                "owner_id": m.owner_id, "client_id": m.client_id, "contact_id": m.contact_id,
                "interaction_id": m.interaction_id, "due_at": m.summary.ended_at, "status": TaskStatus.OPEN,
            })
        elif line not in callback.description:
            after = f"{callback.description}\n{line}".strip()
            callback.appended.append((callback.description, after))
            callback.description = after
        chosen[id(m)] = callback
    await _write(db, list({id(cb): cb for cb in chosen.values()}.values()))
    return [chosen[id(m)].id if id(m) in chosen else None for m in misses]


async def _write(db: AsyncSession, callbacks: list[_Callback]) -> None:
    new = [cb for cb in callbacks if cb.values]
    if new:
        ids = await db.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True),
                               [{**cb.values, "description": cb.description} for cb in new])
        for cb, task_id in zip(new, ids, strict=True):
            cb.id = task_id
    changed = [cb for cb in callbacks if cb.appended and not cb.values]
    if changed:
        await db.execute(update(Task), [{"id": cb.id, "description": cb.description} for cb in changed])
    entries = []
    for cb in callbacks:
        if cb.values:
            entries.append(audit.entry(SYSTEM, "create", "task", cb.id, {
                "kind": "callback", "origin": "missed_call", "owner_id": cb.values["owner_id"],
                "client_id": cb.values["client_id"], "interaction_id": cb.values["interaction_id"],
                "due_at": cb.values["due_at"],
            }))
        entries += [audit.entry(SYSTEM, "update", "task", cb.id, {"description": [before, after]})
                    for before, after in cb.appended]
    await audit.record_many(db, entries)


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
