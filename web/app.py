"""The application factory: settings and database in, a Starlette app out."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from callcenter import __version__
from callcenter.bus import EventBus
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.fanout import fanout_running
from callcenter.settings import Settings, get_settings
from web import openapi
from web.api import (
    admin,
    analytics,
    audit,
    calls,
    campaign_board,
    campaigns,
    claims,
    clients,
    contacts,
    deals,
    desk,
    dispositions,
    dnc,
    dossier,
    hub_stats,
    interactions,
    live,
    metrics,
    relations,
    reviews,
    sales,
    segments,
    session,
    tasks,
    teams,
    tokens,
    transfer,
    users,
)
from web.api.routing import ApiRouter
from web.hub.http import websocket_endpoint
from web.hub.hub import Hub
from web.responses import Json, error

STATIC_DIR = Path(__file__).parent / "static"

API_ROUTERS: list[ApiRouter] = [
    session.router, clients.router, dossier.router,
    contacts.router, relations.router, interactions.router, tasks.router, deals.router, sales.router,
    claims.router, dispositions.router, users.router, teams.router, admin.router, audit.router,
    transfer.router, tokens.router, calls.router, hub_stats.router, desk.router, live.router, reviews.router,
    metrics.router, analytics.router, campaigns.router, dnc.router, segments.router,
    campaign_board.router,
]


def _api_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for router in API_ROUTERS:
        routes.extend(router.routes)
    return routes


async def _openapi(request: Request) -> Response:
    operations = [op for router in API_ROUTERS for op in router.operations]
    return Json(openapi.build(operations, title="Call-center CRM API", version=__version__))


async def _api_not_found(request: Request) -> Response:
    return error(404, "not-found", f"No API operation at {request.url.path}.")


# Something that runs beside the web app for as long as it serves (the telephony connector on the
# embedded default): given the app's engine and bus, an async context that starts it and stops it.
Service = Callable[[AsyncEngine, EventBus], contextlib.AbstractAsyncContextManager[object]]


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None, *,
               services: Sequence[Service] = ()) -> Starlette:
    """Build the app; an ``engine`` passed in stays the caller's to dispose of.

    ``services`` start, in order, before the first request is served and stop, in reverse, after the
    last; one that fails to start stops the app from starting, with its reason.
    """
    settings = settings or get_settings()
    owns_engine = engine is None
    engine = engine or create_engine(settings.resolved_database_url)
    bus = EventBus()
    hub = Hub(engine, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with contextlib.AsyncExitStack() as stack:
                if settings.broker_url:
                    app.state.fanout = await stack.enter_async_context(
                        fanout_running(bus, settings.broker_url, channel=settings.broker_channel))
                hub.start(bus)
                stack.push_async_callback(hub.close)
                for service in services:
                    await stack.enter_async_context(service(engine, bus))
                yield
        finally:
            await bus.close()
            if owns_engine:
                await engine.dispose()

    from web.pages import page_routes

    routes: list[BaseRoute] = [
        Route("/api/openapi.json", _openapi, methods=["GET"]),
        *_api_routes(),
        Route("/api/{rest:path}", _api_not_found, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
        WebSocketRoute("/ws", websocket_endpoint),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        *page_routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=_exception_handlers())
    app.state.settings = settings
    app.state.engine = engine
    app.state.bus = bus
    app.state.hub = hub
    app.state.fanout = None
    # Whether a desk command published here reaches a process holding the AMI connection: this one runs
    # telephony as a service, or a broker carries the command to the one that does.
    app.state.commands_reach_pbx = bool(services) or bool(settings.broker_url)
    app.state.sessionmaker = create_sessionmaker(engine)
    return app


def _exception_handlers() -> dict[Any, Any]:
    async def http_error(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        if request.url.path.startswith("/api/"):
            return error(status, "http-error", str(getattr(exc, "detail", "")))
        from web.pages.rendering import render_error

        return await render_error(request, status)

    from starlette.exceptions import HTTPException

    return {HTTPException: http_error}
