"""Logging in: throttled password checks, server-side sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.passwords import DUMMY_HASH, verify_password
from callcenter.auth.principal import Principal
from callcenter.db.base import utcnow
from callcenter.errors import NotAuthenticated, TooManyAttempts
from callcenter.models import AppSetting, LoginFailure, User, WebSession
from callcenter.models.enums import Role

OWN_CLIENTS_ONLY = "operators_own_clients_only"


def digest(secret: str, key: str) -> str:
    """Stored form of a cookie or token: keyed with the secret key, so neither the raw value nor a
    leaked table alone can be turned into working credentials."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class NewSession:
    cookie_value: str
    csrf_token: str


async def operators_own_clients_only(db: AsyncSession, default: bool = False) -> bool:
    value = await db.scalar(select(AppSetting.value).where(AppSetting.key == OWN_CLIENTS_ONLY))
    return default if value is None else bool(value)


async def principal_for(db: AsyncSession, user: User, own_default: bool = False) -> Principal:
    restricted = user.role == Role.OPERATOR and await operators_own_clients_only(db, own_default)
    return Principal(
        user_id=user.id, login=user.login, role=user.role, team_id=user.team_id, own_clients_only=restricted
    )


async def authenticate(
    db: AsyncSession, login: str, password: str, *, ip: str | None, max_failures: int, window_seconds: int
) -> User:
    """The active user with this login and password; failures are counted and throttled per login.

    The attempt is written down before the password is checked and cleared only on success, so that
    parallel guesses see each other: at most ``max_failures`` of them reach the password check.
    """
    now = utcnow()
    since = now - timedelta(seconds=window_seconds)
    login = login[:100]
    attempt = LoginFailure(login=login, ip=ip, at=now)
    db.add(attempt)
    await db.commit()
    # Counting every attempt seen so far, this one included: whichever order parallel attempts commit
    # in, the n-th to commit sees at least n rows, so no more than max_failures get past this point.
    attempts = await db.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.login == login, LoginFailure.at >= since)
    )
    if attempts is not None and attempts > max_failures:
        oldest = await db.scalar(
            select(func.min(LoginFailure.at)).where(LoginFailure.login == login, LoginFailure.at >= since)
        )
        retry = int(((oldest or now) + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
        raise TooManyAttempts(max(retry, 1))
    user = await db.scalar(select(User).where(User.login == login))
    ok = await verify_password(user.password_hash if user else DUMMY_HASH, password)
    if not ok or user is None or not user.is_active:
        raise NotAuthenticated("Wrong login or password.")
    await db.execute(delete(LoginFailure).where(LoginFailure.login == login))
    return user


async def open_session(
    db: AsyncSession, user: User, *, key: str, days: int, ip: str | None, user_agent: str | None
) -> NewSession:
    cookie_value = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        WebSession(
            id_hash=digest(cookie_value, key),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=days),
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    await db.commit()
    return NewSession(cookie_value=cookie_value, csrf_token=csrf)


async def session_user(
    db: AsyncSession, cookie_value: str, *, key: str, days: int
) -> tuple[User, WebSession] | None:
    """The user behind a live session cookie; sliding expiry, refreshed at most once a minute."""
    now = utcnow()
    row = (
        await db.execute(
            select(User, WebSession)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.id_hash == digest(cookie_value, key))
        )
    ).first()
    if row is None:
        return None
    user, session = row
    if session.revoked_at is not None or session.expires_at <= now or not user.is_active:
        return None
    if now - session.last_seen_at > timedelta(minutes=1):
        session.last_seen_at = now
        session.expires_at = now + timedelta(days=days)
        await db.commit()
    return user, session


async def revoke_session(db: AsyncSession, cookie_value: str, *, key: str) -> None:
    await db.execute(
        update(WebSession).where(WebSession.id_hash == digest(cookie_value, key)).values(revoked_at=utcnow())
    )
    await db.commit()


async def revoke_user_sessions(db: AsyncSession, user_id: int) -> None:
    """Log a user out everywhere (on deactivation or password change)."""
    await db.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
