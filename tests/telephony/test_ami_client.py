"""The asyncio AMI client over real TCP against a small in-test AMI server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from telephony.ami.actions import ActionTimeout, Connected, Gap, LoginFailed
from telephony.ami.client import AmiClient
from telephony.ami.encode import encode
from telephony.ami.frames import Frame, action
from tests.telephony.fake_ami import FakeAmi, event_stream, recorded_answers, wait_for


def client_for(ami: FakeAmi, **kw: object) -> AmiClient:
    options: dict = {"backoff_initial": 0.01, "backoff_max": 0.05, "action_timeout": 2.0, **kw}
    return AmiClient("127.0.0.1", ami.port, options.pop("username", "crm"), options.pop("secret", "s3cret"),
                     **options)


@contextlib.asynccontextmanager
async def running(client: AmiClient) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(client.run())
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def next_of(client: AmiClient, kind: type) -> object:
    async with asyncio.timeout(3):
        while True:
            item = await client.get()
            if isinstance(item, kind):
                return item


@pytest.mark.parametrize("auth", ["md5", "plain"])
async def test_login_both_ways(auth: str) -> None:
    async with FakeAmi() as ami:
        client = client_for(ami, auth=auth)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            assert (await client.send_action(action("Ping"))).get("Ping") == "Pong"
        assert ami.logins == 1 and client.greeting == "Asterisk Call Manager/11.0.0"
        login = next(f for f in ami.actions if f.get("Action") == "Login")
        if auth == "md5":
            assert login.get("AuthType") == "MD5" and "Secret" not in login  # the secret never crosses the wire
        else:
            assert login.get("Secret") == "s3cret"
        assert any(f.get("Action") == "Events" and f.get("EventMask") == "on" for f in ami.actions)


async def test_wrong_secret_is_a_clear_error_retried_and_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    async with FakeAmi() as ami:
        client = client_for(ami, secret="wrong-secret-123")
        with pytest.raises(LoginFailed, match="refused: Authentication failed"):
            await client.connect()
        caplog.set_level(logging.INFO)
        async with running(client):
            await wait_for(lambda: ami.refused >= 3)  # retried with backoff
        assert isinstance(client.last_error, LoginFailed) and client.connections == 0
    assert "Authentication failed" in caplog.text
    assert "wrong-secret-123" not in caplog.text and "wrong-secret-123" not in repr(client)


async def test_action_ids_correlate_out_of_order_answers_with_events_between() -> None:
    held: list[Frame] = []

    async def reverse(frame: Frame, writer: asyncio.StreamWriter) -> bool:
        if frame.get("Action") != "Getvar":
            return False
        held.append(frame)
        if len(held) == 3:  # answer the three in reverse order, an event before each answer
            for f in reversed(held):
                writer.write(encode(Frame([("Event", "VarSet"), ("Variable", "X"), ("Value", "noise")])))
                writer.write(encode(Frame([("Response", "Success"), ("ActionID", f.action_id or ""),
                                           ("Variable", f.get("Variable") or ""), ("Value", f"v-{f.get('Variable')}")])))
        return True

    async with FakeAmi(hook=reverse) as ami:
        client = client_for(ami)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            answers = await asyncio.gather(*(client.send_action(action("Getvar", Variable=name)) for name in "abc"))
            assert [a.get("Value") for a in answers] == ["v-a", "v-b", "v-c"]
            assert len({f.action_id for f in held}) == 3
            assert isinstance(await client.get(), Connected)
            events = [await client.get() for _ in range(3)]
            assert all(isinstance(e, Frame) and e.event == "VarSet" for e in events)


async def test_action_timeout_is_clear_and_forgotten() -> None:
    async def swallow(frame: Frame, _writer: asyncio.StreamWriter) -> bool:
        return frame.get("Action") == "Getvar"

    async with FakeAmi(hook=swallow) as ami:
        client = client_for(ami)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            with pytest.raises(ActionTimeout, match=r"Getvar \(ActionID .+\) not answered in 0.1 s"):
                await client.send_action(action("Getvar", Variable="x"), timeout=0.1)
            assert not client.waiting
            assert (await client.send_action(action("Ping"))).get("Ping") == "Pong"  # still usable


async def test_event_lists_and_command_output_from_the_recorded_answers() -> None:
    async with FakeAmi(answers=recorded_answers("h_actions")) as ami:
        client = client_for(ami)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            channels = await client.request(action("CoreShowChannels"))
            assert channels.ok and channels.complete is not None
            assert [e.get("Channel") for e in channels.events] == ["PJSIP/trunk-00000034", "PJSIP/agent1-00000037"]
            assert channels.complete.get("ListItems") == "2"
            queue = await client.request(action("QueueStatus"))
            assert [e.event for e in queue.events][0] == "QueueParams" and len(queue.events) == 4
            assert all(e.action_id == queue.response.action_id for e in queue.events)
            lines = await client.command("core show version")
            assert lines == ["Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 05:45:34 UTC"]
            bad = await client.send_action(action("NoSuchAction"))
            assert bad.response == "Error"
            assert client.queued == 1  # only the Connected marker: no list event leaked into the stream


async def test_a_follows_whose_end_marker_never_comes_is_answered_after_a_short_silence() -> None:
    """Old-style command output whose ``--END COMMAND--`` is lost and nothing behind it: the command gets
    what came once the line has been silent ``follows_timeout``, and the stream goes on after it."""

    async def truncated(frame: Frame, writer: asyncio.StreamWriter) -> bool:
        if frame.get("Action") != "Command":
            return False
        writer.write(f"Response: Follows\r\nPrivilege: Command\r\nActionID: {frame.action_id}\r\n"
                     "Asterisk 13.38.3 built by root\r\n\r\nsecond line\r\n".encode())
        await writer.drain()
        await asyncio.sleep(0.5)
        writer.write(encode(Frame([("Event", "FullyBooted"), ("Status", "Fully Booted")])))
        return True

    async with FakeAmi(hook=truncated) as ami:
        client = client_for(ami, follows_timeout=0.2)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            await next_of(client, Connected)
            started = asyncio.get_running_loop().time()
            lines = await client.command("core show version")
            assert asyncio.get_running_loop().time() - started < 1.0  # not the 2 s action timeout
            assert lines == ["Asterisk 13.38.3 built by root", "", "second line"]
            assert not client.waiting
            booted = await next_of(client, Frame)
            assert isinstance(booted, Frame) and booted.headers == (("Event", "FullyBooted"), ("Status", "Fully Booted"))
            assert (await client.send_action(action("Ping"))).get("Ping") == "Pong"


async def test_a_follows_that_keeps_arriving_slowly_is_read_whole() -> None:
    """The timeout counts silence, not the whole answer: output coming in pieces on a slow link is kept."""

    async def slow(frame: Frame, writer: asyncio.StreamWriter) -> bool:
        if frame.get("Action") != "Command":
            return False
        parts = [f"Response: Follows\r\nPrivilege: Command\r\nActionID: {frame.action_id}\r\none\r\n",
                 "\r\ntwo\r\n", "three\r\n--END COMMAND--\r\n\r\n"]
        for part in parts:
            writer.write(part.encode())
            await writer.drain()
            await asyncio.sleep(0.15)
        return True

    async with FakeAmi(hook=slow) as ami:
        client = client_for(ami, follows_timeout=0.3)
        async with running(client):
            await wait_for(lambda: client.connections == 1)
            assert await client.command("dialplan show") == ["one", "", "two", "three"]


async def test_keepalive_detects_a_silent_server() -> None:
    async with FakeAmi(pong=False) as ami:
        client = client_for(ami, ping_interval=0.1)
        async with running(client):
            # An unanswered ping ends a connection and the client comes back. Under load a login may miss its
            # 0.1 s too, so the ping's error is waited for, not assumed to be the first connection's.
            await wait_for(lambda: ami.connections >= 2 and "Ping" in str(client.last_error), 10)


async def test_full_buffer_drops_arrivals_counts_them_and_marks_the_gap() -> None:
    stream = event_stream("a_queue_answered")
    async with FakeAmi(stream=stream) as ami:
        client = client_for(ami, queue_size=20)
        async with running(client):
            lost = len(stream) - 19  # the Connected marker holds one of the 20 places
            await wait_for(lambda: ami.done and client.dropped == lost)
            items = [await client.get() for _ in range(21)]
            assert client.queued == 0
        assert isinstance(items[0], Connected)
        assert all(isinstance(i, Frame) for i in items[1:20])
        assert items[1:20] == [_parse(raw) for raw in stream[:19]]  # the queued ones are the stream's start
        assert items[20] == Gap(lost)


async def test_reconnects_after_the_server_closes_and_resumes() -> None:
    stream = event_stream("a_queue_answered")
    async with FakeAmi(stream=stream, cuts=[(40, 17), (120, 3)]) as ami:
        client = client_for(ami)
        got: list[object] = []

        async def consume() -> None:
            while True:
                got.append(await client.get())

        async with running(client):
            consumer = asyncio.create_task(consume())
            try:
                await wait_for(lambda: ami.done and sum(isinstance(g, Frame) for g in got) >= len(stream))
            finally:
                consumer.cancel()
                await asyncio.gather(consumer, return_exceptions=True)
        assert [g.attempt for g in got if isinstance(g, Connected)] == [1, 2, 3]
        frames = [g for g in got if isinstance(g, Frame)]
        assert [f.get("Uniqueid") for f in frames] == [f.get("Uniqueid") for f in map(_parse, stream)]
        assert client.connections == 3 and client.dropped == 0


def _parse(raw: bytes) -> Frame:
    from tests.telephony.fake_ami import parse

    return parse(raw.decode("utf-8"))
