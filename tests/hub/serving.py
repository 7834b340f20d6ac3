"""The app under a real uvicorn on a free port, in the test's own event loop, and browser-like sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import PASSWORD
from tests.demo_process import free_port


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """``http://127.0.0.1:<port>`` while uvicorn serves ``app`` (lifespan, services and all)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    async with served_by(config) as url:
        yield url


@contextlib.asynccontextmanager
async def served_by(config: uvicorn.Config) -> AsyncIterator[str]:
    """The URL while uvicorn serves as ``config`` says, in the test's own event loop."""
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # the test runner owns signals
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                assert not task.done(), task.exception()
                await asyncio.sleep(0.02)
        yield f"http://{config.host}:{config.port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)


async def session_cookie(url: str, login: str, password: str = PASSWORD) -> str:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/api/session", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        return f"cc_session={response.cookies['cc_session']}"


@contextlib.asynccontextmanager
async def socket_of(url: str, login: str, *, query: str = "", **kwargs: Any) -> AsyncIterator[ClientConnection]:
    """A socket opened as the pages open it: with the session cookie, from the site's own origin."""
    cookie = await session_cookie(url, login)
    ws_url = url.replace("http://", "ws://") + "/ws" + (f"?{query}" if query else "")
    async with connect(ws_url, additional_headers={"Cookie": cookie, "Origin": url}, **kwargs) as ws:
        yield ws


async def next_of(ws: ClientConnection, kind: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:  # noqa: ASYNC109
    """The next message of type ``kind`` (skipping others) whose top-level fields equal ``match``."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
                return message
