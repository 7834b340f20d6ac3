"""The calls going on, kept per PBX: what a restarted telephony process takes up, and what it leaves."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.calls.events import CallEnded, CallSummary
from callcenter.calls.journal import CallJournal
from callcenter.calls.services import record_call
from callcenter.db.engine import create_sessionmaker
from telephony.journal import restore_calls, save_changes
from telephony.tracker import CallTracker
from tests.telephony.test_tracker import load, replay
from tests.test_calls import summary


def state(linkedid: str) -> dict[str, object]:
    return {"call": {"linkedid": linkedid, "caller": "+7916\u00001234567"}, "channels": []}


async def test_each_pbx_takes_up_only_its_own_calls(db_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(db_engine)
    first, second = CallJournal(sessions, pbx="10.0.0.1:5038"), CallJournal(sessions, pbx="10.0.0.2:5038")
    await first.save({"a.1": state("a.1"), "a.2": state("a.2")})
    await second.save({"b.1": state("b.1")})
    await first.save({"a.2": None})  # ended
    assert await first.load() == ([state("a.1")], [])  # a NUL from the PBX survives the round trip
    assert await second.load() == ([state("b.1")], [])
    await first.forget(["a.1"])
    await second.forget(["b.1"])
    assert await first.load() == ([], []) and await second.load() == ([], [])


async def test_a_call_logged_before_it_was_forgotten_is_not_taken_up(db_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(db_engine)
    journal = CallJournal(sessions, pbx="pbx")
    await journal.save({"x.1": state("x.1"), "x.2": state("x.2")})
    async with sessions() as db:
        await record_call(db, summary("x.1"), region="RU")  # the process died between logging and forgetting
    assert await journal.load() == ([state("x.2")], [])
    await journal.forget(["x.2"])


async def test_a_call_that_ended_is_kept_until_it_is_logged(db_engine: AsyncEngine) -> None:
    """A crash after the call ended and before the logger wrote it: the next start logs it."""
    tracker = CallTracker()
    journal = CallJournal(create_sessionmaker(db_engine), pbx="pbx")
    lines = [line for line in load("a_queue_answered") if line.incoming]
    ended: dict[str, CallSummary] = {}
    events = replay(tracker, lines[:60])
    assert await save_changes(tracker, journal, ended)
    events = replay(tracker, lines[60:])
    [summary] = [e.summary for e in events if isinstance(e, CallEnded)]
    ended[summary.linkedid] = summary  # as the connector does when it publishes the end
    assert await save_changes(tracker, journal, ended) and ended == {}
    # the process dies here, before the logger wrote the call
    again = CallTracker()
    told = await restore_calls(again, journal)
    assert told == [CallEnded(summary)] and again.active_calls == ()
    await journal.forget([summary.linkedid])  # what the logger does once it is written
    assert await journal.load() == ([], [])


class Refusing:
    def __init__(self) -> None:
        self.calls = 0

    async def save(self, changes: object) -> None:
        self.calls += 1
        raise asyncio.CancelledError  # stopped in the middle of a save

    async def load(self) -> tuple[list[dict[str, object]], list[CallSummary]]:
        return [], []


async def test_a_save_cut_short_is_written_by_the_next() -> None:
    tracker = CallTracker()
    replay(tracker, [line for line in load("a_queue_answered") if line.incoming][:60])
    with pytest.raises(asyncio.CancelledError):
        await save_changes(tracker, Refusing(), {})  # type: ignore[arg-type]
    assert list(tracker.take_changes()) == ["1795413747.0"]
