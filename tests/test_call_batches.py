"""Calls logged many to a transaction: the same rows as one at a time, replays and bad calls sorted out alone."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter import wire
from callcenter.calls import logger as logger_module
from callcenter.calls.events import CallEnded, CallSummary, Transfer
from callcenter.calls.failures import database_away
from callcenter.calls.logger import CallLogger
from callcenter.calls.services import record_call, record_calls
from callcenter.db.engine import create_sessionmaker
from callcenter.models import AuditEntry, Call, CallTransfer, Interaction, Task, UnloggedCall, User
from callcenter.models.enums import CallOutcome, Direction, Role, TaskStatus
from tests.conftest import MakeUser
from tests.test_calls import MOBILE, OTHER_MOBILE, T0, add_client, agent, one_call, summary

__all__ = ["agent"]  # the fixture, imported for the tests below


def missed(linkedid: str, minutes: int, **kw: Any) -> CallSummary:
    values: dict[str, Any] = {"outcome": CallOutcome.ABANDONED, "offered_to": (), **kw}
    return summary(linkedid, started_at=T0 + timedelta(minutes=minutes), **values)


async def count(db: AsyncSession, model: Any, *where: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_batch_is_logged_as_its_calls_would_be_one_by_one(
    db: AsyncSession, agent: User, make_user: MakeUser
) -> None:
    owner = await make_user(Role.MANAGER)
    dialler = await make_user(Role.OPERATOR, extension="102")
    colleague = await make_user(Role.OPERATOR, agent_interface="PJSIP/agent2")
    acme = await add_client(db, "Acme", "89131234567", MOBILE, owner=owner)
    batch = [
        missed("m1", 0),
        summary("a1", started_at=T0 + timedelta(minutes=1)),
        missed("m2", 2, outcome=CallOutcome.BUSY),
        missed("u1", 3, caller="8 916 111-22-33"),
        missed("u2", 4, caller="+7 916 111 22 33"),
        summary("o1", direction=Direction.OUTBOUND, caller="102", callee="89131234567", queue=None,
                offered_to=("PJSIP/102",), answered_by=None, answered_at=None, talk_seconds=None,
                outcome=CallOutcome.FAILED),
        summary("t1", outcome=CallOutcome.TRANSFERRED, answered_by="PJSIP/agent2",
                transfers=(Transfer("PJSIP/agent1", "PJSIP/agent2", T0 + timedelta(seconds=30)),)),
    ]
    recorded = await record_calls(db, batch, region="RU")
    assert [r.created for r in recorded] == [True] * len(batch)
    by_id = dict(zip([s.linkedid for s in batch], recorded, strict=True))
    # One client's misses share one callback, the owner's; an unknown number's share another, nobody's.
    assert by_id["m1"].task_id == by_id["m2"].task_id is not None
    assert by_id["u1"].task_id == by_id["u2"].task_id is not None and by_id["u1"].task_id != by_id["m1"].task_id
    assert by_id["a1"].task_id is None and by_id["o1"].task_id is None
    client_task = await db.get(Task, by_id["m1"].task_id)
    unknown_task = await db.get(Task, by_id["u1"].task_id)
    assert client_task is not None and unknown_task is not None
    assert (client_task.owner_id, client_task.client_id, client_task.status) == (owner.id, acme.id, TaskStatus.OPEN)
    assert client_task.description.count("Missed call") == 2 and "busy" in client_task.description
    assert unknown_task.client_id is None and unknown_task.owner_id is None and OTHER_MOBILE in unknown_task.title
    assert unknown_task.description.count("Missed call") == 2
    # Operators, clients and transfers resolved as for a single call.
    call, interaction = await one_call(db, "a1")
    assert (call.operator_id, interaction.client_id, interaction.user_id) == (agent.id, acme.id, agent.id)
    call, interaction = await one_call(db, "o1")
    assert (call.operator_id, interaction.user_id, interaction.client_id) == (None, dialler.id, acme.id)
    call, _ = await one_call(db, "t1")
    moved = list(await db.scalars(select(CallTransfer).where(CallTransfer.call_id == call.id)))
    assert call.operator_id == colleague.id
    assert [(t.from_user_id, t.to_user_id) for t in moved] == [(agent.id, colleague.id)]
    assert await count(db, Call) == len(batch) == await count(db, Interaction)
    assert await count(db, AuditEntry, AuditEntry.entity == "call") == len(batch)
    assert await count(db, AuditEntry, AuditEntry.entity == "task") == 4  # two created, two extended


async def test_a_batch_holding_a_call_already_logged_is_sorted_out_call_by_call(db: AsyncSession, agent: User) -> None:
    await add_client(db, "Acme", "89131234567", MOBILE)
    first = await record_call(db, missed("old", 0), region="RU")
    again = [missed("new", 1), missed("old", 0), replace(missed("new", 1), talk_seconds=7), missed("newer", 2)]
    recorded = await record_calls(db, again, region="RU")
    assert [r.created for r in recorded] == [True, False, False, True]
    assert recorded[1].call_id == first.call_id and recorded[2].call_id == recorded[0].call_id
    assert recorded[0].task_id == recorded[3].task_id == first.task_id  # the client's one callback
    assert await count(db, Call) == 3 and await count(db, Task) == 1
    task = await db.get(Task, first.task_id)
    assert task is not None and task.description.count("Missed call") == 3


async def test_the_logger_writes_a_burst_in_a_few_transactions(db_engine: AsyncEngine, agent: User) -> None:
    logger = CallLogger(create_sessionmaker(db_engine), "RU", linger=0.05)
    for n in range(60):
        await logger(CallEnded(missed(f"b{n}", n, caller=f"+7916{n:07d}")))
    await logger.close()
    assert logger.logged == 60 and logger.batches <= 3
    async with create_sessionmaker(db_engine)() as db:
        assert await count(db, Call) == 60 and await count(db, Task) == 60


async def test_the_logger_gives_up_the_bad_call_of_a_batch_alone(
    db_engine: AsyncEngine, agent: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = logger_module.record_calls

    async def refusing(db: AsyncSession, summaries: list[CallSummary], **kw: Any) -> Any:
        if any(s.linkedid == "bad" for s in summaries):
            raise DataError("INSERT", {}, ValueError("value out of range"))
        return await real(db, summaries, **kw)

    monkeypatch.setattr(logger_module, "record_calls", refusing)
    logger = CallLogger(create_sessionmaker(db_engine), "RU", linger=0.05, retry_initial=0.01)
    with caplog.at_level(logging.ERROR, logger="callcenter.calls.logger"):
        for n, linkedid in enumerate(["g1", "g2", "bad", "g3"]):
            await logger(CallEnded(missed(linkedid, n, caller=f"+7916{n:07d}")))
        await logger.close()
    assert logger.logged == 3 and logger.retries == 0 and logger.given_up == 1
    assert "call bad could not be logged" in caplog.text
    async with create_sessionmaker(db_engine)() as db:
        assert sorted(await db.scalars(select(Call.linkedid))) == ["g1", "g2", "g3"]
        [kept] = list(await db.scalars(select(UnloggedCall)))
        assert kept.linkedid == "bad" and "value out of range" in kept.reason
        assert wire.decode(kept.summary) == CallEnded(missed("bad", 2, caller="+79160000002"))  # can be replayed
        await db.execute(delete(UnloggedCall))
        await db.commit()


async def test_a_failure_of_any_other_kind_is_not_waited_out(db_engine: AsyncEngine, agent: User,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    real = logger_module.record_calls

    async def buggy(db: AsyncSession, summaries: list[CallSummary], **kw: Any) -> Any:
        if any(s.linkedid == "odd" for s in summaries):
            raise KeyError("something no retry will mend")
        return await real(db, summaries, **kw)

    monkeypatch.setattr(logger_module, "record_calls", buggy)
    logger = CallLogger(create_sessionmaker(db_engine), "RU", linger=0.05, retry_initial=0.01)
    for n, linkedid in enumerate(["odd", "after1", "after2"]):
        await logger(CallEnded(missed(linkedid, n, caller=f"+7916{n:07d}")))
    await logger.close(timeout=5)
    assert (logger.logged, logger.given_up, logger.retries) == (2, 1, 0)
    async with create_sessionmaker(db_engine)() as db:
        assert sorted(await db.scalars(select(Call.linkedid))) == ["after1", "after2"]
        assert list(await db.scalars(select(UnloggedCall.linkedid))) == ["odd"]
        await db.execute(delete(UnloggedCall))
        await db.commit()


async def test_control_characters_from_the_pbx_never_stop_logging(db_engine: AsyncEngine, agent: User) -> None:
    logger = CallLogger(create_sessionmaker(db_engine), "RU", linger=0.05, retry_initial=0.01, retry_max=0.05)
    await logger(CallEnded(missed("nul", 0, caller="+7916\x001234567", queue="sa\x00les\x07")))
    for n in range(1, 4):
        await logger(CallEnded(missed(f"next{n}", n, caller=f"+7916{n:07d}")))
    await logger.close(timeout=5)
    assert (logger.logged, logger.retries, logger.given_up) == (4, 0, 0)
    async with create_sessionmaker(db_engine)() as db:
        call = await db.scalar(select(Call).where(Call.linkedid == "nul"))
        assert call is not None and (call.caller, call.queue) == ("+79161234567", "sales")
        assert await count(db, Call) == 4


def test_only_a_database_that_is_away_is_waited_for() -> None:
    from sqlalchemy.exc import OperationalError

    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    assert database_away(OperationalError("connect", {}, ConnectionRefusedError("restarting")))
    assert database_away(DBAPIError("q", {}, PgError("57P01")))  # admin shutdown
    assert database_away(DBAPIError("q", {}, PgError("08006")))  # connection failure
    assert database_away(DBAPIError("q", {}, PgError("53300")))  # too many connections
    assert database_away(OperationalError("q", {}, sqlite3.OperationalError("database is locked")))
    assert database_away(TimeoutError())
    assert not database_away(DBAPIError("q", {}, PgError("22021")))  # invalid byte sequence: NUL
    assert not database_away(DataError("q", {}, PgError("22003")))
    assert not database_away(KeyError("x"))


async def test_the_logger_retries_a_batch_while_the_database_is_away(db_engine: AsyncEngine, agent: User) -> None:
    from sqlalchemy.exc import OperationalError

    sessions = create_sessionmaker(db_engine)
    failures = iter([True, True])

    def flaky() -> Any:
        if next(failures, False):
            raise OperationalError("connect", {}, ConnectionRefusedError("database restarting"))
        return sessions()

    logger = CallLogger(flaky, "RU", linger=0.05, retry_initial=0.01)  # type: ignore[arg-type]
    for n in range(5):
        await logger(CallEnded(missed(f"r{n}", n)))
    await asyncio.sleep(0)
    await logger.close()
    assert logger.logged == 5 and logger.retries == 2 and logger.batches == 1
    async with sessions() as db:
        assert await count(db, Call) == 5 and await count(db, Task) == 1
