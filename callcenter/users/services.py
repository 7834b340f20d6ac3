"""Creating, changing, listing users (the command line and the API share these).

Only ``users:write`` (admins) creates or changes users; ``users:read`` lists them. A new password or a
deactivation revokes the user's web sessions in the same commit. Admins cannot change their own role or
deactivate themselves, so the last admin cannot lock everyone out by accident.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.passwords import hash_password, password_error
from callcenter.auth.principal import Permission, Principal
from callcenter.auth.services import revoke_user_sessions
from callcenter.db.folding import folded
from callcenter.errors import NotFound, ValidationFailed
from callcenter.models import Team, User
from callcenter.models.enums import Role
from callcenter.names import like_fragment
from callcenter.references import Checks, ensure_unique
from callcenter.rows import fetch_page, plain, where_equal
from callcenter.users.schemas import UserFilter, UserPatch

PUBLIC_FIELDS = (
    "id", "login", "full_name", "role", "team_id", "extension", "agent_interface", "locale", "is_active",
    "created_at", "updated_at",
)


def user_dict(user: User) -> dict[str, Any]:
    """A user as the API shows it; an allow-list, so the password hash can never slip out."""
    return {name: plain(getattr(user, name)) for name in PUBLIC_FIELDS}


def _extension_error(extension: str | None) -> str | None:
    if extension is not None and not (extension.isdigit() and 2 <= len(extension) <= 10):
        return "must be 2-10 digits"
    return None


async def _extension_taken(db: AsyncSession, extension: str | None, exclude_id: int | None = None) -> None:
    message = f"Extension {extension} belongs to another user."
    await ensure_unique(db, User.extension, extension or None, exclude_id, "extension", message)


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
    locale: str | None = None,
    ip: str | None = None,
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
    reason = _extension_error(extension)
    if reason:
        errors["extension"] = reason
    if team_id is not None and await db.get(Team, team_id) is None:
        errors["team_id"] = f"no team with id {team_id}"
    if errors:
        raise ValidationFailed(errors)
    await ensure_unique(db, User.login, login, None, "login", f"A user with login {login!r} exists.")
    await _extension_taken(db, extension)
    user = User(
        login=login,
        password_hash=await hash_password(password),
        full_name=full_name,
        role=role,
        extension=extension,
        agent_interface=agent_interface or (f"PJSIP/{extension}" if extension else None),
        team_id=team_id,
        locale=locale,
    )
    db.add(user)
    await db.flush()
    audit.record(db, principal, "create", "user", user.id, {"login": login, "role": role.value}, ip)
    await db.commit()
    return user


async def _load(db: AsyncSession, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


async def get_user(db: AsyncSession, principal: Principal, user_id: int) -> dict[str, Any]:
    principal.require(Permission.USERS_READ)
    return user_dict(await _load(db, user_id))


async def list_users(
    db: AsyncSession, principal: Principal, flt: UserFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    principal.require(Permission.USERS_READ)
    query = select(User)
    if flt.q:
        pattern = like_fragment(flt.q)
        query = query.where(
            or_(folded(User.login).like(pattern, escape="\\"), folded(User.full_name).like(pattern, escape="\\"))
        )
    query = where_equal(query, ((User.role, flt.role), (User.team_id, flt.team_id)))
    if flt.active is not None:
        query = query.where(User.is_active.is_(flt.active))
    rows, total = await fetch_page(db, query, (User.login, User.id), limit=limit, offset=offset)
    return [user_dict(u) for u in rows], total


async def update_user(
    db: AsyncSession, principal: Principal, user_id: int, patch: UserPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.USERS_WRITE)
    user = await _load(db, user_id)
    given = patch.model_fields_set
    checks = Checks(db, principal)
    checks.not_null(patch, ("full_name", "role", "is_active", "password"))
    if "team_id" in given:
        await checks.team(patch.team_id)
    if patch.password is not None and (reason := password_error(patch.password)):
        checks.fail("password", reason)
    if user.id == principal.user_id:
        if patch.role is not None and patch.role != user.role:
            checks.fail("role", "you cannot change your own role")
        if patch.is_active is False:
            checks.fail("is_active", "you cannot deactivate yourself")
    checks.done()
    if "extension" in given and patch.extension != user.extension:
        await _extension_taken(db, patch.extension, user.id)
        if "agent_interface" not in given and user.agent_interface == f"PJSIP/{user.extension}":
            user.agent_interface = f"PJSIP/{patch.extension}" if patch.extension else None
    for name in given - {"password"}:
        setattr(user, name, getattr(patch, name))
    changes: dict[str, Any] = audit.changed_fields(user)
    log_out = patch.is_active is False
    if patch.password is not None:
        user.password_hash = await hash_password(patch.password)
        changes["password"] = "changed"
        log_out = True
    if log_out:
        await revoke_user_sessions(db, user.id)
    audit.record(db, principal, "update", "user", user.id, changes, ip)
    await db.commit()
    return user_dict(user)
