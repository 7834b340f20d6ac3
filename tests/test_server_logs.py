"""The server's log never shows an API token, though clients send one in the socket's URL."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import connect

from callcenter.auth.tokens import create_token
from callcenter.cli.log_redaction import SERVER_LOGGERS
from callcenter.cli.server import server_config
from callcenter.models.enums import Role
from callcenter.settings import Settings
from tests.conftest import MakeUser
from tests.demo_process import free_port
from tests.hub.serving import next_of, served_by
from web.app import create_app


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_tokens_in_urls_are_redacted_in_the_server_log(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    anna = await make_user(Role.OPERATOR)
    token = await create_token(db, anna, key=settings.resolved_secret_key, name="softphone")
    port = free_port()
    config = server_config(create_app(settings, engine=db_engine), settings.model_copy(update={"log_level": "INFO"}),
                           "127.0.0.1", port)
    assert config.ws_max_size == settings.ws_max_message_bytes
    lines = Lines()
    for name in SERVER_LOGGERS:
        logging.getLogger(name).addHandler(lines)
    try:
        async with served_by(config) as url:
            async with connect(f"{url.replace('http', 'ws', 1)}/ws?live=0&token={token}") as ws:
                await next_of(ws, "hello")
            async with httpx.AsyncClient(base_url=url) as http:
                await http.get("/api/session", params={"token": token, "x": "1"})
    finally:
        for name in SERVER_LOGGERS:
            logging.getLogger(name).removeHandler(lines)
    logged = "\n".join(lines.lines)
    assert '"WebSocket /ws?live=0&token=[redacted]" [accepted]' in logged
    assert "/api/session?token=[redacted]&x=1" in logged
    assert token not in logged and token[3:] not in logged
