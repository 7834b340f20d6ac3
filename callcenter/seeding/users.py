"""The demo team: an admin, a manager, a supervisor and five operators with extensions 101-105.

The manager (201) and the supervisor (200) have phones too, to listen in on calls from the live view; only
operators are queue members on the demo's PBX.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import SYSTEM
from callcenter.db.session import unit_of_work
from callcenter.models import Team, User
from callcenter.models.enums import Role
from callcenter.users.services import create_user

DEMO_PASSWORD = "demo-password"

SALES_TEAM = "Отдел продаж"
SERVICE_TEAM = "Клиентский сервис"


@dataclass(frozen=True, slots=True)
class DemoUser:
    login: str
    role: Role
    full_name: str
    extension: str | None = None
    team: str | None = None


DEMO_USER_SPECS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMIN, "Администратор"),
    DemoUser("manager", Role.MANAGER, "Ольга Руководова", "201", SALES_TEAM),
    DemoUser("supervisor", Role.SUPERVISOR, "Игорь Контролёв", "200", SERVICE_TEAM),
    DemoUser("operator1", Role.OPERATOR, "Анна Смирнова", "101", SALES_TEAM),
    DemoUser("operator2", Role.OPERATOR, "Дмитрий Козлов", "102", SALES_TEAM),
    DemoUser("operator3", Role.OPERATOR, "Екатерина Волкова", "103", SALES_TEAM),
    DemoUser("operator4", Role.OPERATOR, "Сергей Новиков", "104", SERVICE_TEAM),
    DemoUser("operator5", Role.OPERATOR, "Мария Фёдорова", "105", SERVICE_TEAM),
)
# (login, role) of every demo user, for printing.
DEMO_USERS: tuple[tuple[str, str], ...] = tuple((spec.login, spec.role.value) for spec in DEMO_USER_SPECS)


@dataclass(frozen=True, slots=True)
class DemoTeam:
    """Ids of the demo users after they are ensured, and the logins created on this run."""

    operator_ids: tuple[int, ...]
    extensions: dict[int, str]
    creator_ids: tuple[int, ...]
    created: tuple[str, ...]


async def ensure_demo_users(engine: AsyncEngine) -> DemoTeam:
    """Create whichever demo users and teams are missing (through the audited user service)."""
    created: list[str] = []
    async with unit_of_work(engine) as db:
        teams: dict[str, int] = {}
        for name in (SALES_TEAM, SERVICE_TEAM):
            team = await db.scalar(select(Team).where(Team.name == name))
            if team is None:
                team = Team(name=name)
                db.add(team)
                await db.flush()
            teams[name] = team.id
        await db.commit()
        users: dict[str, User] = {}
        for spec in DEMO_USER_SPECS:
            found = await db.scalar(select(User).where(User.login == spec.login))
            if found is None:
                taken = spec.extension and await db.scalar(select(User.id).where(User.extension == spec.extension))
                found = await create_user(
                    db, SYSTEM, login=spec.login, password=DEMO_PASSWORD, role=spec.role, full_name=spec.full_name,
                    extension=None if taken else spec.extension, team_id=teams[spec.team] if spec.team else None,
                )
                created.append(spec.login)
            users[spec.login] = found
    operators = [users[s.login] for s in DEMO_USER_SPECS if s.role is Role.OPERATOR]
    return DemoTeam(
        operator_ids=tuple(u.id for u in operators),
        extensions={u.id: u.extension for u in operators if u.extension},
        creator_ids=(users["manager"].id, users["supervisor"].id),
        created=tuple(created),
    )
