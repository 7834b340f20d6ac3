"""Logging in: throttled password checks, server-side sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
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


@dataclass(frozen=True, slots=True)
class LoginRules:
    """How failed logins slow further tries (see ``authenticate``)."""

    window_seconds: int = 3600
    max_delay_seconds: int = 300
    max_failures_per_address: int = 100

    def delay(self, failures: int) -> float:
        """Seconds to wait after the last of ``failures`` failed tries of one login from one address."""
        return 0.0 if failures <= 0 else float(min(self.max_delay_seconds, 2 ** min(failures - 1, 30)))


def _from(ip: str | None) -> ColumnElement[bool]:
    return LoginFailure.ip.is_(None) if ip is None else LoginFailure.ip == ip


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


async def authenticate(db: AsyncSession, login: str, password: str, *, ip: str | None, rules: LoginRules) -> User:
    """The active user with this login and password, checked only when the throttle lets the try through.

    Two limits, neither of which lets a stranger lock a user out: each failure makes the next try of the
    same login *from the same address* wait longer (1 s, 2 s, 4 s ... up to ``max_delay_seconds``), and one
    address may fail at most ``max_failures_per_address`` times in the window over all logins. A refused try
    raises :class:`TooManyAttempts` with the seconds to wait, before any password is checked.

    The try is written down and committed before it is judged, so parallel tries see each other: a try
    passes only when no newer try of the pair is known and the pair's previous one is old enough, and the
    last of the passing tries to commit sees every other, so no burst gets more through than spaced tries
    would. Refused tries remove their row again, so hammering does not count as failing. The connection
    is given back before the password is checked: a flood of logins waiting for the hashing threads does
    not hold the pool that every other request needs.
    """
    now = utcnow()
    since = now - timedelta(seconds=rules.window_seconds)
    login = login[:100]
    ip = ip[:64] if ip is not None else None
    attempt = LoginFailure(login=login, ip=ip, at=now)
    db.add(attempt)
    # Forgotten failures are dropped as new ones are written; the index on `at` finds none most of the time.
    await db.execute(delete(LoginFailure).where(LoginFailure.at < since))
    await db.commit()
    pair = (await db.execute(
        select(LoginFailure.id, LoginFailure.at)
        .where(LoginFailure.login == login, _from(ip), LoginFailure.at >= since)
        .order_by(LoginFailure.at, LoginFailure.id)
    )).all()
    from_address, oldest = (await db.execute(
        select(func.count(), func.min(LoginFailure.at)).where(_from(ip), LoginFailure.at >= since)
    )).one()
    mine = next((i for i, row in enumerate(pair) if row.id == attempt.id), len(pair))
    wait: int | None = None
    if from_address > rules.max_failures_per_address:
        wait = _seconds_until((oldest or now) + timedelta(seconds=rules.window_seconds), now)
    elif mine < len(pair) - 1:
        wait = 1  # a newer try of the same pair is already in flight
    elif mine > 0 and now < (ready := pair[mine - 1].at + timedelta(seconds=rules.delay(mine))):
        wait = _seconds_until(ready, now)
    if wait is not None:
        await db.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
        await db.commit()
        raise TooManyAttempts(wait)
    user = await db.scalar(select(User).where(User.login == login))
    await db.commit()  # ends the read: no connection is held while the password is checked
    ok = await verify_password(user.password_hash if user else DUMMY_HASH, password)
    if not ok or user is None or not user.is_active:
        raise NotAuthenticated("Wrong login or password.")
    await db.execute(delete(LoginFailure).where(LoginFailure.login == login, _from(ip)))
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
