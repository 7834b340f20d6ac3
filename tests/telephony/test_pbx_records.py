"""True times after an outage from Asterisk's own record (CEL): recorded on Asterisk 22 for a call that ended
while the CRM's AMI connection was cut (trace x8, its CEL file and table in tests/fixtures/pbx-records)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.enums import CallOutcome, Direction
from telephony.ami.client import AmiClient
from telephony.connector import Connector
from telephony.pbx_records import CelCsvFile, CelTable, PbxRecords
from telephony.tracker import CallTracker
from telephony.tracker.pbx_record import CelEvent, with_true_times
from tests.fixtures import TRACES
from tests.telephony.fake_ami import FakeAmi, event_stream, parse, wait_for

RECORDS = TRACES.parent / "pbx-records"
LINKEDID = "1796680906.88"
START = 1796680904.0358737  # the trace's t = 0, in epoch seconds
CUT, BACK = 7.087, 15.135  # the CRM's own AMI connection was away in between
HUNG_UP = 9.762  # when agent1 hung up, three seconds after answering


def at(t: float) -> datetime:
    return datetime.fromtimestamp(START + t, UTC)


def closed_after_the_gap() -> CallSummary:
    """What the CRM makes of the call with what it saw: the answer, then nothing until the reconnect."""
    tracker = CallTracker()
    for line in (json.loads(raw) for raw in (TRACES / "x8_ami_gap_call_ends.jsonl").read_text().splitlines()):
        if line["dir"] == "in" and line["t"] < CUT and line["raw"].startswith("Event: "):
            tracker.feed(parse(line["raw"]), at(line["t"]))
    [ended] = [e for e in tracker.reconcile([], at(BACK)) if isinstance(e, CallEnded)]
    return ended.summary


def test_without_a_record_the_call_runs_to_the_reconnect_and_is_flagged() -> None:
    summary = closed_after_the_gap()
    assert summary.times_approximate and summary.ended_at == at(BACK)
    assert summary.hangup_cause is None  # not agent2's 26 from the losing ring: how it ended was not seen
    assert summary.talk_seconds is not None and summary.talk_seconds >= 8  # a 3 s call logged 8 s or more


async def test_the_cel_file_gives_the_true_end_and_talk() -> None:
    summary = closed_after_the_gap()
    events = await CelCsvFile(RECORDS / "x8_cel_custom.csv").events([LINKEDID])
    exact = with_true_times(summary, events)
    assert exact is not None and not exact.times_approximate
    assert abs((exact.ended_at - at(HUNG_UP)).total_seconds()) < 0.1
    assert exact.talk_seconds == 3 and exact.answered_by == "PJSIP/agent1" and exact.hangup_cause == 16
    assert exact.answered_at is not None and abs((exact.answered_at - summary.answered_at).total_seconds()) < 0.05  # type: ignore[operator]
    assert exact.started_at == datetime.fromtimestamp(1796680906.264113, UTC)


async def test_the_cel_table_gives_the_same(db_engine: AsyncEngine) -> None:
    rows = list(csv.DictReader((RECORDS / "x8_cel_pg.csv").read_text(encoding="utf-8").splitlines()))
    async with db_engine.begin() as conn:
        await conn.execute(text("CREATE TABLE pbx_cel (eventtype varchar(30), eventtime timestamp, "
                                "channame varchar(80), uniqueid varchar(150), linkedid varchar(150), extra varchar(512))"))
        await conn.execute(text("INSERT INTO pbx_cel VALUES (:eventtype, :eventtime, :channame, :uniqueid, :linkedid, "
                                ":extra)"),
                           [{k: (datetime.fromisoformat(v) if k == "eventtime" else v) for k, v in r.items()
                             if k in ("eventtype", "eventtime", "channame", "uniqueid", "linkedid", "extra")}
                            for r in rows])
    try:
        from_table = await CelTable(db_engine, "pbx_cel").events([LINKEDID, "someone-else"])
    finally:
        async with db_engine.begin() as conn:
            await conn.execute(text("DROP TABLE pbx_cel"))
    from_file = await CelCsvFile(RECORDS / "x8_cel_custom.csv").events([LINKEDID])
    assert sorted(from_table, key=lambda e: (e.at, e.kind)) == sorted(from_file, key=lambda e: (e.at, e.kind))


async def test_a_record_that_does_not_show_the_call_over_leaves_the_estimate(tmp_path: Path) -> None:
    summary = closed_after_the_gap()
    lines = (RECORDS / "x8_cel_custom.csv").read_text().splitlines()
    cut = tmp_path / "Master.csv"
    cut.write_text("\n".join(line for line in lines if "HANGUP" not in line and "LINKEDID_END" not in line
                             and "CHAN_END" not in line) + "\n")
    assert with_true_times(summary, await CelCsvFile(cut).events([LINKEDID])) is None


class Broken:
    async def events(self, linkedids: list[str]) -> list[object]:
        raise OSError("the CEL file is on a disk that went away")


@contextlib.asynccontextmanager
async def across_the_gap(records: PbxRecords, **kw: float) -> AsyncIterator[tuple[Connector, list[CallEnded]]]:
    """A connector whose AMI connection is cut while trace x8's call ends; the calls it hands on, as they come."""
    stream = event_stream("x8_ami_gap_call_ends")
    frames = [parse(raw.decode()) for raw in stream]
    answered = next(i for i, f in enumerate(frames) if f.get("Event") == "AgentConnect")
    gone = max(i for i, f in enumerate(frames) if f.get("Linkedid") == LINKEDID) + 1
    bus = EventBus()
    seen: list[CallEnded] = []

    async def keep(event: object) -> None:
        if isinstance(event, CallEnded):
            seen.append(event)

    bus.subscribe(keep, name="keep")
    async with FakeAmi(stream=stream, cuts=[(answered + 1, 3, gone)], wait_for_list=True) as ami:
        connector = Connector(AmiClient("127.0.0.1", ami.port, "crm", "s3cret", backoff_initial=0.001,
                                        backoff_max=0.01), bus, records=records, **kw)
        connector.start()
        try:
            yield connector, seen
        finally:
            await connector.close()
            await bus.drain(2)
            await bus.close()


@pytest.mark.parametrize("records", [CelCsvFile(RECORDS / "x8_cel_custom.csv"), Broken()])
async def test_the_connector_logs_the_true_times_of_a_call_that_ended_while_it_was_away(records: PbxRecords) -> None:
    async with across_the_gap(records) as (connector, seen):
        await wait_for(lambda: connector.reconciles >= 2 and bool(seen))
    [summary] = [e.summary for e in seen]
    if isinstance(records, Broken):
        assert summary.times_approximate  # an unreadable record holds nothing back
        return
    assert not summary.times_approximate and summary.talk_seconds == 3
    assert abs((summary.ended_at - at(HUNG_UP)).total_seconds()) < 0.1
    assert summary.ended_at - summary.started_at < timedelta(seconds=10)


class Hanging:
    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def events(self, linkedids: list[str]) -> list[object]:
        self.asked.set()
        await asyncio.sleep(60)
        return []


async def test_a_stop_while_the_record_is_read_still_hands_the_closed_calls_on() -> None:
    records = Hanging()
    async with across_the_gap(records, list_timeout=60) as (connector, seen):  # type: ignore[arg-type]
        await asyncio.wait_for(records.asked.wait(), 5)
        await connector.close()  # stopped in the middle of the read
    assert [e.summary.linkedid for e in seen] == [LINKEDID] and seen[0].summary.times_approximate


def closed_before_the_answer() -> CallSummary:
    """The gap opened while the call still rang: the answer, too, happened unseen."""
    tracker = CallTracker()
    answer = None
    for line in (json.loads(raw) for raw in (TRACES / "x8_ami_gap_call_ends.jsonl").read_text().splitlines()):
        if line["dir"] == "in" and "\r\nDialStatus: ANSWER" in line["raw"]:
            answer = line["t"]
            break
        if line["dir"] == "in" and line["raw"].startswith("Event: "):
            tracker.feed(parse(line["raw"]), at(line["t"]))
    assert answer is not None
    [ended] = [e for e in tracker.reconcile([], at(BACK)) if isinstance(e, CallEnded)]
    return ended.summary


async def test_an_answer_missed_with_the_end_is_found_in_the_record() -> None:
    summary = closed_before_the_answer()
    assert summary.outcome is not CallOutcome.ANSWERED and summary.answered_by is None  # all the CRM knew
    exact = with_true_times(summary, await CelCsvFile(RECORDS / "x8_cel_custom.csv").events([LINKEDID]))
    assert exact is not None
    assert (exact.outcome, exact.answered_by, exact.talk_seconds) == (CallOutcome.ANSWERED, "PJSIP/agent1", 3)


def test_an_outbound_call_is_answered_when_the_client_answers_not_when_an_operator_joins() -> None:
    t0 = at(0)
    summary = CallSummary(
        linkedid="9.1", direction=Direction.OUTBOUND, caller="2001", callee="79130000000", queue=None,
        offered_to=("PJSIP/agent1",), answered_by="PJSIP/agent1", started_at=t0,
        answered_at=t0 + timedelta(seconds=2), ended_at=t0 + timedelta(seconds=40), ring_seconds=2,
        wait_seconds=None, talk_seconds=38, hangup_cause=16, outcome=CallOutcome.ANSWERED, times_approximate=True,
    )
    events = [
        CelEvent("CHAN_START", t0, "Local/79130000000@dialer-00000001;1", "9.1", "9.1"),
        CelEvent("ANSWER", t0 + timedelta(seconds=2), "PJSIP/carrier-00000002", "9.3", "9.1"),  # the client
        CelEvent("BRIDGE_ENTER", t0 + timedelta(seconds=6), "PJSIP/agent1-00000003", "9.4", "9.1"),  # after AMD
        CelEvent("LINKEDID_END", t0 + timedelta(seconds=20), "PJSIP/carrier-00000002", "9.3", "9.1"),
    ]
    exact = with_true_times(summary, events)
    assert exact is not None and exact.answered_at == t0 + timedelta(seconds=2) and exact.talk_seconds == 18
