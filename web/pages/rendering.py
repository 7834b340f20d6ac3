"""Rendering pages: one Jinja environment (autoescaped), the layout's common context, and error pages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response

from callcenter import __version__
from callcenter.phones import display as display_phone
from web.i18n import LANG_COOKIE, LANGUAGES, Translator, negotiate

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def _duration(seconds: int | None) -> str:
    """``125`` → ``2:05``; an hour or more → ``1:02:05``."""
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_env.filters["phone"] = display_phone
_env.filters["duration"] = _duration
_env.globals["version"] = __version__
_env.globals["languages"] = LANGUAGES

# Pages load only their own script and stylesheet: an injected inline script would not run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

# Status codes with their own wording; any other gets the generic one.
ERROR_KEYS = {400: "400", 403: "403", 404: "404", 405: "405", 413: "413", 429: "429", 500: "500", 503: "503"}


def request_language(conn: HTTPConnection, user_locale: str | None = None) -> str:
    return negotiate(
        cookie=conn.cookies.get(LANG_COOKIE),
        user_locale=user_locale,
        accept_language=conn.headers.get("accept-language"),
    )


def here(conn: HTTPConnection) -> str:
    """The current path with its query, for ``next=`` links."""
    query = conn.url.query
    return conn.url.path + (f"?{query}" if query else "")


def _render_sync(name: str, context: dict[str, Any]) -> str:
    return _env.get_template(name).render(context)


async def render(
    request: HTTPConnection, name: str, context: dict[str, Any], *, lang: str, status: int = 200
) -> Response:
    """Render ``name`` with the layout's context filled in; file reads and rendering run off the event loop."""
    full: dict[str, Any] = {
        "t": Translator(lang),
        "lang": lang,
        "here": here(request),
        "path": request.url.path,
        "user": None,
        "csrf_token": "",
        "can": {},
    }
    full.update(context)
    html = await asyncio.to_thread(_render_sync, name, full)
    response = HTMLResponse(html, status_code=status)
    # Pages show personal data: keep them out of shared caches and the back-forward cache after logout.
    response.headers["cache-control"] = "no-store"
    response.headers["x-frame-options"] = "DENY"
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["referrer-policy"] = "same-origin"
    response.headers["content-security-policy"] = CSP
    return response


async def render_error(request: Request, status: int, context: dict[str, Any] | None = None) -> Response:
    """A readable error page in the visitor's language (the layout without the signed-in parts)."""
    lang = request_language(request)
    key = ERROR_KEYS.get(status, "other")
    return await render(
        request, "error.html", {"code": status, "error_key": key, **(context or {})}, lang=lang, status=status
    )
