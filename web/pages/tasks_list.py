"""The task list: tasks and promised callbacks, soonest due first, by owner, team, kind, status and lateness.

Supervisors, managers and admins hand an open task to another operator from here (a form per row, posted
to ``/tasks/{id}/reassign``); the change goes through the tasks service, so it is checked and audited as
``PATCH /api/tasks/{id}`` would be. The dashboard's callback counts link here with the same buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.datastructures import QueryParams
from starlette.responses import Response

from callcenter.auth.principal import Permission, Principal
from callcenter.auth.services import operators_own_clients_only
from callcenter.clients.services import client_names
from callcenter.db.base import utcnow
from callcenter.errors import DomainError, NotFound, ValidationFailed
from callcenter.models import Team
from callcenter.models.enums import TaskKind, TaskStatus
from callcenter.tasks.lateness import BUCKETS, Bucket, Lateness, bucket_of
from callcenter.tasks.reassign import client_goes_along, handed_by_hand
from callcenter.tasks.schemas import TaskFilter, TaskPatch
from callcenter.tasks.services import get_task, list_tasks, update_task
from callcenter.users.directory import Operator, operator_choices, owner_choices, teams_of
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50
STATUSES = [s.value for s in TaskStatus]
KINDS = [k.value for k in TaskKind]


def may_reassign(principal: Principal) -> bool:
    """Handing someone's work to another is a supervisor's decision: those who read the team (``users:read``)."""
    return principal.can(Permission.USERS_READ) and principal.can(Permission.WORK_WRITE)


@dataclass(frozen=True, slots=True)
class Filters:
    owner: int | None
    team: int | None
    kind: str | None
    status: str | None
    bucket: Bucket | None
    page: int

    def kept(self) -> dict[str, Any]:
        """The query string that shows this list again. Owner and status are always there, empty for "any",
        because leaving them out means their defaults (one's own tasks for operators, open ones)."""
        found: dict[str, Any] = {"owner": self.owner or "", "status": self.status or ""}
        for name, value in (("team", self.team), ("kind", self.kind), ("bucket", self.bucket)):
            if value:
                found[name] = value
        return found


def read_filters(params: Mapping[str, str], principal: Principal, teams: Mapping[int, str]) -> Filters:
    """The filters a query string asks for; values that name nothing (a stale or edited link) mean no filter."""
    if "owner" in params:
        owner = whole_number(params.get("owner")) or None
    else:
        owner = None if may_reassign(principal) else principal.user_id  # operators start with their own
    team = whole_number(params.get("team"))
    status = choice(params.get("status"), STATUSES) if "status" in params else TaskStatus.OPEN.value
    bucket = next((b for b in BUCKETS if b == params.get("bucket")), None)
    return Filters(owner=owner, team=team if team in teams else None, kind=choice(params.get("kind"), KINDS),
                   status=status, bucket=bucket, page=page_number(params.get("page")))


def _late_by(due: datetime | None, now: datetime) -> dict[str, int] | None:
    """Whole days and hours past the due time; None when not yet due."""
    if due is None or due >= now:
        return None
    late = now - due
    return {"days": late.days, "hours": late.seconds // 3600}


def _handover(operators: list[Operator], task: dict[str, Any], team_of: Mapping[int, int | None],
              teams: Mapping[int, str]) -> list[tuple[str | None, list[Operator]]]:
    """Whom an open task may go to: other active operators, those of its owner's team first."""
    others = [o for o in operators if o.id != task["owner_id"]]
    team = team_of.get(task["owner_id"]) if task["owner_id"] else None
    near = [o for o in others if o.team_id == team] if team is not None else []
    if team is None or not near:
        return [(None, others)]
    return [(teams.get(team), near), ("", [o for o in others if o.team_id != team])]


async def _teams(pg: Page) -> dict[int, str]:
    return {tid: name for tid, name in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}


async def _show(pg: Page, params: Mapping[str, str], *, status: int = 200, error: str | None = None) -> Response:
    teams = await _teams(pg)
    f = read_filters(params, pg.principal, teams)
    now = utcnow()
    tails_days = pg.settings.tails_days
    flt = TaskFilter(owner_id=f.owner, team_id=f.team, kind=f.kind, status=f.status)
    tasks, total = await list_tasks(pg.db, pg.principal, flt, limit=PAGE_SIZE, offset=(f.page - 1) * PAGE_SIZE,
                                    lateness=Lateness(f.bucket, now, tails_days) if f.bucket else None)
    owners = {o.id: o.label for o in await owner_choices(pg.db)}
    names = dict(owners)
    if f.owner is not None and f.owner not in names:
        names[f.owner] = f"#{f.owner}"  # an owner who has left still has tasks to hand over
    reassigning = may_reassign(pg.principal)
    operators = await operator_choices(pg.db) if reassigning else []
    team_of = await teams_of(pg.db, [t["owner_id"] for t in tasks if t["owner_id"]]) if reassigning else {}
    rows = []
    for t in tasks:
        is_open = t["status"] == TaskStatus.OPEN.value
        due = datetime.fromisoformat(t["due_at"]) if t["due_at"] else None
        rows.append({
            "task": t,
            "late_by": _late_by(due, now) if is_open else None,
            "bucket": bucket_of(due, now=now, tails_days=tails_days) if is_open else None,
            "handover": _handover(operators, t, team_of, teams) if reassigning and is_open else None,
        })
    kept = f.kept()
    clients = await client_names(pg.db, pg.principal, [t["client_id"] for t in tasks if t["client_id"]])
    return await pg.render(
        "tasks/list.html", status=status, rows=rows, total=total, filters=f, teams=teams, owner_names=owners,
        owner_choices=names, clients=clients, kinds=KINDS, statuses=STATUSES, buckets=list(BUCKETS),
        tails_days=tails_days, reassigning=reassigning, back=urlencode(kept), error=error,
        moved=await _moved(pg, params, owners),
        filtered=any(k in params for k in ("owner", "team", "kind", "status", "bucket")),
        **pager("/tasks", f.page, total, PAGE_SIZE, kept),
    )


async def _moved(pg: Page, params: Mapping[str, str], owners: Mapping[int, str]) -> dict[str, str] | None:
    """What the last reassignment did, for the notice after it: the task's title and its owner now."""
    task_id = whole_number(params.get("moved"))
    if not task_id:
        return None
    try:
        task = await get_task(pg.db, pg.principal, task_id)
    except DomainError:
        return None  # gone or hidden since: nothing to say
    owner = task["owner_id"]
    return {"title": task["title"], "owner": owners.get(owner, f"#{owner}") if owner else ""}


@page(permission=Permission.WORK_READ)
async def tasks_list(pg: Page) -> Response:
    return await _show(pg, pg.request.query_params)


@page(permission=Permission.WORK_WRITE)
async def reassign(pg: Page) -> Response:
    """Hand one open task to another active operator, then back to the same list with a notice."""
    back = QueryParams(pg.value("back", 2000))
    if not may_reassign(pg.principal):
        return await _show(pg, back, status=403, error="tasks.error.not_allowed")
    target = whole_number(pg.value("owner", 20))
    try:
        task_id = pg.path_id("task_id")
        task = await get_task(pg.db, pg.principal, task_id)
        if task["status"] != TaskStatus.OPEN.value:
            return await _show(pg, back, status=409, error="tasks.error.closed")
        if target is None or target not in {o.id for o in await operator_choices(pg.db)}:
            return await _show(pg, back, status=422, error="tasks.error.operator")
        if target == task["owner_id"]:
            return await _show(pg, back, status=422, error="tasks.error.same_owner")
        moved = await update_task(pg.db, pg.principal, task_id, TaskPatch(owner_id=target), ip=pg.ip)
        # Both operators hear of it on their desks, as with the API and the team's policy.
        handed = await handed_by_hand(pg.db, moved, task["owner_id"], pg.principal, utcnow())
        if handed is not None:
            own_only = await operators_own_clients_only(pg.db, pg.settings.operators_own_clients_only)
            if await client_goes_along(pg.db, pg.principal, handed.client_id, task["owner_id"], target,
                                       own_only=own_only):
                await pg.db.commit()
            pg.request.app.state.bus.publish(handed)
    except DomainError as exc:
        await pg.db.rollback()
        reason = ("tasks.error.gone" if isinstance(exc, NotFound) else
                  "tasks.error.operator" if isinstance(exc, ValidationFailed) else "tasks.error.not_allowed")
        return await _show(pg, back, status=exc.status, error=reason)
    kept = read_filters(back, pg.principal, await _teams(pg)).kept()
    return pg.redirect("/tasks?" + urlencode({**kept, "moved": task_id}))
