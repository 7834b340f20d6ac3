"""Who is behind a request: a session cookie or a bearer token; and the cross-site check for cookies."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from callcenter.auth import services, tokens
from callcenter.auth.principal import Principal
from callcenter.settings import Settings

SESSION_COOKIE = "cc_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Authenticated:
    principal: Principal
    via_cookie: bool
    csrf_token: str | None
    locale: str | None
    # How it was proven, so a long-lived connection can be checked again later (see web/hub/guard.py).
    session_id: str | None = None
    token_id: int | None = None


async def authenticate(conn: HTTPConnection, db: AsyncSession, settings: Settings) -> Authenticated | None:
    """The principal behind the request, or None when it carries no valid credentials."""
    header = conn.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await token_authenticated(db, header[7:].strip(), settings)
    cookie = conn.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = await services.session_user(db, cookie, key=settings.resolved_secret_key, days=settings.session_days)
    if found is None:
        return None
    user, session = found
    principal = await services.principal_for(db, user, settings.operators_own_clients_only)
    return Authenticated(principal, via_cookie=True, csrf_token=session.csrf_token, locale=user.locale,
                         session_id=session.id_hash)


async def token_authenticated(db: AsyncSession, token: str, settings: Settings) -> Authenticated | None:
    """The principal behind a bearer token, or None."""
    found = await tokens.live_token(db, token, key=settings.resolved_secret_key)
    if found is None:
        return None
    user, api_token = found
    principal = await services.principal_for(db, user, settings.operators_own_clients_only)
    return Authenticated(principal, via_cookie=False, csrf_token=None, locale=user.locale, token_id=api_token.id)


def same_origin(conn: HTTPConnection) -> bool | None:
    """True/False when the browser said where the request came from, None when it did not."""
    origin = conn.headers.get("origin") or conn.headers.get("referer")
    if not origin or origin == "null":
        return None
    parts = urlsplit(origin)
    host = conn.headers.get("host", "")
    return parts.netloc == host


def cross_site_blocked(conn: HTTPConnection, method: str, auth: Authenticated, form_token: str | None = None) -> bool:
    """Cookie-authenticated writes need a same-origin Origin/Referer or the session's CSRF token."""
    if method in SAFE_METHODS or not auth.via_cookie:
        return False
    token = conn.headers.get(CSRF_HEADER) or form_token
    if token and auth.csrf_token and hmac.compare_digest(token, auth.csrf_token):
        return False
    return same_origin(conn) is not True
