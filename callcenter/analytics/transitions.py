"""The transitions report: how many clients moved into each lifecycle stage over a period (new one-time
clients against newly lost ones), month by month, and the clients behind each number."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import visible_clients
from callcenter.auth.principal import Permission, Principal
from callcenter.clients.services import slipping
from callcenter.metrics.period import Period
from callcenter.metrics.rollup import local_day
from callcenter.models import Client, StageChange, User
from callcenter.models.enums import Stage
from callcenter.rows import plain

Columns = TypeVarTuple("Columns")


def _scoped(query: Select[*Columns], principal: Principal, team_id: int | None) -> Select[*Columns]:
    query = visible_clients(principal, query.join(Client, Client.id == StageChange.client_id))
    if team_id is not None:
        query = query.where(Client.owner_id.in_(select(User.id).where(User.team_id == team_id)))
    return query


def _bounds(month: str, period: Period) -> dict[str, str]:
    """The month's days within the period (``first``, ``last``): what its numbers count."""
    year, number = int(month[:4]), int(month[5:7])
    first = max(period.first, date(year, number, 1))
    last = min(period.last, date(year, number, calendar.monthrange(year, number)[1]))
    return {"first": first.isoformat(), "last": last.isoformat()}


async def transitions(db: AsyncSession, principal: Principal, period: Period,
                      team_id: int | None = None) -> dict[str, Any]:
    """Moves into each stage in ``period``, in total, by month and by the stage they left."""
    principal.require(Permission.USERS_READ)
    day = local_day(db.get_bind().dialect.name, StageChange.changed_at, period.zone, period.start).label("day")
    query = _scoped(
        select(day, StageChange.from_stage, StageChange.to_stage, func.count())
        .where(StageChange.changed_at >= period.start, StageChange.changed_at < period.end)
        .group_by(literal_column("day"), StageChange.from_stage, StageChange.to_stage),
        principal, team_id)
    into: dict[str, int] = {s.value: 0 for s in Stage}
    moves: dict[tuple[str, str], int] = defaultdict(int)
    months: dict[str, dict[str, int]] = {}
    for n in range(period.days):
        months.setdefault((period.first + timedelta(days=n)).isoformat()[:7], {s.value: 0 for s in Stage})
    for when, old, new, count in await db.execute(query):
        into[new] = into.get(new, 0) + int(count)
        moves[(old or "-", new)] += int(count)
        months.setdefault(str(when)[:7], {s.value: 0 for s in Stage})[new] += int(count)
    return {
        "from": period.first.isoformat(), "to": period.last.isoformat(),
        "new_one_time": into[Stage.ONE_TIME.value], "new_lost": into[Stage.LOST.value], "into": into,
        "moves": [{"from": old, "to": new, "clients": n} for (old, new), n in sorted(moves.items())],
        "by_month": [{"month": month, **_bounds(month, period), **counts} for month, counts in sorted(months.items())],
    }


async def moved_clients(db: AsyncSession, principal: Principal, period: Period, to_stage: Stage, *,
                        from_stage: Stage | None = None, team_id: int | None = None, limit: int = 100,
                        offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The moves into ``to_stage`` in ``period`` (latest first) with their clients: what a number counts."""
    principal.require(Permission.USERS_READ)
    query = _scoped(
        select(StageChange.id, StageChange.changed_at, StageChange.from_stage, StageChange.source,
               Client.id.label("client_id"), Client.name, Client.stage, Client.owner_id)
        .where(StageChange.changed_at >= period.start, StageChange.changed_at < period.end,
               StageChange.to_stage == to_stage.value),
        principal, team_id)
    if from_stage is not None:
        query = query.where(StageChange.from_stage == from_stage.value)
    total = int(await db.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = await db.execute(query.order_by(StageChange.changed_at.desc(), StageChange.id.desc())
                            .limit(limit).offset(offset))
    return [{"client_id": r.client_id, "name": r.name, "changed_at": plain(r.changed_at), "from": r.from_stage,
             "to": to_stage.value, "source": r.source, "stage_now": str(r.stage), "owner_id": r.owner_id}
            for r in rows], total


async def count_slipping(db: AsyncSession, principal: Principal, since: date, team_id: int | None = None) -> int:
    """Buyers slipping toward lost (no sale since before ``since``), of the team's members when one is given."""
    principal.require(Permission.USERS_READ)
    query = visible_clients(principal, select(func.count()).select_from(Client).where(slipping(since)))
    if team_id is not None:
        query = query.where(Client.owner_id.in_(select(User.id).where(User.team_id == team_id)))
    return int(await db.scalar(query) or 0)
