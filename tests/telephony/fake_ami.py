"""A small AMI server for tests: real TCP on 127.0.0.1, the greeting, plain and MD5 logins, Ping,
CoreShowChannels from the channels its own stream made live, recorded answers from a trace, and a
replay of a trace's incoming frames that can be cut anywhere and resumed on the next connection."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable

from telephony.ami.encode import encode
from telephony.ami.frames import Frame
from telephony.ami.protocol import AmiParser
from tests.fixtures import TRACES

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
CHALLENGE = "840372519"

Hook = Callable[[Frame, asyncio.StreamWriter], Awaitable[bool]]


async def wait_for(condition: Callable[[], bool], limit: float = 5.0) -> None:
    """Wait until ``condition()`` holds; it reads counters other tasks move, so polling is the simple way."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


def trace_items(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (TRACES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def event_stream(name: str) -> list[bytes]:
    """The trace's incoming event frames as raw bytes: no greeting, no answers to the recorder's actions."""
    out = []
    for item in trace_items(name):
        raw = str(item["raw"])
        if item["dir"] != "in" or not raw.startswith("Event: "):
            continue
        if "\r\nActionID: " in raw and not raw.startswith("Event: OriginateResponse"):
            continue  # part of an event list answering the recorder's own action
        out.append(raw.encode("utf-8"))
    return out


def recorded_answers(name: str) -> dict[str, list[bytes]]:
    """For each action the recorder sent (keyed by name, ``Command`` by its text): the frames answering it."""
    items = trace_items(name)
    keys: dict[str, str] = {}
    for item in items:
        if item["dir"] == "out":
            frame = parse(str(item["raw"]))
            key = frame.get("Command") if frame.get("Action") == "Command" else frame.get("Action")
            keys[frame.action_id or ""] = key or ""
    answers: dict[str, list[bytes]] = {}
    for item in items:
        raw = str(item["raw"])
        if item["dir"] != "in" or raw.startswith("Asterisk Call Manager/"):
            continue
        frame = parse(raw)
        if frame.action_id in keys:
            answers.setdefault(keys[frame.action_id], []).append(raw.encode("utf-8"))
    return answers


def parse(raw: str) -> Frame:
    return next(iter(AmiParser().feed(raw.encode("utf-8"))))


def with_action_id(raw: bytes, action_id: str) -> bytes:
    frame = parse(raw.decode("utf-8"))
    return encode(Frame([(k, action_id if k.lower() == "actionid" else v) for k, v in frame.headers], frame.output))


class LiveChannels:
    """What CoreShowChannels would list after the frames streamed so far."""

    def __init__(self) -> None:
        self.live: dict[str, dict[str, str]] = {}

    def see(self, frame: Frame) -> None:
        event, uid = frame.get("Event"), frame.get("Uniqueid") or ""
        if event == "OriginateResponse" and frame.get("Application"):
            # An Originate to an application runs it with no Newexten; Asterisk still lists it.
            for chan in self.live.values():
                if chan["Channel"] == frame.get("Channel"):
                    chan.update(Application=frame.get("Application") or "", ApplicationData=frame.get("Data") or "")
            return
        if event == "Newchannel":
            self.live[uid] = {k: frame.get(k) or "" for k in ("Channel", "ChannelState", "CallerIDNum", "Context",
                                                               "Exten", "Uniqueid", "Linkedid")}
        elif uid not in self.live:
            return
        elif event == "Newstate":
            self.live[uid]["ChannelState"] = frame.get("ChannelState") or "0"
        elif event == "BridgeEnter":
            self.live[uid]["BridgeId"] = frame.get("BridgeUniqueid") or ""
        elif event == "BridgeLeave":
            self.live[uid]["BridgeId"] = ""
        elif event == "Newexten":  # Asterisk lists the application a channel is running now
            self.live[uid].update(Application=frame.get("Application") or "", ApplicationData=frame.get("AppData") or "")
        elif event == "Hangup":
            del self.live[uid]

    def listing(self, action_id: str) -> bytes:
        head = encode(Frame([("Response", "Success"), ("ActionID", action_id), ("EventList", "start"),
                             ("Message", "Channels will follow")]))
        items = b"".join(encode(Frame([("Event", "CoreShowChannel"), ("ActionID", action_id), *chan.items(),
                                       ("Duration", "00:00:01")])) for chan in self.live.values())
        tail = encode(Frame([("Event", "CoreShowChannelsComplete"), ("ActionID", action_id),
                             ("EventList", "Complete"), ("ListItems", str(len(self.live)))]))
        return head + items + tail


class FakeAmi:
    """``async with FakeAmi(...) as ami``: listens on an ephemeral port (``ami.port``) until the block ends.

    ``stream`` is replayed after ``Events: on`` (or, with ``wait_for_list``, after the first
    CoreShowChannels of the connection). ``cuts`` are ``(frame index, byte offset)``: the connection is
    closed after that many bytes of that frame; the next connection resends the frame whole. A cut
    ``(index, offset, resume)`` loses the frames before ``resume`` instead, as if they passed while the
    client was away.
    """

    def __init__(self, *, username: str = "crm", secret: str = "s3cret", stream: list[bytes] | None = None,
                 cuts: list[tuple[int, ...]] | None = None, answers: dict[str, list[bytes]] | None = None,
                 wait_for_list: bool = False, pong: bool = True, hook: Hook | None = None) -> None:
        self.username, self.secret = username, secret
        self.stream = stream or []
        self.cuts = sorted(cuts or [])
        self.answers = answers or {}
        self.wait_for_list = wait_for_list
        self.pong = pong
        self.hook = hook
        self.position = 0
        self.connections = 0
        self.logins = 0
        self.refused = 0
        self.lists = 0
        self.actions: list[Frame] = []
        self.channels = LiveChannels()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    async def __aenter__(self) -> FakeAmi:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self._closing = True
        # A connection accepted just now has its task scheduled but not started; let it start (and see
        # ``_closing``) so that its socket is closed, not leaked.
        for _ in range(3):
            await asyncio.sleep(0)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await self._server.wait_closed()

    @property
    def done(self) -> bool:
        return self.position >= len(self.stream)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        streamer: asyncio.Task[None] | None = None
        try:
            if self._closing:
                return
            self.connections += 1
            writer.write(GREETING)
            parser = AmiParser()
            while data := await reader.read(65536):
                for frame in parser.feed(data):
                    self.actions.append(frame)
                    if await self._answer(frame, writer) and streamer is None and self.stream:
                        streamer = asyncio.create_task(self._stream(writer))
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if streamer is not None:
                streamer.cancel()
                await asyncio.gather(streamer, return_exceptions=True)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(2):
                    await writer.wait_closed()
            self._tasks.discard(task)

    async def _answer(self, frame: Frame, writer: asyncio.StreamWriter) -> bool:
        """Answer one action; True when the stream may start now."""
        name, aid = frame.get("Action") or "", frame.action_id or ""
        reply: dict[str, str] | None = None
        if self.hook is not None and await self.hook(frame, writer):
            return False
        if name == "Challenge":
            reply = {"Response": "Success", "Challenge": CHALLENGE}
        elif name == "Login":
            if frame.get("AuthType", "").lower() == "md5":
                good = frame.get("Key") == hashlib.md5((CHALLENGE + self.secret).encode()).hexdigest()
            else:
                good = frame.get("Secret") == self.secret
            if good and frame.get("Username") == self.username:
                self.logins += 1
                reply = {"Response": "Success", "Message": "Authentication accepted"}
            else:
                self.refused += 1
                reply = {"Response": "Error", "Message": "Authentication failed"}
        elif name == "Events":
            writer.write(encode(Frame([("Response", "Success"), ("ActionID", aid), ("Events", "On")])))
            return not self.wait_for_list
        elif name == "Ping":
            if not self.pong:
                return False
            reply = {"Response": "Success", "Ping": "Pong", "Timestamp": "1795413965.250233"}
        elif name == "CoreShowChannels" and name not in self.answers:
            self.lists += 1
            writer.write(self.channels.listing(aid))
            return self.wait_for_list
        key = frame.get("Command") if name == "Command" else name
        if reply is None and key in self.answers:
            writer.write(b"".join(with_action_id(raw, aid) for raw in self.answers[key or ""]))
            return False
        if reply is None:
            reply = {"Response": "Error", "Message": "Invalid/unknown command"}
        writer.write(encode(Frame([("Response", reply.pop("Response")), ("ActionID", aid), *reply.items()])))
        return False

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        while self.position < len(self.stream):
            raw = self.stream[self.position]
            if self.cuts and self.cuts[0][0] <= self.position:
                _, offset, *skip = self.cuts.pop(0)
                writer.write(raw[: min(offset, len(raw) - 1)])
                await writer.drain()
                writer.close()  # the socket goes mid-stream; the frame is resent whole next time
                # With a resume point, what lies before it happened while the client was away: lost.
                for lost in self.stream[self.position : skip[0] if skip else self.position]:
                    self.channels.see(parse(lost.decode("utf-8")))
                self.position = max(self.position, skip[0] if skip else self.position)
                return
            writer.write(raw)
            self.channels.see(parse(raw.decode("utf-8")))
            self.position += 1
            if self.position % 50 == 0:
                await writer.drain()
        await writer.drain()
