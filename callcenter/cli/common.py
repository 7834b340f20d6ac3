"""Helpers shared by the sub-commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from callcenter.errors import DomainError
from callcenter.settings import Settings, get_settings

T = TypeVar("T")


def settings() -> Settings:
    s = get_settings()
    logging.basicConfig(level=s.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return s


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (it comes with uvicorn's extras), as uvicorn uses it."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(coro: Awaitable[T], *, fast_loop: bool = False) -> T:
    """Run a coroutine; domain errors become a one-line message and exit status 1.

    ``fast_loop`` runs it on uvloop when that is installed: for the long-running telephony process.
    """
    try:
        with asyncio.Runner(loop_factory=_loop_factory() if fast_loop else None) as runner:
            return runner.run(coro)  # type: ignore[arg-type]
    except DomainError as exc:
        details = "".join(f"\n  {k}: {v}" for k, v in getattr(exc, "fields", {}).items())
        raise click.ClickException(exc.message + details) from None
