"""``/ws``: who is connecting (session cookie, bearer token, or ``?token=``), then the socket's life."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.websockets import WebSocket, WebSocketDisconnect

from callcenter.auth.principal import Permission
from callcenter.models import User
from callcenter.rows import plain
from callcenter.settings import Settings
from web.auth import Authenticated, authenticate, same_origin, token_authenticated
from web.hub.hub import Hub
from web.hub.sockets import CLOSE_BEHIND, CLOSE_FORBIDDEN, CLOSE_TOO_BIG, CLOSE_TOO_MANY, Socket

log = logging.getLogger(__name__)


async def _authenticate(websocket: WebSocket, db: AsyncSession, settings: Settings) -> Authenticated | None:
    token = websocket.query_params.get("token")
    if token:
        return await token_authenticated(db, token, settings)
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


async def _read(websocket: WebSocket, socket: Socket, max_bytes: int) -> None:
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000), frame.get("reason"))
        data: str | bytes = frame.get("text") or frame.get("bytes") or ""
        # The server's own frame limit (uvicorn's ws_max_size) comes first where `serve` starts it; this
        # holds under any server, and the limit is far below it: the browser only ever sends pings.
        if len(data) > max_bytes or (isinstance(data, str) and len(data.encode()) > max_bytes):
            socket.end(CLOSE_TOO_BIG, "message too big")
            return
        try:
            message = json.loads(data)
        except ValueError:
            continue  # not JSON: ignored, as the protocol says
        if isinstance(message, dict) and message.get("type") == "ping":
            socket.send({"type": "pong"})


def recheck_sockets(app: Starlette) -> None:
    """After a logout or a change to users, tokens or the switches: this process's sockets are checked at once."""
    hub: Hub | None = getattr(app.state, "hub", None)
    if hub is not None:
        hub.guard.soon()


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
    if len(hub.sockets.get(user.id, ())) >= settings.ws_max_sockets_per_user:
        # The new one is refused rather than the oldest closed: two tabs over the limit would otherwise
        # take turns closing each other as each reconnects.
        await websocket.close(CLOSE_TOO_MANY, "too many sockets")
        return
    socket = Socket(websocket, auth.principal, maxsize=settings.ws_queue_size, live=live,
                    session_id=auth.session_id, token_id=auth.token_id)
    hub.attach(socket, _hello(user, settings, hub))
    tasks = [asyncio.create_task(socket.pump()),
             asyncio.create_task(_read(websocket, socket, settings.ws_max_message_bytes)),
             asyncio.create_task(socket.ending.wait())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if socket.ending.is_set():
            hub.detach(socket)  # nothing more is built for it while its close goes out
            if socket.close_code == CLOSE_BEHIND:
                hub.closed_behind += 1
            await socket.close(socket.close_code, socket.close_reason)
    finally:
        hub.detach(socket)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):  # the socket is gone
                await task
