"""What every page handler gets (the request, a database session, who is signed in, the language),
and the wrapper that turns a handler into a route: sign-in redirect, permission, CSRF, error pages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from callcenter.auth.principal import Permission, Principal
from callcenter.errors import DomainError, NotFound
from callcenter.ids import MAX_ID
from callcenter.models import User
from callcenter.settings import Settings
from web.api.routing import Call
from web.auth import Authenticated, authenticate, cross_site_blocked
from web.i18n import Translator
from web.pages.rendering import ERROR_KEYS, here, render, render_error, request_language

log = logging.getLogger(__name__)

HOME = "/clients"
# Uploads (imports) are the largest forms; anything bigger is refused before it is read.
MAX_FORM_BYTES = 25 * 1024 * 1024

PageHandler = Callable[["Page"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything pointing elsewhere falls back to the client list."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return HOME
    return target


@dataclass(slots=True)
class Page:
    request: Request
    db: AsyncSession
    settings: Settings
    auth: Authenticated | None
    lang: str
    user_name: str = ""
    form: FormData | None = None
    t: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.t = Translator(self.lang)

    @property
    def principal(self) -> Principal:
        assert self.auth is not None, "public pages have no principal"
        return self.auth.principal

    def call(self) -> Call:
        """The API's view of this request, for the session helpers shared with the API."""
        return Call(request=self.request, db=self.db, settings=self.settings, auth=self.auth)

    def path_id(self, name: str) -> int:
        """An id from the path; one beyond any database key is simply not found."""
        value = int(self.request.path_params[name])
        if value > MAX_ID:
            raise NotFound("record", value)
        return value

    @property
    def ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def value(self, name: str, limit: int = 20000) -> str:
        """A form field as stripped text ('' when absent or a file)."""
        raw = self.form.get(name) if self.form is not None else None
        return raw.strip()[:limit] if isinstance(raw, str) else ""

    def values(self, name: str, limit: int = 1000) -> list[str]:
        if self.form is None:
            return []
        return [v.strip()[:limit] for v in self.form.getlist(name) if isinstance(v, str)]

    def upload(self, name: str) -> UploadFile | None:
        raw = self.form.get(name) if self.form is not None else None
        return raw if isinstance(raw, UploadFile) and raw.filename else None

    def layout(self) -> dict[str, Any]:
        """What the layout shows about the signed-in user: name, role, and which links to offer."""
        if self.auth is None:
            return {}
        p = self.auth.principal
        return {
            "user": {"login": p.login, "name": self.user_name or p.login, "role": p.role.value},
            "csrf_token": self.auth.csrf_token or "",
            "can": {
                "write": p.can(Permission.CLIENTS_WRITE),
                "import": p.can(Permission.IMPORT),
                "export": p.can(Permission.EXPORT),
                "calls": p.can(Permission.WORK_READ),
                "live": p.can(Permission.USERS_READ),
                "campaigns": p.can(Permission.CAMPAIGNS_READ),
                "scorecard": p.can(Permission.CATALOGUE_WRITE),
                "segments": p.can(Permission.CAMPAIGNS_READ),
                # The desk and click-to-call: taking calls and logging their results is writing work.
                "desk": p.can(Permission.WORK_WRITE),
                "choose_owner": not p.own_clients_only,
            },
        }

    async def render(self, template: str, status: int = 200, **context: Any) -> Response:
        return await render(self.request, template, {**self.layout(), **context}, lang=self.lang, status=status)

    async def error(self, status: int, key: str | None = None) -> Response:
        error_key = key or ERROR_KEYS.get(status, "other")
        return await self.render("error.html", status=status, code=status, error_key=error_key)

    @staticmethod
    def redirect(url: str) -> Response:
        return RedirectResponse(url, status_code=303)


def page(
    *, permission: Permission | None = None, public: bool = False, csrf: bool = True
) -> Callable[[PageHandler], Endpoint]:
    """Wrap a handler: unauthenticated visitors go to the login page, others need ``permission``;
    POST forms need the session's CSRF token (unless ``csrf`` is off); domain errors become error pages."""

    def wrap(handler: PageHandler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                return await _run(request, handler, permission, public, csrf)
            except (OperationalError, OSError) as exc:
                log.warning("database unavailable on %s: %s", request.url.path, exc)
                return await render_error(request, 503)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    log.exception("database error on %s", request.url.path)
                    return await render_error(request, 500)
                return await render_error(request, 503)
            except Exception:
                log.exception("page %s failed", request.url.path)
                return await render_error(request, 500)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


async def _run(
    request: Request, handler: PageHandler, permission: Permission | None, public: bool, csrf: bool
) -> Response:
    settings: Settings = request.app.state.settings
    async with request.app.state.sessionmaker() as db:
        auth = await authenticate(request, db, settings)
        if auth is None and not public:
            return Page.redirect("/login?" + urlencode({"next": here(request)}))
        # The session check has just loaded this user, so this is answered from the session's identity map.
        user = await db.get(User, auth.principal.user_id) if auth is not None else None
        lang = request_language(request, auth.locale if auth else None)
        # Plain values only: a rollback later in the request would expire ORM attributes.
        pg = Page(request, db, settings, auth, lang, user.full_name if user is not None else "")
        if auth is not None and permission is not None and not auth.principal.can(permission):
            return await pg.error(403)
        if request.method == "POST":
            length = _declared_length(request)
            # Browsers always declare a form's length; without one the body could be of any size,
            # and the server (h11) never delivers more than was declared.
            if length is None:
                return await pg.error(411)
            if length > MAX_FORM_BYTES:
                return await pg.error(413)
            pg.form = await request.form()
            token = pg.value("csrf_token", 200) or None
            if csrf and auth is not None and cross_site_blocked(request, "POST", auth, token):
                return await pg.error(403, "csrf")
        try:
            return await handler(pg)
        except DomainError as exc:
            await db.rollback()
            return await pg.error(exc.status)
        finally:
            if pg.form is not None:
                await pg.form.close()
