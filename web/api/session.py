"""Logging in and out over the API; the cookie holds an opaque id, the state stays on the server."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.responses import Response

from callcenter.auth import services
from callcenter.settings import Settings
from web.api.routing import ApiRouter, Call
from web.auth import SESSION_COOKIE, same_origin
from web.hub.http import recheck_sockets
from web.responses import Json, error

router = ApiRouter("session")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


def set_session_cookie(response: Response, call: Call, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=call.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=call.settings.cookie_secure,
        path="/",
    )


def login_rules(settings: Settings) -> services.LoginRules:
    return services.LoginRules(window_seconds=settings.login_window_seconds,
                               max_delay_seconds=settings.login_max_delay_seconds,
                               max_failures_per_address=settings.login_max_failures_per_address)


async def start_session(call: Call, login: str, password: str) -> tuple[dict[str, Any], str]:
    """Check the password (throttled) and open a session; returns the user's summary and the cookie value."""
    user = await services.authenticate(
        call.db,
        login,
        password,
        ip=call.ip,
        rules=login_rules(call.settings),
    )
    new = await services.open_session(
        call.db,
        user,
        key=call.settings.resolved_secret_key,
        days=call.settings.session_days,
        ip=call.ip,
        user_agent=call.request.headers.get("user-agent"),
    )
    summary = {
        "id": user.id,
        "login": user.login,
        "full_name": user.full_name,
        "role": user.role.value,
        "csrf_token": new.csrf_token,
    }
    return summary, new.cookie_value


@router.post("/api/session", summary="Log in with login and password; sets the session cookie", body=LoginIn, public=True,
             responses={401: "wrong login or password", 429: "too many failed logins"})
async def login(call: Call) -> Response:
    if same_origin(call.request) is False:
        # Another site must not be able to log a visitor in to an account of its choosing.
        return error(403, "cross-site", "Cross-site login refused.")
    summary, cookie = await start_session(call, call.body.login, call.body.password)
    response = Json(summary)
    set_session_cookie(response, call, cookie)
    return response


@router.get("/api/session", summary="Who is logged in")
async def whoami(call: Call) -> dict[str, Any]:
    p = call.principal
    return {
        "id": p.user_id,
        "login": p.login,
        "role": p.role.value,
        "own_clients_only": p.own_clients_only,
        "csrf_token": call.auth.csrf_token if call.auth else None,
    }


@router.delete("/api/session", summary="Log out: the session is revoked on the server", status=204)
async def logout(call: Call) -> Response:
    cookie = call.request.cookies.get(SESSION_COOKIE)
    if cookie:
        await services.revoke_session(call.db, cookie, key=call.settings.resolved_secret_key)
        recheck_sockets(call.request.app)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
