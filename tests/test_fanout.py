"""The broker between processes: two buses bridged through a real Redis, as two processes would be."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from redis import asyncio as aioredis

from callcenter.bus import EventBus
from callcenter.calls.events import AgentPaused, CallEnded, CallRinging, CallSummary, Transfer
from callcenter.desk.events import PauseRequested
from callcenter.fanout import BrokerUnreachable, Fanout, fanout_running
from callcenter.models.enums import CallOutcome, Direction
from tests.telephony.fake_ami import wait_for

REDIS = "redis://127.0.0.1:6379/0"
AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


async def _redis_up() -> bool:
    client = aioredis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def channel() -> str:
    if not await _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return f"test:{uuid.uuid4().hex}"


@contextlib.asynccontextmanager
async def process(channel: str) -> AsyncIterator[tuple[EventBus, Fanout, list[Any]]]:
    """One process's bus with its fan-out, and everything that bus carried."""
    bus = EventBus()
    seen: list[Any] = []

    async def record(event: Any) -> None:
        seen.append(event)

    bus.subscribe(record, name="record")
    try:
        async with fanout_running(bus, REDIS, channel=channel, retry_initial=0.05) as fanout:
            yield bus, fanout, seen
    finally:
        await bus.close()


def summary() -> CallSummary:
    return CallSummary("1795413747.0", Direction.INBOUND, "+79161234567", "100", "support", ("PJSIP/101",),
                       "PJSIP/101", AT, AT, AT, 1, 1, 6, 16, CallOutcome.TRANSFERRED, "/rec/a.wav",
                       (Transfer("PJSIP/101", "PJSIP/102", AT),))


async def test_events_cross_once_and_never_come_back(channel: str) -> None:
    async with process(channel) as (bus_a, fan_a, seen_a), process(channel) as (bus_b, fan_b, seen_b):
        ringing = CallRinging("1.1", Direction.INBOUND, "+79161234567", "100", "PJSIP/101", "support", AT)
        ended = CallEnded(summary())
        bus_a.publish(ringing)
        bus_a.publish(ended)
        bus_b.publish(PauseRequested("c1", 7, "PJSIP/101", True, "lunch", AT))
        await wait_for(lambda: len(seen_b) == 3 and len(seen_a) == 3)
        await asyncio.sleep(0.1)  # nothing more may arrive: no echo, no loop
        assert [e for e in seen_b if not isinstance(e, PauseRequested)] == [ringing, ended]  # equal, in order
        assert sum(isinstance(e, PauseRequested) for e in seen_a) == 1
        assert len(seen_a) == 3 and len(seen_b) == 3
        assert (fan_a.sent, fan_a.received, fan_b.sent, fan_b.received) == (2, 1, 1, 2)


async def test_only_known_events_cross_and_bad_messages_are_skipped(channel: str) -> None:
    async with process(channel) as (bus_a, _, _), process(channel) as (_, fan_b, seen_b):
        bus_a.publish("a plain string is not an event")
        client = aioredis.Redis.from_url(REDIS)
        try:
            await client.publish(channel, b"someone {not json")
            await client.publish(channel, b'someone {"type": "DropTables"}')
            await client.publish(channel, b'someone {"type": "AgentPaused", "interface": 5}')
        finally:
            await client.aclose()
        bus_a.publish(AgentPaused("PJSIP/101", True, "lunch", None, AT))
        await wait_for(lambda: any(isinstance(e, AgentPaused) for e in seen_b))
        assert fan_b.bad == 3 and fan_b.received == 1
        assert seen_b == [AgentPaused("PJSIP/101", True, "lunch", None, AT)]


async def test_a_lost_broker_connection_is_taken_up_again(channel: str, caplog: pytest.LogCaptureFixture) -> None:
    async with process(channel) as (bus_a, _, _), process(channel) as (_, fan_b, seen_b):
        killer = aioredis.Redis.from_url(REDIS)
        try:
            # Cut B's connections, as a Redis restart would (and only B's: the Redis may be shared).
            clients = await killer.client_list()
            mine = [c["id"] for c in clients if c.get("name") == fan_b.client_name]
            assert mine, "the fan-out's connections carry its name"
            for client_id in mine:
                await killer.client_kill_filter(_id=client_id)
        finally:
            await killer.aclose()
        for n in range(200):
            if seen_b:
                break
            bus_a.publish(AgentPaused("PJSIP/101", n % 2 == 0, "", None, AT))
            await asyncio.sleep(0.05)
        assert seen_b, "events published after the cut never arrived"
        assert "broker connection lost" in caplog.text


async def test_an_unreachable_broker_fails_the_start_naming_the_setting() -> None:
    bus = EventBus()
    try:
        with pytest.raises(BrokerUnreachable, match="CALLCENTER_BROKER_URL"):
            async with fanout_running(bus, "redis://127.0.0.1:1/0"):
                pass
    finally:
        await bus.close()
