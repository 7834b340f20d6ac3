"""The calls going on, kept per PBX: what a restarted telephony process takes up, and what it leaves."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.calls.journal import CallJournal
from callcenter.calls.services import record_call
from callcenter.db.engine import create_sessionmaker
from tests.test_calls import summary


def state(linkedid: str) -> dict[str, object]:
    return {"call": {"linkedid": linkedid, "caller": "+7916\u00001234567"}, "channels": []}


async def test_each_pbx_takes_up_only_its_own_calls(db_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(db_engine)
    first, second = CallJournal(sessions, pbx="10.0.0.1:5038"), CallJournal(sessions, pbx="10.0.0.2:5038")
    await first.save({"a.1": state("a.1"), "a.2": state("a.2")})
    await second.save({"b.1": state("b.1")})
    await first.save({"a.2": None})  # ended
    assert await first.load() == [state("a.1")]  # a NUL from the PBX survives the round trip
    assert await second.load() == [state("b.1")]
    await first.forget(["a.1"])
    await second.forget(["b.1"])
    assert await first.load() == [] and await second.load() == []


async def test_a_call_logged_before_it_was_forgotten_is_not_taken_up(db_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(db_engine)
    journal = CallJournal(sessions, pbx="pbx")
    await journal.save({"x.1": state("x.1"), "x.2": state("x.2")})
    async with sessions() as db:
        await record_call(db, summary("x.1"), region="RU")  # the process died between logging and forgetting
    assert await journal.load() == [state("x.2")]
    await journal.forget(["x.2"])
