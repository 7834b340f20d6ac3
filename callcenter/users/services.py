"""Creating and changing users (the command line and the API share these)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.passwords import hash_password, password_error
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import Conflict, ValidationFailed
from callcenter.models import Team, User
from callcenter.models.enums import Role


async def create_user(
    db: AsyncSession,
    principal: Principal,
    *,
    login: str,
    password: str,
    role: Role,
    full_name: str = "",
    extension: str | None = None,
    agent_interface: str | None = None,
    team_id: int | None = None,
) -> User:
    """A new active user; the agent interface defaults to ``PJSIP/<extension>``."""
    principal.require(Permission.USERS_WRITE)
    errors: dict[str, str] = {}
    login = login.strip()
    if not login or len(login) > 100 or any(ch.isspace() for ch in login):
        errors["login"] = "must be 1-100 characters without spaces"
    reason = password_error(password)
    if reason:
        errors["password"] = reason
    if extension is not None and not (extension.isdigit() and 2 <= len(extension) <= 10):
        errors["extension"] = "must be 2-10 digits"
    if team_id is not None and await db.get(Team, team_id) is None:
        errors["team_id"] = f"no team with id {team_id}"
    if errors:
        raise ValidationFailed(errors)
    if await db.scalar(select(User.id).where(User.login == login)) is not None:
        raise Conflict(f"A user with login {login!r} exists.", details={"fields": {"login": "already taken"}})
    if extension and await db.scalar(select(User.id).where(User.extension == extension)) is not None:
        raise Conflict(f"Extension {extension} belongs to another user.", details={"fields": {"extension": "already taken"}})
    user = User(
        login=login,
        password_hash=await hash_password(password),
        full_name=full_name,
        role=role,
        extension=extension,
        agent_interface=agent_interface or (f"PJSIP/{extension}" if extension else None),
        team_id=team_id,
    )
    db.add(user)
    await db.flush()
    audit.record(db, principal, "create", "user", user.id, {"login": login, "role": role.value})
    await db.commit()
    return user
