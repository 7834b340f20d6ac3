"""Who is behind a device interface: the hub asks for every call event, at pop speed.

The hub handles events one at a time, so a lookup it waits for holds up every event behind it. The
directory keeps every user who has an interface or an extension in memory (a call centre's users are a
few thousand rows at most) and answers from there. The list is read again in the background once it is
three quarters of ``ttl`` old, and a socket that connects starts that read if there is no list yet, so
the hub only waits for the database when the list is older than ``ttl`` (the database was away). A
changed extension is seen within ``ttl`` seconds.

It used to look interfaces up one by one, each answer with a time to live of its own: with a thousand
operators that was twenty queries a second per web process, as much of its CPU as the pops themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.matching import OperatorIndex
from callcenter.db.session import lookup
from callcenter.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Operator:
    user_id: int
    login: str


Row = tuple[int, str, str | None, str | None]  # id, login, agent_interface, extension


class Directory:
    """``interface → operator`` from a list of users read at most ``ttl`` seconds ago."""

    def __init__(self, engine: AsyncEngine, ttl: float = 60.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self.logins: dict[int, str] = {}
        self.closed = False
        self.loads = 0
        self._index = OperatorIndex(())
        self._loaded_at: float | None = None
        self._loading: asyncio.Task[None] | None = None

    def _age(self) -> float:
        return float("inf") if self._loaded_at is None else time.monotonic() - self._loaded_at

    def _answer(self, interface: str) -> Operator | None:
        user_id = self._index.pick(interface)
        return None if user_id is None else Operator(user_id, self.logins.get(user_id, ""))

    def cached(self, interface: str) -> tuple[bool, Operator | None]:
        """``(known, operator)`` without touching the database: known is False when the list is too old."""
        if self._age() > self.ttl:
            return False, None
        return True, self._answer(interface)

    async def operator(self, interface: str) -> Operator | None:
        """The operator behind ``interface``, from the list; waits for the database only when it is too old."""
        age = self._age()
        if age > self.ttl:
            await asyncio.shield(self._reload())
        elif age > 0.75 * self.ttl:
            self.warm()
        return self._answer(interface)

    def warm(self) -> None:
        """Read the list again in the background (once at a time)."""
        if not self.closed:
            self._reload()

    def _reload(self) -> asyncio.Task[None]:
        if self._loading is None or self._loading.done():
            self._loading = asyncio.get_running_loop().create_task(self._load(), name="directory-load")
            self._loading.add_done_callback(_log_failure)
        return self._loading

    async def _load(self) -> None:
        rows = await lookup(self.engine, _fetch)
        self._index = OperatorIndex((user_id, interface, extension) for user_id, _, interface, extension in rows)
        self.logins.update({user_id: login for user_id, login, _, _ in rows})
        self._loaded_at = time.monotonic()
        self.loads += 1

    async def close(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Let a read in flight finish (a query cut off mid-way leaves its connection behind), then stop."""
        self.closed = True
        task = self._loading
        if task is not None and not task.done():
            _, stuck = await asyncio.wait([task], timeout=timeout)
            for late in stuck:
                late.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def remember(self, user_id: int, login: str) -> None:
        self.logins[user_id] = login


async def _fetch(db: AsyncSession) -> list[Row]:
    rows = await db.execute(
        select(User.id, User.login, User.agent_interface, User.extension)
        .where(or_(User.agent_interface.is_not(None), User.extension.is_not(None)))
        .order_by(User.is_active.desc(), User.id)
    )
    return [(int(user_id), str(login), interface, extension) for user_id, login, interface, extension in rows]


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not read the operators' interfaces: %s", task.exception())
