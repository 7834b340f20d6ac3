"""The connector over real TCP: AMI client → call tracker → event bus → call logger → database,
including connections cut anywhere in the recorded traces."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.calls.logger import CallLogger, subscribe_call_logger
from callcenter.cli.telephony import serve_telephony
from callcenter.db.engine import create_sessionmaker
from callcenter.models import Call
from callcenter.models.enums import CallOutcome, Direction, Role
from callcenter.settings import Settings
from telephony.ami.client import AmiClient
from telephony.ami.frames import Frame, action
from telephony.connector import Connector
from telephony.simulator import PbxSimulator, SimulatorConfig
from telephony.tracker import CallTracker
from tests.conftest import MakeUser
from tests.telephony.fake_ami import TRACES, FakeAmi, event_stream, parse, wait_for

CUT_TRACES = sorted(p.stem for p in TRACES.glob("*.jsonl") if p.stem not in {"fastagi_sessions"}
                    and not p.stem.startswith("h2_"))


@contextlib.asynccontextmanager
async def connected(ami: FakeAmi, bus: EventBus) -> AsyncIterator[Connector]:
    client = AmiClient("127.0.0.1", ami.port, "crm", "s3cret", backoff_initial=0.001, backoff_max=0.01,
                       action_timeout=2.0)
    connector = Connector(client, bus)
    connector.start()
    try:
        yield connector
    finally:
        await connector.close()


def collect_ended(bus: EventBus) -> list[CallSummary]:
    """Subscribe to ``bus``; the list fills with the summary of every call that ends."""
    ended: list[CallSummary] = []

    async def collect(event: Any) -> None:
        if isinstance(event, CallEnded):
            ended.append(event.summary)

    bus.subscribe(collect)
    return ended


def reference(trace: str) -> dict[str, CallSummary]:
    """What the tracker makes of the whole stream, unbroken."""
    tracker = CallTracker()
    at = datetime(2026, 11, 23, tzinfo=UTC)
    events = [e for raw in event_stream(trace) for e in tracker.feed(parse(raw.decode("utf-8")), at)]
    return {e.summary.linkedid: e.summary for e in events if isinstance(e, CallEnded)}


async def test_bus_slow_subscriber_never_blocks_the_publisher_and_drops_are_counted() -> None:
    bus = EventBus()
    release = asyncio.Event()
    fast: list[int] = []

    async def slow(_event: Any) -> None:
        await release.wait()

    async def quick(event: Any) -> None:
        fast.append(event)

    stuck = bus.subscribe(slow, name="slow", maxsize=5)
    bus.subscribe(quick, name="quick", maxsize=100)
    for n in range(50):
        bus.publish(n)  # returns at once although "slow" handles nothing
    await wait_for(lambda: len(fast) == 50)
    assert fast == list(range(50))
    assert stuck.dropped == 50 - 5 and bus.dropped == stuck.dropped  # the first 5 wait in its queue
    release.set()
    await bus.close()
    assert stuck.handled == 5 and bus.subscriptions == []


async def test_call_logger_retries_database_errors_until_the_call_is_logged(db_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(db_engine)
    failures = iter([True, True, False])

    class Flaky:
        """A session factory whose first two sessions fail as a restarting database does."""

        def __call__(self) -> Any:
            if next(failures):
                raise OperationalError("connect", {}, ConnectionRefusedError("database restarting"))
            return sessions()

    logger = CallLogger(Flaky(), "RU", retry_initial=0.01)  # type: ignore[arg-type]
    summary = reference("a_queue_answered")["1795413747.0"]
    recorded = await logger.log_call(summary)
    assert recorded is not None and recorded.created and logger.retries == 2 and logger.logged == 1
    async with sessions() as db:
        assert [c.linkedid for c in await db.scalars(select(Call))] == ["1795413747.0"]


async def test_queue_call_replayed_over_tcp_becomes_one_call_row(db_engine: AsyncEngine, make_user: MakeUser) -> None:
    agent1 = await make_user(Role.OPERATOR, agent_interface="PJSIP/agent1")
    bus = EventBus()
    logger, _ = subscribe_call_logger(bus, create_sessionmaker(db_engine), "RU")
    stream = event_stream("a_queue_answered")
    try:
        async with FakeAmi(stream=stream, wait_for_list=True) as ami, connected(ami, bus) as connector:
            await wait_for(lambda: logger.logged == 1)
            assert ami.done and connector.frames == len(stream) and connector.reconciles == 1
    finally:
        await bus.close()
        await logger.close()
    async with create_sessionmaker(db_engine)() as db:
        calls = list(await db.scalars(select(Call)))
    assert len(calls) == 1
    call = calls[0]
    assert (call.linkedid, call.operator_id, call.outcome) == ("1795413747.0", agent1.id, CallOutcome.ANSWERED)
    assert call.queue == "support" and call.caller == "+15550101" and not call.times_approximate


async def test_reconnect_reconciles_a_call_that_ended_while_away() -> None:
    """The server drops mid-call and, on return, lists no channels: the call is closed as approximate."""
    stream = event_stream("a_queue_answered")
    hangup = next(i for i, raw in enumerate(stream) if raw.startswith(b"Event: Hangup"))
    bus = EventBus()
    ended = collect_ended(bus)

    async def all_gone_on_return(frame: Frame, _writer: object) -> bool:
        if frame.get("Action") == "CoreShowChannels" and ami.connections == 2:
            ami.channels.live.clear()  # everything hung up while the connection was down
        return False  # answered as usual, from the (now empty) channel list

    try:
        async with FakeAmi(stream=stream[:hangup], cuts=[(hangup - 1, 5)], wait_for_list=True,
                           hook=all_gone_on_return) as ami, connected(ami, bus) as connector:
            await wait_for(lambda: connector.reconciles == 2 and len(ended) == 1)
            assert connector.tracker.active_calls == ()
    finally:
        await bus.close()
    assert [s.linkedid for s in ended] == ["1795413747.0"]
    assert ended[0].times_approximate and ended[0].answered_by == "PJSIP/agent1"


async def test_connection_cut_at_random_points_logs_every_call_once() -> None:
    """At least 50 cuts over the traces: the server closes mid-frame, the client reconnects and logs in,
    the connector reconciles with the channels live at the cut, and the stream resumes from there."""
    rng = random.Random(20261123)
    cuts_made = 0
    for trace in CUT_TRACES:
        stream = event_stream(trace)
        expected = reference(trace)
        points = sorted(rng.sample(range(len(stream)), 5))
        cuts = [(i, rng.randrange(1, len(stream[i]))) for i in points]
        bus = EventBus()
        ended = collect_ended(bus)
        try:
            async with FakeAmi(stream=stream, cuts=cuts, wait_for_list=True) as ami, connected(ami, bus) as connector:
                await wait_for(lambda: ami.done and connector.client.queued == 0
                               and connector.frames >= len(stream) and len(ended) >= len(expected))
                await bus.drain(2)
                assert ami.connections == len(cuts) + 1 and connector.reconciles == len(cuts) + 1, trace
        finally:
            await bus.close()
        cuts_made += len(cuts)
        logged = [s.linkedid for s in ended]
        assert sorted(logged) == sorted(expected), (trace, cuts)  # every call, each exactly once
        for summary in ended:
            want = expected[summary.linkedid]
            assert (summary.outcome, summary.answered_by) == (want.outcome, want.answered_by), (trace, cuts)
            assert summary.direction is want.direction and summary.queue == want.queue
    assert cuts_made >= 50


async def test_calls_behind_a_follows_that_never_ends_are_all_logged_at_once() -> None:
    """A ``Response: Follows`` whose ``--END COMMAND--`` never comes, then the events of several calls in
    the same write: every call reaches the tracker at once, and the command gets the output that came."""
    calls = 8
    one = b"".join(event_stream("a_queue_answered"))
    burst = b"".join(one.replace(b"17954137", b"%08d" % (30_000_000 + k)) for k in range(calls))
    expected = sorted(f"{30_000_000 + k:08d}47.0" for k in range(calls))

    async def truncated_command(frame: Frame, writer: asyncio.StreamWriter) -> bool:
        if frame.get("Action") != "Command":
            return False
        writer.write(f"Response: Follows\r\nPrivilege: Command\r\nActionID: {frame.action_id}\r\n"
                     "Asterisk 13.38.3 built by root\r\n\r\n".encode() + burst)
        return True

    bus = EventBus()
    ended = collect_ended(bus)
    try:
        async with FakeAmi(hook=truncated_command) as ami, connected(ami, bus) as connector:
            await wait_for(lambda: connector.reconciles == 1)
            command = asyncio.create_task(connector.client.command("core show version"))
            try:
                await wait_for(lambda: len(ended) == calls, 2)
                async with asyncio.timeout(1):
                    assert await command == ["Asterisk 13.38.3 built by root"]
            finally:
                command.cancel()
                await asyncio.gather(command, return_exceptions=True)
        assert sorted(s.linkedid for s in ended) == expected
        assert all(s.outcome is CallOutcome.ANSWERED and s.answered_by == "PJSIP/agent1" for s in ended)
    finally:
        await bus.close()


async def test_telephony_command_runs_connector_logger_and_agi(settings: Settings, db_engine: AsyncEngine) -> None:
    async with FakeAmi(secret="cli-secret") as ami:
        s = settings.model_copy(update={"ami_port": ami.port, "ami_secret": "cli-secret", "agi_port": 0})
        task = asyncio.create_task(serve_telephony(s))
        try:
            await wait_for(lambda: ami.logins == 1 and ami.lists == 1)  # logged in, then reconciled
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        login = next(f for f in ami.actions if f.get("Action") == "Login")
        assert login.get("AuthType") == "MD5" and login.get("Username") == "crm"


async def test_frames_lost_while_away_are_repaired_by_reconcile() -> None:
    """Cuts after which the stream resumes further on: calls wholly inside a gap are never seen; every
    other call is logged exactly once, and a call seen whole has the outcome an unbroken stream gives."""
    rng = random.Random(7)
    for trace in CUT_TRACES:
        stream = event_stream(trace)
        expected = reference(trace)
        span: dict[str, tuple[int, int]] = {}
        for index, raw in enumerate(stream):
            linkedid = parse(raw.decode("utf-8")).get("Linkedid")
            if linkedid in expected:
                span[linkedid] = (span.get(linkedid, (index, index))[0], index)
        cut = rng.randrange(1, len(stream) - 1)
        resume = rng.randrange(cut, len(stream))
        bus = EventBus()
        ended = collect_ended(bus)
        seen = {lid for lid, (first, last) in span.items() if not (cut <= first and last < resume)}
        try:
            async with FakeAmi(stream=stream, cuts=[(cut, 3, resume)], wait_for_list=True) as ami, \
                    connected(ami, bus) as connector:
                await wait_for(lambda: ami.done and connector.client.queued == 0 and connector.reconciles == 2
                               and len(ended) >= len(seen))
                await bus.drain(2)
                assert connector.tracker.active_calls == (), trace
        finally:
            await bus.close()
        logged = [s.linkedid for s in ended]
        assert sorted(logged) == sorted(seen), (trace, cut, resume)
        for summary in ended:
            first, last = span[summary.linkedid]
            if last < cut or first >= resume:
                assert summary.outcome is expected[summary.linkedid].outcome, (trace, cut, resume)


async def test_originate_through_the_connector_logs_failed_calls_with_their_reason() -> None:
    """Click-to-call's path: ``Connector.originate`` over TCP to the simulated PBX; a busy and a silent
    number each become one outbound call, matched through the ActionID the connector gave them."""
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=0.01, seed=5, agents=("PJSIP/101",)))
    await simulator.start()
    bus = EventBus()
    ended = collect_ended(bus)
    client = AmiClient("127.0.0.1", simulator.port, "crm", "secret", action_timeout=2.0)
    connector = Connector(client, bus)
    connector.start()
    try:
        await wait_for(lambda: connector.reconciles == 1)
        with pytest.raises(ValueError, match="Originate"):
            await connector.originate(action("Hangup", Channel="PJSIP/101-00000001"))
        for number in ("15551230002", "15551230003"):
            response = await connector.originate(action(
                "Originate", Channel=f"PJSIP/carrier/sip:{number}@127.0.0.1:5081", Context="connect-agent",
                Exten="101", CallerID='"CRM Click2Call" <101>', Timeout="30000",
            ))
            assert response.response == "Success" and (response.action_id or "").startswith("originate-")
        await wait_for(lambda: len(ended) == 2)
    finally:
        await connector.close()
        await bus.close()
        await simulator.close()
    outcomes = {summary.callee: (summary.direction, summary.outcome) for summary in ended}
    assert outcomes == {"15551230002": (Direction.OUTBOUND, CallOutcome.BUSY),
                        "15551230003": (Direction.OUTBOUND, CallOutcome.NO_ANSWER)}


async def test_a_failing_connector_is_reported_at_once_and_ends_its_task(caplog: pytest.LogCaptureFixture) -> None:
    """A bug inside the connector must not leave the process running without call logging, silently."""

    class BrokenTracker(CallTracker):
        def reconcile(self, channels: list[Frame], at: datetime) -> list[Any]:
            raise RuntimeError("reconcile bug")

    async with FakeAmi() as ami:
        client = AmiClient("127.0.0.1", ami.port, "crm", "s3cret", action_timeout=2.0)
        connector = Connector(client, EventBus(), BrokenTracker())
        with caplog.at_level(logging.ERROR, logger="telephony.connector"):
            running = connector.start()
            with pytest.raises(RuntimeError, match="reconcile bug"):
                await asyncio.wait_for(running, 5)
            await asyncio.sleep(0)  # the done-callback runs on the next turn of the loop
        await connector.close()
    assert "the telephony connector stopped" in caplog.text
    assert not client.connected


async def test_call_logger_writes_side_by_side_but_one_callers_calls_in_order(db_engine: AsyncEngine) -> None:
    """Four writers share the calls; a caller's are written by one of them, in the order they ended."""
    order: list[str] = []
    logger = CallLogger(create_sessionmaker(db_engine), "RU", writers=4, linger=0, batch_size=2)

    async def noted(summaries: list[CallSummary]) -> list[None]:
        first = any(s.linkedid.endswith(".0") for s in summaries)
        await asyncio.sleep(0.01 if first else 0)  # the first of each caller is slow
        order.extend(s.linkedid for s in summaries)
        return [None] * len(summaries)

    logger.log_calls = noted  # type: ignore[method-assign, assignment]
    at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    for caller in range(8):
        for n in range(3):
            await logger(CallEnded(CallSummary(
                f"{caller}.{n}", Direction.INBOUND, f"+7916000000{caller}", "100", "support", (), None, at,
                None, at + timedelta(seconds=n), 5, 5, None, 16, CallOutcome.ABANDONED)))
    await logger.close()
    assert sorted(order) == sorted(f"{c}.{n}" for c in range(8) for n in range(3))
    for caller in range(8):
        assert [x for x in order if x.startswith(f"{caller}.")] == [f"{caller}.0", f"{caller}.1", f"{caller}.2"]
