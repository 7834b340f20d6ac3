"""Teams of users: ``users:read`` lists them, ``users:write`` creates, renames and deletes them.

Deleting a team leaves its members without a team; the users themselves stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import NotFound
from callcenter.models import Team, User
from callcenter.references import ensure_unique
from callcenter.rows import as_dict
from callcenter.users.schemas import CallbackPolicyIn, TeamIn


async def _load(db: AsyncSession, team_id: int) -> Team:
    team = await db.get(Team, team_id)
    if team is None:
        raise NotFound("team", team_id)
    return team


async def _name_taken(db: AsyncSession, name: str, exclude_id: int | None = None) -> None:
    await ensure_unique(db, Team.name, name, exclude_id, "name", f"A team named {name!r} exists.")


async def _team_dicts(db: AsyncSession, teams: list[Team]) -> list[dict[str, Any]]:
    counts: dict[int | None, int] = {}
    if teams:
        rows = await db.execute(
            select(User.team_id, func.count()).where(User.team_id.in_([t.id for t in teams])).group_by(User.team_id)
        )
        counts = {team_id: n for team_id, n in rows}
    return [{**as_dict(t), "members": counts.get(t.id, 0)} for t in teams]


async def list_teams(db: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    principal.require(Permission.USERS_READ)
    return await _team_dicts(db, list(await db.scalars(select(Team).order_by(Team.name, Team.id))))


async def get_team(db: AsyncSession, principal: Principal, team_id: int) -> dict[str, Any]:
    principal.require(Permission.USERS_READ)
    return (await _team_dicts(db, [await _load(db, team_id)]))[0]


async def create_team(db: AsyncSession, principal: Principal, data: TeamIn, ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.USERS_WRITE)
    await _name_taken(db, data.name)
    team = Team(name=data.name)
    db.add(team)
    await db.flush()
    audit.record(db, principal, "create", "team", team.id, {"name": data.name}, ip)
    await db.commit()
    return (await _team_dicts(db, [team]))[0]


async def rename_team(
    db: AsyncSession, principal: Principal, team_id: int, data: TeamIn, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.USERS_WRITE)
    team = await _load(db, team_id)
    await _name_taken(db, data.name, team.id)
    team.name = data.name
    audit.record(db, principal, "update", "team", team.id, audit.changed_fields(team), ip)
    await db.commit()
    return (await _team_dicts(db, [team]))[0]


async def set_callback_policy(db: AsyncSession, principal: Principal, team_id: int, data: CallbackPolicyIn,
                              ip: str | None = None) -> dict[str, Any]:
    """Set the lateness after which the team's overdue callbacks go to another of its operators (managers)."""
    principal.require(Permission.CATALOGUE_WRITE)
    team = await _load(db, team_id)
    team.callbacks_reassign_minutes = data.reassign_after_minutes
    audit.record(db, principal, "update", "team", team.id, audit.changed_fields(team), ip)
    await db.commit()
    return (await _team_dicts(db, [team]))[0]


async def delete_team(db: AsyncSession, principal: Principal, team_id: int, ip: str | None = None) -> None:
    principal.require(Permission.USERS_WRITE)
    team = await _load(db, team_id)
    audit.record(db, principal, "delete", "team", team.id, {"name": team.name}, ip)
    await db.delete(team)
    await db.commit()
