"""Signing in and out, the start page, and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callcenter.auth import services
from callcenter.errors import NotAuthenticated, TooManyAttempts
from web.api.session import set_session_cookie, start_session
from web.auth import SESSION_COOKIE, same_origin
from web.hub.http import recheck_sockets
from web.i18n import LANG_COOKIE, LANGUAGES
from web.pages.context import HOME, Page, page, safe_next


@page(public=True)
async def root(pg: Page) -> Response:
    return pg.redirect(HOME if pg.auth is not None else "/login")


# The login form has no session to take a token from; a browser that says the form came from
# another site is refused instead, so no one can sign a visitor into a different account.
@page(public=True, csrf=False)
async def login(pg: Page) -> Response:
    """The sign-in form; a good password opens a session and goes on to ``next``."""
    if pg.form is not None and same_origin(pg.request) is False:
        return await pg.error(403, "csrf")
    next_url = safe_next(pg.value("next", 2000) if pg.form is not None else pg.request.query_params.get("next"))
    if pg.form is None:
        if pg.auth is not None:
            return pg.redirect(next_url)
        return await pg.render("login.html", next=next_url, login="", error=None)
    login_name = pg.value("login", 200)
    password = pg.form.get("password")
    password = password if isinstance(password, str) else ""
    if not login_name or not password:
        return await pg.render("login.html", status=422, next=next_url, login=login_name, error=pg.t("login.required"))
    if len(login_name) > 100 or len(password) > 200:
        return await pg.render("login.html", status=401, next=next_url, login=login_name, error=pg.t("login.wrong"))
    call = pg.call()
    try:
        _, cookie = await start_session(call, login_name, password)
    except NotAuthenticated:
        return await pg.render("login.html", status=401, next=next_url, login=login_name, error=pg.t("login.wrong"))
    except TooManyAttempts as exc:
        wait = exc.retry_after
        said = (pg.t("login.throttled_seconds", seconds=wait) if wait < 60
                else pg.t("login.throttled", minutes=(wait + 59) // 60))
        response = await pg.render("login.html", status=429, next=next_url, login=login_name, error=said)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    response = pg.redirect(next_url)
    set_session_cookie(response, call, cookie)
    return response


@page()
async def logout(pg: Page) -> Response:
    """Revoke the session on the server and drop the cookie."""
    cookie = pg.request.cookies.get(SESSION_COOKIE)
    if cookie:
        await services.revoke_session(pg.db, cookie, key=pg.settings.resolved_secret_key)
        recheck_sockets(pg.request.app)
    response = pg.redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def switch_language(request: Request) -> Response:
    """Remember the chosen language in a cookie and go back to the page it was chosen on."""
    code = request.path_params["code"]
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, httponly=True, samesite="lax", path="/")
    return response
