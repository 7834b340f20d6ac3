"""Rendering pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response


async def render_error(request: Request, status: int) -> Response:
    return HTMLResponse(f"<h1>{status}</h1>", status_code=status)
