"""Bearer tokens for integrations: created once, listed without their secret, revoked at will.

A token acts as its user, with that user's role. A password change does not touch tokens (an
integration should not break because a person changed their password); deactivating the user
stops all of them at once, and each can be revoked on its own.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.auth.services import digest
from callcenter.db.base import utcnow
from callcenter.errors import Forbidden, NotFound
from callcenter.models import ApiToken, User
from callcenter.rows import plain


async def create_token(db: AsyncSession, user: User, *, key: str, name: str = "") -> str:
    """A new bearer token for ``user``; shown once, stored only as a keyed digest."""
    token = "cc_" + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=digest(token, key), name=name[:100]))
    await db.commit()
    return token


async def token_user(db: AsyncSession, token: str, *, key: str) -> User | None:
    """The active user a live token belongs to, or None."""
    found = await live_token(db, token, key=key)
    return None if found is None else found[0]


async def live_token(db: AsyncSession, token: str, *, key: str) -> tuple[User, ApiToken] | None:
    """The active user a live token belongs to and the token's row, or None."""
    row = (
        await db.execute(
            select(User, ApiToken)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == digest(token, key), ApiToken.revoked_at.is_(None))
        )
    ).first()
    if row is None or not row[0].is_active:
        return None
    user, api_token = row
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5):
        api_token.last_used_at = now
        await db.commit()
    return user, api_token


def token_dict(token: ApiToken) -> dict[str, Any]:
    fields = ("id", "user_id", "name", "created_at", "last_used_at", "revoked_at")
    return {name: plain(getattr(token, name)) for name in fields}


async def list_tokens(db: AsyncSession, principal: Principal, user_id: int | None = None) -> list[dict[str, Any]]:
    """A principal's own tokens; admins may name another user."""
    owner = user_id if user_id is not None else principal.user_id
    if owner != principal.user_id:
        principal.require(Permission.USERS_WRITE)
    rows = await db.scalars(select(ApiToken).where(ApiToken.user_id == owner).order_by(ApiToken.id))
    return [token_dict(t) for t in rows]


async def revoke_token(db: AsyncSession, principal: Principal, token_id: int, ip: str | None = None) -> dict[str, Any]:
    """Stop a token from working; its row stays for the record."""
    token = await db.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token", token_id)
    if token.user_id != principal.user_id and not principal.can(Permission.USERS_WRITE):
        raise Forbidden("Only admins may revoke another user's tokens.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(db, principal, "revoke", "api_token", token.id, {"user_id": token.user_id}, ip)
        await db.commit()
    return token_dict(token)
