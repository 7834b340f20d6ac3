"""FastAGI: the protocol parser alone, then the server over real TCP against the recorded sessions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.callers.services import CallerInfo, caller_info
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.models.enums import Role
from callcenter.settings import Settings
from telephony.agi.protocol import (
    AgiSession,
    Environment,
    Hangup,
    Malformed,
    ProtocolError,
    Reply,
    State,
    parse_reply,
    quote,
)
from telephony.agi.scripts import agi_server, default_scripts, lookup_script
from telephony.agi.server import AgiServer, script_of
from tests.conftest import MakeUser
from tests.fixtures import TRACES

TRACE = TRACES / "fastagi_sessions.jsonl"
RUSSIAN = "+79131234567"
SET_COMMANDS = [
    'SET VARIABLE CALLERID(name) "OOO Romashka"',
    "SET VARIABLE CRM_CLIENT_ID",  # followed by the id, checked separately
    'SET VARIABLE CRM_CLASS "A"',
    'SET VARIABLE CRM_OWNER_EXTENSION "2001"',
]


def trace_sessions() -> dict[int, list[dict[str, Any]]]:
    sessions: dict[int, list[dict[str, Any]]] = {}
    for line in TRACE.read_text().splitlines():
        record = json.loads(line)
        sessions.setdefault(record["session"], []).append(record)
    return sessions


def environment(records: list[dict[str, Any]]) -> list[str]:
    """The Asterisk side's opening block: the ``in`` lines up to and including the blank line."""
    lines = []
    for record in records:
        if record["dir"] != "in":
            break
        lines.append(record["raw"])
    assert lines[-1] == "\n"
    return lines


def recorded_answers(records: list[dict[str, Any]]) -> dict[str, str]:
    """Command verb (``SET VARIABLE``) to the reply Asterisk gave it in the trace."""
    answers: dict[str, str] = {}
    for out, reply in zip(records, records[1:]):
        if out["dir"] == "out" and reply["dir"] == "in":
            verb = " ".join(out["raw"].split()[:2])
            answers.setdefault(verb, reply["raw"])
    return answers


def with_caller(lines: list[str], number: str) -> list[str]:
    """The environment with every mention of the recorded caller number replaced."""
    original = next(line.split(": ", 1)[1].strip() for line in lines if line.startswith("agi_callerid:"))
    return [line.replace(original, number) for line in lines]


Answer = Callable[[str], list[str]]


def ok(_command: str) -> list[str]:
    return ["200 result=1\n"]


async def asterisk(port: int, lines: list[str] | list[str | bytes], answer: Answer = ok) -> list[str]:
    """Play Asterisk: send ``lines``, answer each command, return the commands until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    commands: list[str] = []
    try:
        writer.write(b"".join(line if isinstance(line, bytes) else line.encode() for line in lines))
        await writer.drain()
        async with asyncio.timeout(2):
            while raw := await reader.readline():
                command = raw.decode().rstrip("\n")
                commands.append(command)
                for reply in answer(command):
                    writer.write(reply.encode())
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return commands


async def make_client(db: AsyncSession, make_user: MakeUser, **extra: Any) -> int:
    owner = await make_user(Role.MANAGER, extension="2001")
    data = {"name": 'OOO "Romashka"\n', "kind": "company", "phones": ["8 (913) 123-45-67"],
            "abc_class": "A", "owner_id": owner.id, **extra}
    created = await create_client(db, SYSTEM, ClientIn.model_validate(data), region="RU", force=True)
    return int(created["id"])


ENV = ["agi_network: yes\n", "agi_network_script: lookup\n", f"agi_callerid: {RUSSIAN}\n", "\n"]


# ---------------------------------------------------------------- protocol alone


def test_environment_block_then_ready() -> None:
    session = AgiSession()
    assert session.feed_line("\n") == []  # a stray blank line before the block is not the end of it
    assert session.feed_line("agi_callerid: +15550101\n") == []
    assert session.feed_line("agi_calleridname: Customer: 1\r\n") == []
    assert session.feed_line("garbage without colon") == [Malformed("garbage without colon")]
    [env] = session.feed_line("\n")
    assert isinstance(env, Environment)
    assert env.variables == {"callerid": "+15550101", "calleridname": "Customer: 1"}
    assert session.state is State.READY


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("200 result=1", Reply(200, "1", None, {}, "result=1")),
        ("200 result=0 endpos=1234", Reply(200, "0", None, {"endpos": "1234"}, "result=0 endpos=1234")),
        (
            "200 result=1 (+15550101-PJSIP/trunk-00000000)",
            Reply(200, "1", "+15550101-PJSIP/trunk-00000000", {}, "result=1 (+15550101-PJSIP/trunk-00000000)"),
        ),
        ("200 result=-1 (timeout) endpos=0", Reply(200, "-1", "timeout", {"endpos": "0"}, "result=-1 (timeout) endpos=0")),
        ("510 Invalid or unknown command", Reply(510, text="Invalid or unknown command")),
        ("511 Command Not Permitted on a dead channel", Reply(511, text="Command Not Permitted on a dead channel")),
        ("hello", None),
        ("20 result=1", None),
        ("999 result=1", None),
    ],
)
def test_parse_reply(line: str, expected: Reply | None) -> None:
    assert parse_reply(line) == expected


def ready_session() -> AgiSession:
    session = AgiSession()
    session.feed_line("agi_request: agi://127.0.0.1:4573/lookup\n")
    session.feed_line("\n")
    return session


def test_command_reply_cycle_and_order_errors() -> None:
    session = ready_session()
    assert session.command("NOOP") == b"NOOP\n"
    with pytest.raises(ProtocolError):
        session.command("NOOP")  # the first has no reply yet
    assert session.feed_line("200 result=0\n") == [Reply(200, "0", None, {}, "result=0")]
    with pytest.raises(ProtocolError):
        session.command("VERBOSE x\nHANGUP")
    # A reply nobody asked for is reported, not taken as an answer.
    assert session.feed_line("200 result=1\n") == [Malformed("200 result=1")]


def test_multi_line_usage_reply() -> None:
    session = ready_session()
    session.command("SET VARIABLE")
    assert session.feed_line("520-Invalid command syntax.  Proper usage follows:\n") == []
    assert session.feed_line(" Usage: SET VARIABLE <variablename> <value>\n") == []
    assert session.feed_line("\n") == []
    [reply] = session.feed_line("520 End of proper usage.\n")
    assert isinstance(reply, Reply)
    assert (reply.code, reply.text, reply.ok) == (520, "End of proper usage.", False)
    assert reply.usage == ("Invalid command syntax.  Proper usage follows:", " Usage: SET VARIABLE <variablename> <value>", "")
    assert session.state is State.READY


def test_hangup_notification_at_any_time() -> None:
    session = ready_session()
    session.command("NOOP")
    assert session.feed_line("HANGUP\n") == [Hangup()]
    assert session.hung_up
    assert session.feed_line("200 result=1\n") == [Reply(200, "1", None, {}, "result=1")]
    fresh = AgiSession()
    assert fresh.feed_line("HANGUP") == [Hangup()]


def test_quote_removes_what_breaks_the_line() -> None:
    assert quote('ООО "Ромашка"\r\n\\x') == '"ООО Ромашкаx"'
    assert quote(42) == '"42"'
    assert len(quote("a" * 1000)) == 202


def test_script_name_from_either_variable() -> None:
    assert script_of(Environment({"network_script": "lookup?callerid=+15550101"})) == ("lookup", {"callerid": "+15550101"})
    assert script_of(Environment({"request": "agi://127.0.0.1:4573/lookup?callerid=%2B7913"})) == (
        "lookup",
        {"callerid": "+7913"},
    )
    assert script_of(Environment({})) == ("", {})


# ---------------------------------------------------------------- caller lookup


async def test_caller_info_any_format(db: AsyncSession, make_user: MakeUser) -> None:
    client_id = await make_client(db, make_user)
    expected = CallerInfo(client_id, 'OOO "Romashka"', "A", "2001")
    for raw in (RUSSIAN, "89131234567", "7 913 123-45-67", "+7 (913) 123 45 67"):
        assert await caller_info(db, raw, "RU") == expected
    for raw in ("+15550101", "unknown", "", "+79131234568", "2001"):
        assert await caller_info(db, raw, "RU") is None


async def test_caller_info_contact_phone_and_inactive_owner(db: AsyncSession, make_user: MakeUser) -> None:
    owner = await make_user(Role.MANAGER, extension="2002")
    data = {"name": "Vector", "kind": "company", "owner_id": owner.id,
            "contacts": [{"full_name": "Ivan Petrov", "phones": ["+7 916 111-22-33"]}]}
    created = await create_client(db, SYSTEM, ClientIn.model_validate(data), region="RU", force=True)
    assert await caller_info(db, "+79161112233", "RU") == CallerInfo(int(created["id"]), "Vector", None, "2002")
    owner.is_active = False
    await db.commit()
    info = await caller_info(db, "+79161112233", "RU")
    assert info is not None and info.owner_extension is None


# ---------------------------------------------------------------- the server over TCP


@pytest.mark.parametrize("number", sorted(trace_sessions()))
async def test_recorded_sessions_unknown_caller_sets_nothing(db_engine: AsyncEngine, number: int) -> None:
    records = trace_sessions()[number]
    answers = recorded_answers(records)
    async with AgiServer(default_scripts(db_engine, "RU"), port=0) as server:
        commands = await asterisk(server.port, environment(records), lambda c: [answers[" ".join(c.split()[:2])]])
    # +1555010x is what the lab trunk sent: not a valid number, so not found, and the call goes on.
    assert commands == []


@pytest.mark.parametrize("number", sorted(trace_sessions()))
async def test_recorded_sessions_known_caller(
    db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, number: int
) -> None:
    client_id = await make_client(db, make_user)
    records = trace_sessions()[number]
    answers = recorded_answers(records)
    assert answers["SET VARIABLE"] == "200 result=1\n"
    lines = with_caller(environment(records), "8 913 123-45-67" if number % 2 else RUSSIAN)
    async with AgiServer(default_scripts(db_engine, "RU"), port=0) as server:
        started = time.monotonic()
        commands = await asterisk(server.port, lines, lambda c: [answers[" ".join(c.split()[:2])]])
        elapsed = time.monotonic() - started
    assert commands == [SET_COMMANDS[0], f'SET VARIABLE CRM_CLIENT_ID "{client_id}"', *SET_COMMANDS[2:]]
    assert elapsed < 0.5


async def test_server_from_settings(db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser) -> None:
    client_id = await make_client(db, make_user)
    server = agi_server(Settings(agi_port=0, secret_key="x"), db_engine)
    assert (server.host, server.port) == ("127.0.0.1", 0)
    async with server:
        assert server.port != 0
        commands = await asterisk(server.port, ENV)
    assert commands[1] == f'SET VARIABLE CRM_CLIENT_ID "{client_id}"'
    assert Settings(secret_key="x").agi_port == 4573


async def test_slow_lookup_gives_up_within_the_budget() -> None:
    async def slow(_number: str) -> CallerInfo:
        await asyncio.sleep(2)
        return CallerInfo(1, "Too late", "A", "2001")

    async with AgiServer({"lookup": lookup_script(slow)}, port=0) as server:
        started = time.monotonic()
        commands = await asterisk(server.port, ENV)
        elapsed = time.monotonic() - started
    assert commands == []
    assert 0.19 <= elapsed < 0.4


async def test_lookup_within_the_budget_still_answers() -> None:
    async def fair(_number: str) -> CallerInfo:
        await asyncio.sleep(0.05)
        return CallerInfo(7, "In time", None, None)

    async with AgiServer({"lookup": lookup_script(fair)}, port=0) as server:
        commands = await asterisk(server.port, ENV)
    assert commands == [
        'SET VARIABLE CALLERID(name) "In time"',
        'SET VARIABLE CRM_CLIENT_ID "7"',
        'SET VARIABLE CRM_CLASS ""',
        'SET VARIABLE CRM_OWNER_EXTENSION ""',
    ]


def known(_number: str) -> Any:
    async def find(_n: str) -> CallerInfo:
        return CallerInfo(7, "Known", "B", "2003")

    return find


async def test_hangup_mid_session_ends_it_cleanly() -> None:
    server = AgiServer({"lookup": lookup_script(known(""))}, port=0)
    async with server:
        commands = await asterisk(server.port, ENV, lambda _c: ["HANGUP\n", "200 result=1\n"])
        assert commands == ['SET VARIABLE CALLERID(name) "Known"']  # nothing more after the hangup
        # A hangup before the environment is complete also ends quietly.
        assert await asterisk(server.port, ["agi_network: yes\n", "HANGUP\n"]) == []
        assert len(await asterisk(server.port, ENV)) == 4
        assert not server._tasks


async def test_garbage_lines_are_skipped() -> None:
    def noisy(_command: str) -> list[str]:
        return ["\x00\xff garbage\n", "999\n", "200 result=1\n"]

    async with AgiServer({"lookup": lookup_script(known(""))}, port=0) as server:
        lines: list[str | bytes] = ["junk before\n", "agi_bad line\n", *ENV[:-1], b"\xff\xfe\x00 bad bytes\n", "\n"]
        commands = await asterisk(server.port, lines, noisy)
        assert len(commands) == 4
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_x: " + b"y" * 100_000 + b"\n")  # a line past the limit ends that session only
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        assert await asyncio.wait_for(reader.read(), 2) == b""
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        assert len(await asterisk(server.port, ENV)) == 4


async def test_error_replies_do_not_stop_the_script() -> None:
    replies = iter(["510 Invalid or unknown command\n", "520-Invalid command syntax.\nusage\n520 End of proper usage.\n"])

    def answer(_command: str) -> list[str]:
        return [next(replies, "200 result=1\n")]

    async with AgiServer({"lookup": lookup_script(known(""))}, port=0) as server:
        assert len(await asterisk(server.port, ENV, answer)) == 4


async def test_disconnects_and_unknown_scripts() -> None:
    async with AgiServer({"lookup": lookup_script(known(""))}, port=0) as server:
        # Gone in the middle of the environment.
        _reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\nagi_callerid: +7913")
        writer.close()
        await writer.wait_closed()
        # Gone right after the first command.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write("".join(ENV).encode())
        assert (await reader.readline()).startswith(b"SET VARIABLE CALLERID(name)")
        writer.close()
        await writer.wait_closed()
        # A script nobody serves: the connection is closed with no command.
        assert await asterisk(server.port, ["agi_request: agi://127.0.0.1/nosuch\n", "\n"]) == []
        assert len(await asterisk(server.port, ENV)) == 4
        for _ in range(50):
            if not server._tasks:
                break
            await asyncio.sleep(0.01)
        assert not server._tasks


async def test_silent_peer_hits_the_session_deadline() -> None:
    async with AgiServer({"lookup": lookup_script(known(""))}, port=0, session_deadline=0.2) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\n")
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), 2) == b""
        assert time.monotonic() - started < 1
        writer.close()
        await writer.wait_closed()


async def test_close_ends_running_sessions(caplog: pytest.LogCaptureFixture) -> None:
    server = AgiServer({"lookup": lookup_script(known(""))}, port=0)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"agi_network: yes\n")
    await writer.drain()
    await asyncio.sleep(0.05)
    assert server._tasks
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        await server.close()
        await asyncio.sleep(0.01)  # the streams' done-callbacks run on the next turns of the loop
    assert not server._tasks
    assert "Exception in callback" not in caplog.text  # closing is not a failure
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    await writer.wait_closed()
