"""One browser socket: its user, its bounded outgoing queue and the task that writes it out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.websockets import WebSocket

from callcenter.auth.principal import Principal

log = logging.getLogger(__name__)

CLOSE_BEHIND = 4008  # the socket fell further behind than its queue allows
CLOSE_FORBIDDEN = 4403


class Socket:
    """Messages are queued without waiting; a socket whose queue is full is closed, not waited for."""

    def __init__(self, websocket: WebSocket, principal: Principal, *, maxsize: int, live: bool = False) -> None:
        self.websocket = websocket
        self.principal = principal
        self.live = live
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self.behind = asyncio.Event()
        self.sent = 0

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    def send(self, message: dict[str, Any]) -> bool:
        """Queue ``message``; False (and the socket marked for closing) when it has fallen behind."""
        if self.behind.is_set():
            return False
        try:
            self.queue.put_nowait(json.dumps(message, ensure_ascii=False, separators=(",", ":")))
        except asyncio.QueueFull:
            log.warning("socket of %s is %d messages behind; closing it", self.principal.login, self.queue.maxsize)
            self.behind.set()
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
