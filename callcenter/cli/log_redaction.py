"""Secrets kept out of the server's log: uvicorn writes each request's and socket's URL, query and all, and
a client that cannot set headers sends its API token as ``?token=`` (see docs/websocket.md)."""

from __future__ import annotations

import logging
import re

# The loggers uvicorn writes URLs to: the access log, and the WebSocket handshakes (on its error logger).
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")
_SECRET_IN_QUERY = re.compile(r"([?&](?:token|access_token)=)[^&\s\"#]*", re.IGNORECASE)
REDACTED = "[redacted]"


def redacted(text: str) -> str:
    """``text`` with the value of every ``token`` query parameter in it replaced."""
    return _SECRET_IN_QUERY.sub(r"\1" + REDACTED, text)


class TokenRedaction(logging.Filter):
    """Rewrites a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_server_logs() -> None:
    """Install the redaction on uvicorn's loggers (once; after uvicorn has configured its logging)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedaction) for f in logger.filters):
            logger.addFilter(TokenRedaction())
