"""Handing overdue callbacks on: by each team's policy, and telling both operators.

A team with ``callbacks_reassign_minutes`` set gives an open callback of any of its members (those who
have left too) that is that late to another active operator of the team: the one with the fewest open
callbacks (ties by id), counting those handed out in the same round. The lateness then counts again from
the hand-over (``reassigned_at``), so a callback the next operator also lets slip moves on once more rather
than at every round. Each hand-over is audited as the policy's and announced on the bus, so both operators'
desks hear of it. Where operators see only their own clients, the callback's client goes along when it was
the previous owner's: a callback on a client one may not open cannot be worked.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter import audit, periodic
from callcenter.auth.principal import SYSTEM, Principal
from callcenter.auth.services import operators_own_clients_only
from callcenter.bus import EventBus
from callcenter.db.base import utcnow
from callcenter.db.engine import create_sessionmaker
from callcenter.models import Client, Task, Team, User
from callcenter.models.enums import Role, TaskKind, TaskStatus
from callcenter.tasks.events import CallbackReassigned

log = logging.getLogger(__name__)
ROUND_LIMIT = 500  # callbacks handed on per team and round; the next round takes the rest


def display_name(user: User) -> str:
    return user.full_name or user.login


async def _open_callbacks(db: AsyncSession, user_ids: list[int]) -> Counter[int]:
    rows = await db.execute(select(Task.owner_id, func.count()).where(
        Task.owner_id.in_(user_ids), Task.kind == TaskKind.CALLBACK, Task.status == TaskStatus.OPEN,
    ).group_by(Task.owner_id))
    load: Counter[int] = Counter({uid: 0 for uid in user_ids})
    load.update({uid: int(n) for uid, n in rows if uid is not None})
    return load


async def client_goes_along(db: AsyncSession, principal: Principal, client_id: int | None, old_owner: int | None,
                            new_owner: int, *, own_only: bool) -> bool:
    """Where operators see only their own clients, hand the task's client from ``old_owner`` to ``new_owner``
    too (audited; the caller commits); whether it moved."""
    if not own_only or client_id is None or old_owner is None:
        return False
    moved = await db.execute(update(Client).where(Client.id == client_id, Client.owner_id == old_owner)
                             .values(owner_id=new_owner).execution_options(synchronize_session=False))
    if not getattr(moved, "rowcount", 0):
        return False
    audit.record(db, principal, "update", "client", client_id,
                 {"owner_id": [old_owner, new_owner], "reason": "callback handed on"})
    return True


async def _team_round(db: AsyncSession, team: Team, now: datetime, own_only: bool) -> list[CallbackReassigned]:
    members = {u.id: u for u in await db.scalars(select(User).where(User.team_id == team.id))}
    operators = {uid: u for uid, u in members.items() if u.is_active and u.role == Role.OPERATOR}
    if not operators:
        return []  # nobody to hand a callback to
    cutoff = now - timedelta(minutes=team.callbacks_reassign_minutes or 0)
    late = (await db.execute(
        select(Task, Client.name).outerjoin(Client, Client.id == Task.client_id)
        .where(Task.kind == TaskKind.CALLBACK, Task.status == TaskStatus.OPEN, Task.owner_id.in_(list(members)),
               Task.due_at < cutoff, or_(Task.reassigned_at.is_(None), Task.reassigned_at < cutoff))
        .order_by(Task.due_at, Task.id).limit(ROUND_LIMIT))).all()
    if not late:
        return []
    load = await _open_callbacks(db, list(operators))
    handed: list[CallbackReassigned] = []
    for task, client_name in late:
        old = task.owner_id
        others = [uid for uid in operators if uid != old]
        if not others:
            continue  # a team of one keeps its callbacks
        new = min(others, key=lambda uid: (load[uid], uid))
        moved = await db.execute(update(Task).where(Task.id == task.id, Task.owner_id == old,
                                                     Task.status == TaskStatus.OPEN)
                                 .values(owner_id=new, reassigned_at=now).execution_options(synchronize_session=False))
        if not getattr(moved, "rowcount", 0):
            continue  # someone changed it since it was read: it is theirs to decide
        load[new] += 1
        if old is not None and old in load:
            load[old] -= 1
        await client_goes_along(db, SYSTEM, task.client_id, old, new, own_only=own_only)
        late_minutes = int((now - task.due_at).total_seconds() // 60) if task.due_at else None
        audit.record(db, SYSTEM, "reassign", "task", task.id,
                     {"owner_id": [old, new], "reason": "overdue", "late_minutes": late_minutes,
                      "policy_minutes": team.callbacks_reassign_minutes})
        handed.append(CallbackReassigned(
            task_id=task.id, title=task.title, client_id=task.client_id, client_name=client_name, due_at=task.due_at,
            from_user_id=old, from_name=display_name(members[old]) if old in members else None,
            to_user_id=new, to_name=display_name(operators[new]), by=None, at=now))
    await db.commit()
    return handed


async def reassign_overdue(db: AsyncSession, *, now: datetime, own_default: bool = False) -> list[CallbackReassigned]:
    """One round of every team's policy; what was handed on. Commits per team. ``own_default``: the
    own-clients-only switch until an admin sets it."""
    teams = list(await db.scalars(select(Team).where(Team.callbacks_reassign_minutes.is_not(None))
                                  .order_by(Team.id)))
    own_only = await operators_own_clients_only(db, own_default) if teams else False
    handed: list[CallbackReassigned] = []
    for team in teams:
        handed.extend(await _team_round(db, team, now, own_only))
    return handed


def callbacks_sweeper(engine: AsyncEngine, bus: EventBus, *, every: float = 30.0,
                      own_default: bool = False) -> contextlib.AbstractAsyncContextManager[object]:
    """Run :func:`reassign_overdue` now and every ``every`` seconds, announcing each hand-over on ``bus``."""
    sessions = create_sessionmaker(engine)

    async def sweep() -> None:
        async with sessions() as db:
            handed = await reassign_overdue(db, now=utcnow(), own_default=own_default)
        for event in handed:
            bus.publish(event)
        if handed:
            log.info("%d overdue callbacks handed to other operators by their teams' policy", len(handed))

    return periodic.every(every, sweep, name="handing overdue callbacks on")


async def handed_by_hand(db: AsyncSession, task: dict[str, object], old_owner: int | None,
                         by: Principal, now: datetime) -> CallbackReassigned | None:
    """The announcement of a manager's hand-over of ``task`` (as the task API returns it), if it changed hands."""
    new_owner = task.get("owner_id")
    if not isinstance(new_owner, int) or new_owner == old_owner:
        return None
    ids = [uid for uid in (old_owner, new_owner, by.user_id) if uid]
    users = {u.id: u for u in await db.scalars(select(User).where(User.id.in_(ids)))}
    client_id = task.get("client_id")
    client_name = await db.scalar(select(Client.name).where(Client.id == client_id)) \
        if isinstance(client_id, int) else None
    due = task.get("due_at")
    return CallbackReassigned(
        task_id=int(str(task["id"])), title=str(task.get("title") or ""),
        client_id=client_id if isinstance(client_id, int) else None, client_name=client_name,
        due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
        from_user_id=old_owner, from_name=display_name(users[old_owner]) if old_owner in users else None,
        to_user_id=new_owner, to_name=display_name(users[new_owner]) if new_owner in users else str(new_owner),
        by=display_name(users[by.user_id]) if by.user_id in users else by.login, at=now)
