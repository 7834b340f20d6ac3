"""Logins cannot lock a user out or exhaust the server: delays per login and address, a budget per address,
old failures dropped, password checks a few at a time and without holding a database connection."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth import passwords, services
from callcenter.auth.services import LoginRules
from callcenter.db.base import utcnow
from callcenter.errors import NotAuthenticated, TooManyAttempts
from callcenter.models import LoginFailure
from callcenter.models.enums import Role
from tests.conftest import PASSWORD, MakeUser


@pytest.fixture
async def elsewhere(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at another address than ``http``'s."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def attempt(http: httpx.AsyncClient, login: str, password: str = "wrong-password") -> httpx.Response:
    return await http.post("/api/session", json={"login": login, "password": password})


async def earlier(db: AsyncSession, seconds: float) -> None:
    """Move every remembered try back in time, as if the client had waited."""
    for row in await db.scalars(select(LoginFailure)):
        row.at -= timedelta(seconds=seconds)
    await db.commit()


async def test_a_stranger_cannot_lock_the_admin_out(http: httpx.AsyncClient, elsewhere: httpx.AsyncClient,
                                                    make_user: MakeUser, db: AsyncSession) -> None:
    admin = await make_user(Role.ADMIN)
    for _ in range(12):  # guessing the admin's password from one address, waiting out every delay
        await attempt(elsewhere, admin.login)
        await earlier(db, 600)
    assert (await attempt(elsewhere, admin.login)).status_code == 401
    assert (await attempt(elsewhere, admin.login, PASSWORD)).status_code == 429
    assert (await attempt(http, admin.login, PASSWORD)).status_code == 200  # the admin, from their own address


async def test_the_delay_doubles_with_each_failure_up_to_the_cap(http: httpx.AsyncClient, make_user: MakeUser,
                                                                db: AsyncSession) -> None:
    user = await make_user()
    waits = []
    for _ in range(4):
        assert (await attempt(http, user.login)).status_code == 401
        refused = await attempt(http, user.login, PASSWORD)
        assert refused.status_code == 429
        waits.append(refused.json()["retry_after"])
        await earlier(db, waits[-1])
    assert waits == [1, 2, 4, 8]
    assert (await attempt(http, user.login, PASSWORD)).status_code == 200
    assert await db.scalar(select(func.count()).select_from(LoginFailure)) == 0  # success clears the pair
    rules = LoginRules(max_delay_seconds=300)
    assert [rules.delay(n) for n in (0, 1, 9, 10, 40)] == [0, 1, 256, 300, 300]


async def test_one_address_guessing_many_logins_runs_out_of_budget(
        app: Any, http: httpx.AsyncClient, elsewhere: httpx.AsyncClient, make_user: MakeUser) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_max_failures_per_address": 3})
    users = [await make_user() for _ in range(5)]
    codes = [(await attempt(http, u.login)).status_code for u in users]
    assert codes == [401, 401, 401, 429, 429]
    refused = await attempt(http, "never-seen")
    assert refused.status_code == 429 and refused.json()["retry_after"] > 3000
    assert (await attempt(elsewhere, users[4].login, PASSWORD)).status_code == 200


async def test_unknown_logins_are_throttled_the_same_way(http: httpx.AsyncClient) -> None:
    assert (await attempt(http, "nobody-here")).status_code == 401
    assert (await attempt(http, "nobody-here")).status_code == 429


async def test_failures_older_than_the_window_are_dropped(http: httpx.AsyncClient, make_user: MakeUser,
                                                         db: AsyncSession) -> None:
    user = await make_user()
    db.add_all([LoginFailure(login=f"old{i}", ip="198.51.100.1", at=utcnow() - timedelta(days=2)) for i in range(3)])
    await db.commit()
    assert (await attempt(http, user.login)).status_code == 401
    left = (await db.scalars(select(LoginFailure.login))).all()
    assert left == [user.login]


async def test_passwords_are_checked_a_few_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow_verify(stored_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return False

    class Slow:
        verify = staticmethod(slow_verify)

    monkeypatch.setattr(passwords, "_hasher", Slow())
    loop_ticks = 0

    async def ticking() -> None:
        nonlocal loop_ticks
        while True:
            await asyncio.sleep(0.01)
            loop_ticks += 1

    ticker = asyncio.create_task(ticking())
    results = await asyncio.gather(*(passwords.verify_password(passwords.DUMMY_HASH, "x") for _ in range(12)))
    ticker.cancel()
    assert results == [False] * 12
    assert most <= passwords.HASH_THREADS
    assert loop_ticks >= 10  # the loop went on while they ran


async def test_no_connection_is_held_while_the_password_is_checked(
        db: AsyncSession, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch) -> None:
    user = await make_user()
    seen: list[bool] = []

    async def verify(stored_hash: str, password: str) -> bool:
        seen.append(db.in_transaction())
        return False

    monkeypatch.setattr(services, "verify_password", verify)
    with pytest.raises(NotAuthenticated):
        await services.authenticate(db, user.login, "wrong-password", ip="192.0.2.1", rules=LoginRules())
    with pytest.raises(TooManyAttempts):
        await services.authenticate(db, user.login, "wrong-password", ip="192.0.2.1", rules=LoginRules())
    assert seen == [False]
