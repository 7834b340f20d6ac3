"""The people a client can belong to, for owner filters and selects, and the operators work can be handed to.

Every signed-in role may read this short list (names only): an operator choosing an owner needs it
without the right to read user records.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import User
from callcenter.models.enums import Role

MAX_OWNERS = 1000


@dataclass(frozen=True, slots=True)
class Owner:
    id: int
    label: str


async def owner_choices(db: AsyncSession, *, also: int | None = None) -> list[Owner]:
    """Active users by name; a call center has tens or hundreds, so one short list serves every select.
    ``also``: a user to list even when no longer active (a filter a figure linked to, for someone who left)."""
    wanted = User.is_active.is_(True) if also is None else (User.is_active.is_(True) | (User.id == also))
    rows = await db.execute(
        select(User.id, User.login, User.full_name).where(wanted).order_by(User.full_name, User.login)
        .limit(MAX_OWNERS)
    )
    return [Owner(id=uid, label=f"{full_name} ({login})" if full_name else login) for uid, login, full_name in rows]


@dataclass(frozen=True, slots=True)
class Operator:
    id: int
    label: str
    team_id: int | None


async def operator_choices(db: AsyncSession, roles: tuple[Role, ...] = (Role.OPERATOR, Role.SUPERVISOR),
                           also: Collection[int] = ()) -> list[Operator]:
    """Active users of ``roles`` (by default operators and supervisors, those who take calls) by name, with their
    teams: whom work may go to; ``also`` keeps users already chosen listed whatever their role now."""
    chosen = User.role.in_(roles) if not also else or_(User.role.in_(roles), User.id.in_(set(also)))
    rows = await db.execute(
        select(User.id, User.login, User.full_name, User.team_id)
        .where(User.is_active.is_(True), chosen)
        .order_by(User.full_name, User.login)
        .limit(MAX_OWNERS)
    )
    return [Operator(id=uid, label=f"{full_name} ({login})" if full_name else login, team_id=team_id)
            for uid, login, full_name, team_id in rows]


async def teams_of(db: AsyncSession, user_ids: list[int]) -> dict[int, int | None]:
    """Each user's team now (None for none), active or not."""
    if not user_ids:
        return {}
    return {uid: team for uid, team in await db.execute(select(User.id, User.team_id).where(User.id.in_(set(user_ids))))}
