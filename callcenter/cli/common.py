"""Helpers shared by the sub-commands."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import click

from callcenter.errors import DomainError
from callcenter.settings import Settings, get_settings

T = TypeVar("T")


def settings() -> Settings:
    s = get_settings()
    logging.basicConfig(level=s.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return s


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine; domain errors become a one-line message and exit status 1."""
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except DomainError as exc:
        details = "".join(f"\n  {k}: {v}" for k, v in getattr(exc, "fields", {}).items())
        raise click.ClickException(exc.message + details) from None
