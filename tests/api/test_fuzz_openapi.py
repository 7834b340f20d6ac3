"""The API fuzzed from its own OpenAPI document: whatever schemathesis sends, no answer is a 5xx.

Runs in-process against the ASGI app on each test backend (PostgreSQL is where NUL bytes and integer
overflows used to surface), as an admin with a bearer token, over a small seeded base. Hypothesis is
derandomized and bounded, so a run is the same every time and takes a minute or two. Hypothesis drives
each operation from a worker thread; every request is sent on the test's own event loop, where the
app's database connections live.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.tokens import create_token
from callcenter.calls.services import record_call
from callcenter.models import Client, Deal, FunnelStage, Interaction, Phone, Task
from callcenter.models.enums import ClientKind, InteractionKind, Role, TaskKind
from callcenter.settings import Settings
from tests.conftest import MakeUser
from tests.test_calls import T0, summary

EXAMPLES = 12
# Revoking tokens or deleting users could take the fuzzer's own token away halfway.
SKIPPED = {("DELETE", "/api/tokens/{token_id}"), ("DELETE", "/api/users/{user_id}")}


def _reproduction(exc: BaseException) -> str:
    notes = list(getattr(exc, "__notes__", []))
    for inner in getattr(exc, "exceptions", ()):
        notes += getattr(inner, "__notes__", [])
    return "\n".join(notes)[:2000] or str(exc)[:2000]


async def _seed(db: AsyncSession) -> None:
    """A little of everything, so that small ids name rows and handlers go past the lookup."""
    client = Client(kind=ClientKind.COMPANY, name="Ромашка", name_search="ромашка", name_key="ромашка")
    db.add(client)
    await db.flush()
    db.add(Phone(client_id=client.id, raw="+7 913 123 45 67", e164="+79131234567"))
    db.add(Interaction(kind=InteractionKind.NOTE, client_id=client.id, occurred_at=T0))
    db.add(Task(kind=TaskKind.CALLBACK, title="Перезвонить", client_id=client.id, due_at=T0 + timedelta(days=1)))
    stage = await db.scalar(FunnelStage.__table__.select().limit(1))
    if stage is not None:
        db.add(Deal(client_id=client.id, title="Поставка", stage_id=stage.id))
    await db.commit()
    await record_call(db, summary("1714557600.1"), region="RU")


@pytest.fixture
async def admin_token(db: AsyncSession, make_user: MakeUser, settings: Settings) -> str:
    admin = await make_user(Role.ADMIN, login="admin", extension="101", agent_interface="PJSIP/agent1")
    await _seed(db)
    return await create_token(db, admin, key=settings.resolved_secret_key, name="fuzz")


async def test_no_input_gets_a_server_error(app: Any, http: httpx.AsyncClient, admin_token: str) -> None:
    # Desk commands go onto the in-process bus, where nobody carries them out, rather than answer 503.
    app.state.commands_reach_pbx = True
    raw = (await http.get("/api/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(raw)
    loop = asyncio.get_running_loop()
    headers = {"Authorization": f"Bearer {admin_token}"}

    async def send(kwargs: dict[str, Any]) -> httpx.Response:
        body = kwargs.get("json")
        content = kwargs.get("data")
        return await http.request(
            kwargs["method"], kwargs["url"], params=kwargs.get("params"),
            headers={**(kwargs.get("headers") or {}), **headers},
            **({"json": body} if "json" in kwargs else {"content": content} if content is not None else {}),
        )

    failures: list[str] = []

    def fuzz() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue

            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def one(case: Any) -> None:
                kwargs = case.as_transport_kwargs(base_url="http://testserver")
                response = asyncio.run_coroutine_threadsafe(send(kwargs), loop).result()
                case.validate_response(response, checks=[not_a_server_error])

            try:
                one()
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not only the first
                failures.append(f"{operation.method.upper()} {operation.path}: {exc!r}\n{_reproduction(exc)}")

    await asyncio.to_thread(fuzz)
    assert not failures, "\n\n".join(failures)
