"""Server-rendered pages for operators, supervisors and managers."""

from __future__ import annotations

from starlette.routing import BaseRoute


def page_routes() -> list[BaseRoute]:
    return []
