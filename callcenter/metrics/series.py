"""Figures over time and by state for the manager's dashboard: contacts per day, the funnel, tails by age."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.metrics.operators import ANSWERED
from callcenter.metrics.period import Period
from callcenter.metrics.rollup import local_day
from callcenter.models import Call, Client, Deal, FunnelStage, Interaction, Task, User
from callcenter.models.enums import DealStatus, InteractionKind, InteractionStatus, TaskKind, TaskStatus
from callcenter.tasks.lateness import bucket_condition

Columns = TypeVarTuple("Columns")


def _team(query: Select[*Columns], column: Any, team_id: int | None) -> Select[*Columns]:
    if team_id is None:
        return query
    return query.where(column.in_(select(User.id).where(User.team_id == team_id)))


async def contacts_by_day(db: AsyncSession, period: Period, team_id: int | None = None) -> list[dict[str, Any]]:
    """Every day of the period with its contacts and answered calls (zeros included), in order."""
    day = local_day(db.get_bind().dialect.name, Interaction.occurred_at, period.zone, period.start).label("day")
    query = (
        select(day, func.count(), func.count(Call.id).filter(Call.outcome.in_(ANSWERED)))
        .select_from(Interaction)
        .outerjoin(Call, Call.interaction_id == Interaction.id)
        .where(Interaction.occurred_at >= period.start, Interaction.occurred_at < period.end,
               Interaction.status == InteractionStatus.DONE, Interaction.kind != InteractionKind.NOTE,
               Interaction.user_id.is_not(None))
        .group_by(literal_column("day"))
    )
    found = {str(d)[:10]: (int(c), int(a)) for d, c, a in await db.execute(_team(query, Interaction.user_id, team_id))}
    days = []
    for n in range(period.days):
        current = (period.first + timedelta(days=n)).isoformat()
        contacts, answered = found.get(current, (0, 0))
        days.append({"day": current, "contacts": contacts, "calls_answered": answered})
    return days


async def funnel(db: AsyncSession, team_id: int | None = None) -> list[dict[str, Any]]:
    """Open deals by stage, in the funnel's order: how many and for how much (every open stage, zeros too);
    with a team, the deals its members own."""
    joined = (Deal.stage_id == FunnelStage.id) & (Deal.status == DealStatus.OPEN)
    if team_id is not None:
        joined = joined & Deal.owner_id.in_(select(User.id).where(User.team_id == team_id))
    query = (
        select(FunnelStage.id, FunnelStage.code, FunnelStage.name, func.count(Deal.id),
               func.coalesce(func.sum(Deal.amount), 0))
        .select_from(FunnelStage)
        .outerjoin(Deal, joined)
        .where(FunnelStage.is_closed.is_(False))
        .group_by(FunnelStage.id, FunnelStage.code, FunnelStage.name, FunnelStage.sort_order)
        .order_by(FunnelStage.sort_order, FunnelStage.id)
    )
    return [{"stage_id": sid, "code": code, "stage": name, "deals": int(n), "amount": str(amount)}
            for sid, code, name, n, amount in await db.execute(query)]


async def tails_by_age(db: AsyncSession, *, now: datetime, tails_days: int,
                       team_id: int | None = None) -> dict[str, int]:
    """Open callbacks now: not yet due, late by up to ``tails_days`` days, and tails (later than that).

    The buckets are :mod:`callcenter.tasks.lateness`'s, which the task list filters by, so each count is the
    length of the list it links to.
    """
    not_due, late, tail = (bucket_condition(b, now=now, tails_days=tails_days) for b in ("not_due", "late", "tail"))
    query = select(func.count().filter(not_due), func.count().filter(late), func.count().filter(tail)).where(
        Task.kind == TaskKind.CALLBACK, Task.status == TaskStatus.OPEN, Task.due_at.is_not(None))
    waiting, late_n, tails = (await db.execute(_team(query, Task.owner_id, team_id))).one()
    return {"not_due": int(waiting), "late": int(late_n), "tails": int(tails)}


async def client_classes(db: AsyncSession, team_id: int | None = None) -> dict[str, dict[str, int]]:
    """Clients by ABC class and XYZ class as they stand (``{"A": {"X": 12, ...}, ...}``); unclassed as "-"."""
    query = _team(select(Client.abc_class, Client.xyz_class, func.count()).group_by(Client.abc_class, Client.xyz_class),
                  Client.owner_id, team_id)
    matrix: dict[str, dict[str, int]] = {}
    for abc, xyz, n in await db.execute(query):
        matrix.setdefault(str(abc or "-"), {})[str(xyz or "-")] = int(n)
    return matrix


def month_so_far(today: date) -> tuple[date, date]:
    """The default period: the first of this month to today."""
    return today.replace(day=1), today
