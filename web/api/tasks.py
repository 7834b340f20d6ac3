"""Tasks and callbacks over HTTP: create, reassign, complete, find the overdue ones, delete."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.auth.services import operators_own_clients_only
from callcenter.db.base import utcnow
from callcenter.models import Task
from callcenter.tasks import services
from callcenter.tasks.reassign import client_goes_along, handed_by_hand
from callcenter.tasks.schemas import TaskFilter, TaskIn, TaskPatch
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("tasks")


class TaskListQuery(PageQuery, TaskFilter):
    model_config = ConfigDict(extra="forbid")


@router.get("/api/tasks", summary="List tasks, soonest due first (owner_id, client_id, status, kind, overdue)",
            permission=Permission.WORK_READ, query=TaskListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_tasks(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/tasks", summary="Create a task or callback", permission=Permission.WORK_WRITE, body=TaskIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_task(call.db, call.principal, call.body, ip=call.ip)


@router.get("/api/tasks/{task_id:int}", summary="One task", permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_task(call.db, call.principal, call.path_int("task_id"))


@router.patch("/api/tasks/{task_id:int}", summary="Change a task: status (done completes it), due time, owner (reassign)",
              permission=Permission.WORK_WRITE, body=TaskPatch)
async def update(call: Call) -> dict[str, Any]:
    task_id = call.path_int("task_id")
    old_owner = await call.db.scalar(select(Task.owner_id).where(Task.id == task_id))
    task = await services.update_task(call.db, call.principal, task_id, call.body, ip=call.ip)
    # Both operators hear of a hand-over at once, on their desks; the client goes along where operators see
    # only their own clients.
    if (handed := await handed_by_hand(call.db, task, old_owner, call.principal, utcnow())) is not None:
        own_only = await operators_own_clients_only(call.db, call.settings.operators_own_clients_only)
        if await client_goes_along(call.db, call.principal, handed.client_id, old_owner, handed.to_user_id,
                                   own_only=own_only):
            await call.db.commit()
        call.request.app.state.bus.publish(handed)
    return task


@router.delete("/api/tasks/{task_id:int}", summary="Delete a task", permission=Permission.WORK_WRITE, status=204)
async def remove(call: Call) -> Response:
    await services.delete_task(call.db, call.principal, call.path_int("task_id"), ip=call.ip)
    return Response(status_code=204)
