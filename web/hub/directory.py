"""Who is behind a device interface, cached: the hub asks for every ringing event, at pop speed.

The hub handles events one at a time, so a lookup it waits for holds up every event behind it. An answer
is kept for ``ttl`` seconds; one asked for in the last quarter of its life is looked up again in the
background, so an operator who takes calls is never looked up on the hub's path again, and the interface
of a socket that connects is looked up before its first call. A changed extension is still seen within
``ttl`` seconds: no answer older than that is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.matching import find_operator
from callcenter.db.session import lookup
from callcenter.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Operator:
    user_id: int
    login: str


class Directory:
    """``interface → operator`` with a time-to-live, so a changed extension is seen within ``ttl`` seconds."""

    def __init__(self, engine: AsyncEngine, ttl: float = 60.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._by_interface: dict[str, tuple[float, Operator | None]] = {}
        self._refreshing: dict[str, asyncio.Task[Operator | None]] = {}
        self.closed = False
        self.logins: dict[int, str] = {}

    def cached(self, interface: str) -> tuple[bool, Operator | None]:
        """``(known, operator)`` without touching the database."""
        found = self._by_interface.get(interface)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return False, None
        return True, found[1]

    async def operator(self, interface: str) -> Operator | None:
        found = self._by_interface.get(interface)
        if found is not None:
            age = time.monotonic() - found[0]
            if age <= self.ttl:
                if age > 0.75 * self.ttl:
                    self.warm(interface)
                return found[1]
        return await self._find(interface)

    def warm(self, interface: str) -> None:
        """Look ``interface`` up in the background (once at a time), so the hub finds the answer cached."""
        if interface in self._refreshing or self.closed:
            return
        task = asyncio.get_running_loop().create_task(self._find(interface), name="directory-refresh")
        self._refreshing[interface] = task

        def done(finished: asyncio.Task[Operator | None]) -> None:
            self._refreshing.pop(interface, None)
            if not finished.cancelled() and finished.exception() is not None:
                log.warning("could not look up the operator behind %s: %s", interface, finished.exception())

        task.add_done_callback(done)

    async def close(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Let lookups in flight finish (a query cut off mid-way leaves its connection behind), then stop."""
        self.closed = True
        tasks = list(self._refreshing.values())
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=timeout)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _find(self, interface: str) -> Operator | None:
        async def find(db: AsyncSession) -> Operator | None:
            user_id = await find_operator(db, interface)
            if user_id is None:
                return None
            login = await db.scalar(select(User.login).where(User.id == user_id))
            return Operator(user_id, str(login))

        operator = await lookup(self.engine, find)
        self._by_interface[interface] = (time.monotonic(), operator)
        if operator is not None:
            self.logins[operator.user_id] = operator.login
        return operator

    def remember(self, user_id: int, login: str) -> None:
        self.logins[user_id] = login
