"""One browser socket: its user, how it logged in, its bounded outgoing queue and the task that writes it out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.websockets import WebSocket

from callcenter.auth.principal import Principal

log = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009  # the browser sent a message over the size limit (the standard code)
CLOSE_LOGGED_OUT = 4401  # the session or token ended, or the user was deactivated: log in again
CLOSE_BEHIND = 4008  # the socket fell further behind than its queue allows
CLOSE_FORBIDDEN = 4403  # the live view, for a user whose role does not (or no longer) allow it
CLOSE_TOO_MANY = 4429  # the user has as many sockets open as they may


class Socket:
    """Messages are queued without waiting; a socket whose queue is full is closed, not waited for.

    ``session_id`` / ``token_id`` say how it authenticated, so the guard can check that they still hold.
    """

    def __init__(self, websocket: WebSocket, principal: Principal, *, maxsize: int, live: bool = False,
                 session_id: str | None = None, token_id: int | None = None) -> None:
        self.websocket = websocket
        self.principal = principal
        self.live = live
        self.session_id = session_id
        self.token_id = token_id
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self.ending = asyncio.Event()
        self.close_code = 1000
        self.close_reason = ""
        self.sent = 0

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    def end(self, code: int, reason: str) -> None:
        """Have the socket closed with ``code``; nothing more is queued on it from now."""
        if not self.ending.is_set():
            self.close_code, self.close_reason = code, reason
            self.ending.set()

    def send(self, message: dict[str, Any]) -> bool:
        """Queue ``message``; False when the socket is closing (it may just have fallen behind)."""
        if self.ending.is_set():
            return False
        try:
            self.queue.put_nowait(json.dumps(message, ensure_ascii=False, separators=(",", ":")))
        except asyncio.QueueFull:
            log.warning("socket of %s is %d messages behind; closing it", self.principal.login, self.queue.maxsize)
            self.end(CLOSE_BEHIND, "fell behind")
            return False
        return True

    async def pump(self) -> None:
        """Write queued messages out until cancelled or the socket fails."""
        while True:
            text = await self.queue.get()
            await self.websocket.send_text(text)
            self.sent += 1

    async def close(self, code: int, reason: str) -> None:
        # A stuck browser may never read its close frame either; give up on it after a moment.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(code, reason), timeout=10)
