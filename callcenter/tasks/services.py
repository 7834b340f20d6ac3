"""Creating, reassigning, completing, finding and deleting tasks and callbacks.

Anyone with ``work:write`` may reassign a task (the manager's remedy for overdue callbacks); completing
stamps ``completed_at``, reopening or cancelling clears it. Lists come soonest-due first, undated last.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import load_attached, visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.db.base import utcnow
from callcenter.models import Task, User
from callcenter.models.enums import TaskKind, TaskStatus
from callcenter.ownership import require_owner_change
from callcenter.references import Checks
from callcenter.rows import as_dict, fetch_page, where_equal
from callcenter.tasks.lateness import Lateness
from callcenter.tasks.schemas import TaskFilter, TaskIn, TaskPatch

ORDER = (Task.due_at.is_(None), Task.due_at, Task.id)


def task_dict(task: Task) -> dict[str, Any]:
    data = as_dict(task)
    data["overdue"] = task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < utcnow()
    return data


async def load_task(db: AsyncSession, principal: Principal, task_id: int) -> Task:
    return await load_attached(db, principal, Task, task_id, "owner_id", "task")


async def get_task(db: AsyncSession, principal: Principal, task_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    return task_dict(await load_task(db, principal, task_id))


async def list_tasks(
    db: AsyncSession, principal: Principal, flt: TaskFilter, *, limit: int, offset: int,
    lateness: Lateness | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """``lateness`` keeps the tasks in one of the manager's age buckets (it needs the configured tails days)."""
    principal.require(Permission.WORK_READ)
    query = visible_attached(principal, select(Task), Task.client_id, Task.owner_id)
    query = where_equal(query, (
        (Task.owner_id, flt.owner_id),
        (Task.client_id, flt.client_id),
        (Task.status, flt.status),
        (Task.kind, flt.kind),
    ))
    if flt.team_id is not None:
        query = query.where(Task.owner_id.in_(select(User.id).where(User.team_id == flt.team_id)))
    if lateness is not None:
        query = query.where(lateness.condition())
    if flt.overdue is True:
        query = query.where(Task.status == TaskStatus.OPEN, Task.due_at < utcnow())
    elif flt.overdue is False:
        query = query.where((Task.status != TaskStatus.OPEN) | Task.due_at.is_(None) | (Task.due_at >= utcnow()))
    rows, total = await fetch_page(db, query, ORDER, limit=limit, offset=offset)
    return [task_dict(t) for t in rows], total


async def create_task(db: AsyncSession, principal: Principal, data: TaskIn, ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    checks = Checks(db, principal)
    await checks.client(data.client_id)
    await checks.user(data.owner_id, "owner_id")
    await checks.contact(data.contact_id, data.client_id)
    await checks.interaction(data.interaction_id, data.client_id)
    if data.kind == TaskKind.CALLBACK and data.due_at is None:
        checks.fail("due_at", "a callback needs a due time")
    checks.done()
    owner_id = data.owner_id if data.owner_id is not None else (principal.user_id or None)
    require_owner_change(principal, None, owner_id, "task")
    task = Task(**data.model_dump(exclude={"owner_id"}), owner_id=owner_id, created_by_id=principal.user_id or None)
    db.add(task)
    await db.flush()
    audit.record(
        db, principal, "create", "task", task.id,
        {"kind": data.kind.value, "title": data.title, "owner_id": owner_id, "client_id": data.client_id, "due_at": data.due_at},
        ip,
    )
    await db.commit()
    return task_dict(task)


async def update_task(
    db: AsyncSession, principal: Principal, task_id: int, patch: TaskPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    task = await load_task(db, principal, task_id)
    given = patch.model_fields_set
    checks = Checks(db, principal)
    checks.not_null(patch, ("title", "description", "status"))
    if "owner_id" in given:
        await checks.user(patch.owner_id, "owner_id")
    if "contact_id" in given:
        await checks.contact(patch.contact_id, task.client_id)
    if "due_at" in given and patch.due_at is None and task.kind == TaskKind.CALLBACK:
        checks.fail("due_at", "a callback needs a due time")
    checks.done()
    if "owner_id" in given:
        require_owner_change(principal, task.owner_id, patch.owner_id, "task")
    if "owner_id" in given and patch.owner_id != task.owner_id:
        task.reassigned_at = utcnow()  # a callback handed on by hand gets the team's lateness afresh
    for name in given:
        setattr(task, name, getattr(patch, name))
    if "status" in given:
        if patch.status == TaskStatus.DONE and task.completed_at is None:
            task.completed_at = utcnow()
        elif patch.status != TaskStatus.DONE:
            task.completed_at = None
    audit.record(db, principal, "update", "task", task.id, audit.changed_fields(task), ip)
    await db.commit()
    return task_dict(task)


async def delete_task(db: AsyncSession, principal: Principal, task_id: int, ip: str | None = None) -> None:
    principal.require(Permission.WORK_WRITE)
    task = await load_task(db, principal, task_id)
    audit.record(db, principal, "delete", "task", task.id, {"title": task.title, "client_id": task.client_id}, ip)
    await db.delete(task)
    await db.commit()
