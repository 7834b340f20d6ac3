"""``/ws``: who is connecting (session cookie, bearer token, or ``?token=``), then the socket's life."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocket, WebSocketDisconnect

from callcenter.auth import services, tokens
from callcenter.auth.principal import Permission
from callcenter.models import User
from callcenter.rows import plain
from callcenter.settings import Settings
from web.auth import Authenticated, authenticate, same_origin
from web.hub.hub import Hub
from web.hub.sockets import CLOSE_BEHIND, CLOSE_FORBIDDEN, Socket

log = logging.getLogger(__name__)


async def _authenticate(websocket: WebSocket, db: AsyncSession, settings: Settings) -> Authenticated | None:
    token = websocket.query_params.get("token")
    if token:
        user = await tokens.token_user(db, token, key=settings.resolved_secret_key)
        if user is None:
            return None
        principal = await services.principal_for(db, user, settings.operators_own_clients_only)
        return Authenticated(principal, via_cookie=False, csrf_token=None, locale=user.locale)
    return await authenticate(websocket, db, settings)


def _hello(user: User, settings: Settings, hub: Hub) -> dict[str, object]:
    interface = user.agent_interface or (f"PJSIP/{user.extension}" if user.extension else None)
    return {
        "type": "hello",
        "user": {"id": user.id, "login": user.login, "full_name": user.full_name, "role": user.role.value,
                 "extension": user.extension, "interface": interface},
        "result_window_seconds": settings.result_window_seconds,
        "server_time": plain(hub.clock()),
    }


async def _read(websocket: WebSocket, socket: Socket) -> None:
    while True:
        try:
            message = await websocket.receive_json()
        except (ValueError, KeyError):
            continue  # not JSON: ignored, as the protocol says
        if isinstance(message, dict) and message.get("type") == "ping":
            socket.send({"type": "pong"})


async def websocket_endpoint(websocket: WebSocket) -> None:
    """One browser socket, from the handshake to its close."""
    app = websocket.app
    settings: Settings = app.state.settings
    hub: Hub = app.state.hub
    async with app.state.sessionmaker() as db:
        auth = await _authenticate(websocket, db, settings)
        user = await db.get(User, auth.principal.user_id) if auth is not None else None
    # A page on another site must not open a socket with the visitor's cookie (cross-site hijacking).
    if auth is None or user is None or not user.is_active or (auth.via_cookie and same_origin(websocket) is False):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    live = websocket.query_params.get("live") in ("1", "true")
    if live and not auth.principal.can(Permission.USERS_READ):
        await websocket.close(CLOSE_FORBIDDEN, "the live view is for supervisors")
        return
    socket = Socket(websocket, auth.principal, maxsize=settings.ws_queue_size, live=live)
    hub.attach(socket, _hello(user, settings, hub))
    tasks = [asyncio.create_task(socket.pump()), asyncio.create_task(_read(websocket, socket)),
             asyncio.create_task(socket.behind.wait())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[2] in done:
            hub.closed_behind += 1
            await socket.close(CLOSE_BEHIND, "fell behind")
    finally:
        hub.detach(socket)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):  # the socket is gone
                await task
