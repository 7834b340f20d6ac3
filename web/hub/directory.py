"""Who is behind a device interface, cached: the hub asks for every ringing event, at pop speed."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.matching import find_operator
from callcenter.db.session import lookup
from callcenter.models import User


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
        self.logins: dict[int, str] = {}

    def cached(self, interface: str) -> tuple[bool, Operator | None]:
        """``(known, operator)`` without touching the database."""
        found = self._by_interface.get(interface)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return False, None
        return True, found[1]

    async def operator(self, interface: str) -> Operator | None:
        known, operator = self.cached(interface)
        if known:
            return operator

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
