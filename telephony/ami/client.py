"""The asyncio AMI client: one TCP connection to Asterisk, kept alive and logged in for as long as it runs.

A reader task turns bytes into frames (the sans-IO :class:`AmiParser`) and never waits for anyone:
answers go to the action that is waiting for them (:class:`Waiting`, matched by ``ActionID``), events
go into a bounded :class:`Inbox` the consumer drains with :meth:`AmiClient.get`, which drops and marks
what does not fit rather than block the reader.

Any drop of the connection (EOF, socket error, a ``Ping`` not answered in time) ends the session;
:meth:`run` then reconnects with capped exponential backoff and jitter, logs in again and queues a
:class:`Connected` marker ahead of the new connection's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import uuid
from collections.abc import AsyncIterator

from telephony.ami.actions import (
    ActionFailed,
    ActionResult,
    ActionTimeout,
    AmiError,
    Connected,
    ConnectionLost,
    LoginFailed,
    NotConnected,
    md5_login,
    plain_login,
)
from telephony.ami.encode import encode
from telephony.ami.frames import Frame, action
from telephony.ami.inbox import Inbox, Item
from telephony.ami.protocol import AmiParser
from telephony.ami.waiting import Waiting

log = logging.getLogger(__name__)


class AmiClient:
    """Connects, logs in (``auth`` ``"md5"`` or ``"plain"``), pings, correlates actions, reconnects.

    ``events`` is the event mask switched on after login: ``"on"`` for all, or classes such as
    ``"call,agent"``; ``"off"`` for none. ``ping_interval`` is both how often to ping and how long a
    ping may take before the connection counts as dead. ``follows_timeout``: when the line stays silent
    that long inside a ``Response: Follows`` that has not ended, what came of it is closed as the answer.
    """

    def __init__(self, host: str, port: int, username: str, secret: str, *, auth: str = "md5",
                 events: str = "on", ping_interval: float = 20.0, action_timeout: float = 10.0,
                 connect_timeout: float = 10.0, queue_size: int = 10_000, backoff_initial: float = 0.5,
                 backoff_max: float = 30.0, follows_timeout: float = 1.0) -> None:
        if auth not in {"md5", "plain"}:
            raise ValueError(f"auth must be 'md5' or 'plain', not {auth!r}")
        self.host, self.port, self.username, self.auth, self.events = host, port, username, auth, events
        self._secret = secret
        self.ping_interval = ping_interval
        self.action_timeout = action_timeout
        self.connect_timeout = connect_timeout
        self.follows_timeout = follows_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.greeting: str | None = None
        self.connections = 0  # successful logins so far
        self.last_error: Exception | None = None
        self.inbox = Inbox(queue_size)
        self.waiting = Waiting()
        self._writer: asyncio.StreamWriter | None = None
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._logged_in = False
        self._reader_task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:  # never shows the secret
        return f"AmiClient({self.username}@{self.host}:{self.port})"

    # -- the consumer's side -------------------------------------------------------------------

    async def get(self) -> Item:
        """The next event frame (or marker), waiting for one."""
        return await self.inbox.get()

    @property
    def connected(self) -> bool:
        """Logged in on a live connection right now."""
        return self._logged_in

    @property
    def queued(self) -> int:
        return len(self.inbox)

    @property
    def dropped(self) -> int:
        """Frames dropped because the consumer fell a whole buffer behind."""
        return self.inbox.dropped

    # -- actions -------------------------------------------------------------------------------

    # The timeout is a parameter, not left to the caller's asyncio.timeout, so that expiry raises an
    # ActionTimeout naming the action; either way the pending entry is removed.
    async def send_action(self, frame: Frame, timeout: float | None = None) -> Frame:  # noqa: ASYNC109
        """Send an action and return its response frame (``Response: Error`` is returned, not raised)."""
        return (await self.request(frame, timeout)).response

    async def request(self, frame: Frame, timeout: float | None = None) -> ActionResult:  # noqa: ASYNC109
        """Send an action; its response and, for an event-list action, every event of the list.

        Raises :class:`ActionTimeout` (the action is forgotten; a late answer is ignored),
        :class:`ConnectionLost` or :class:`NotConnected`.
        """
        writer = self._writer
        if writer is None or writer.is_closing():
            raise NotConnected(f"not connected to AMI at {self.host}:{self.port}")
        name = frame.get("Action") or "?"
        action_id = frame.action_id or f"{self._prefix}-{next(self._ids)}"
        if action_id in self.waiting:
            raise ValueError(f"ActionID {action_id!r} is already waiting for an answer")
        if frame.action_id is None:
            frame = Frame([*frame.headers, ("ActionID", action_id)], frame.output)
        future = self.waiting.expect(action_id, name)
        limit = self.action_timeout if timeout is None else timeout
        try:
            writer.write(encode(frame))
            async with asyncio.timeout(limit):
                await writer.drain()
                return await future
        except TimeoutError:
            raise ActionTimeout(f"AMI action {name} (ActionID {action_id}) not answered in {limit:g} s") from None
        except ConnectionError as exc:
            raise ConnectionLost(f"AMI connection lost while sending {name}") from exc
        finally:
            self.waiting.forget(action_id)

    async def command(self, text: str, timeout: float | None = None) -> list[str]:  # noqa: ASYNC109
        """Run a CLI command (``core show version``); every line of its output."""
        result = await self.request(action("Command", Command=text), timeout)
        if not result.ok:
            raise ActionFailed("Command", result.response)
        return list(result.output)

    # -- one connection ------------------------------------------------------------------------

    async def run(self) -> None:
        """Stay connected until cancelled: connect, log in, serve, and reconnect after any failure."""
        attempt = 0
        while True:
            try:
                async with self._connection():
                    attempt = 0
                    await self._serve()
            except LoginFailed as exc:
                self.last_error = exc
                log.error("%s; retrying", exc)
            except (OSError, AmiError, TimeoutError) as exc:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc  # asked to stop while the connection failed
                self.last_error = exc
                log.warning("AMI connection to %s:%s lost: %s", self.host, self.port, exc or type(exc).__name__)
            delay = min(self.backoff_max, self.backoff_initial * 2**attempt)
            attempt = min(attempt + 1, 30)
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # jitter: clients must not reconnect in step

    async def connect(self) -> None:
        """Connect and log in once (no serving, no retry); for checks. Raises :class:`LoginFailed`."""
        async with self._connection():
            pass

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[None]:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancel that comes as the connection
        # opens, and the client then never stops.
        async with asyncio.timeout(self.connect_timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
        parser = AmiParser()
        tasks: list[asyncio.Task[None]] = []
        try:
            first = await self._read_greeting(reader, parser)
            self._writer = writer
            reader_task = asyncio.create_task(self._read(reader, parser, first), name="ami-reader")
            login = asyncio.create_task(self._login(), name="ami-login")
            tasks += [reader_task, login]
            done, _ = await asyncio.wait({login, reader_task}, return_when=asyncio.FIRST_COMPLETED)
            if login not in done:
                reader_task.result()  # raises why the connection ended
                raise ConnectionLost("the connection closed during login")
            login.result()
            self._reader_task = reader_task
            yield
        finally:
            self._writer = None
            self._logged_in = False
            self._reader_task = None
            self.waiting.fail_all(ConnectionLost("AMI connection closed"))
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            writer.close()
            # A peer that never acknowledges the close must not hold up the reconnect.
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(self.connect_timeout):
                    await writer.wait_closed()

    async def _read_greeting(self, reader: asyncio.StreamReader, parser: AmiParser) -> list[Frame]:
        frames: list[Frame] = []
        async with asyncio.timeout(self.connect_timeout):
            while parser.greeting is None:
                data = await reader.read(65536)
                if not data:
                    raise ConnectionLost("closed before the AMI greeting")
                frames.extend(parser.feed(data))
                if parser.greeting is None and (frames or b"\n" in data):
                    raise AmiError(f"{self.host}:{self.port} did not greet as Asterisk Call Manager")
        self.greeting = parser.greeting
        return frames

    async def _login(self) -> None:
        if self.auth == "md5":
            challenge = await self.send_action(action("Challenge", AuthType="MD5"))
            if challenge.get("Challenge") is None:
                raise LoginFailed(f"AMI at {self.host}:{self.port} gave no MD5 challenge: "
                                  f"{challenge.get('Message') or 'no message'}")
            login = md5_login(self.username, challenge["Challenge"], self._secret)
        else:
            login = plain_login(self.username, self._secret)
        response = await self.send_action(login)
        if (response.response or "").lower() != "success":
            raise LoginFailed(f"AMI login as {self.username!r} at {self.host}:{self.port} refused: "
                              f"{response.get('Message') or 'no message'}")
        self.connections += 1
        self._logged_in = True
        # The marker goes in before events are switched on, so it precedes every event of this connection.
        self.inbox.offer(Connected(self.connections))
        if self.events != "off":
            await self.send_action(action("Events", EventMask=self.events))
        log.info("logged in to AMI at %s:%s as %s (%s)", self.host, self.port, self.username, self.greeting)

    async def _serve(self) -> None:
        """Until the connection ends: ping every ``ping_interval``; an unanswered ping ends it."""
        reader_task = self._reader_task
        assert reader_task is not None
        while True:
            done, _ = await asyncio.wait({reader_task}, timeout=self.ping_interval)
            if done:
                reader_task.result()
                raise ConnectionLost("the reader stopped")
            try:
                await self.send_action(action("Ping"), timeout=self.ping_interval)
            except ActionTimeout as exc:
                raise ConnectionLost(f"no answer to Ping: {exc}") from exc

    async def _read(self, reader: asyncio.StreamReader, parser: AmiParser, first: list[Frame]) -> None:
        for frame in first:
            self._dispatch(frame)
        while True:
            if not parser.follows_open:
                data = await reader.read(262144)
            else:
                # Asterisk writes a command's output at once: when the line falls silent before the end
                # marker, it is not coming. Silence, not the total, is timed: a long output on a slow
                # link keeps arriving.
                try:
                    async with asyncio.timeout(self.follows_timeout):
                        data = await reader.read(262144)
                except TimeoutError:
                    for frame in parser.close_follows():
                        self._dispatch(frame)
                    continue
            if not data:
                raise ConnectionLost("Asterisk closed the AMI connection")
            for frame in parser.feed(data):
                self._dispatch(frame)

    def _dispatch(self, frame: Frame) -> None:
        # Most frames are events and nothing waits: skip the ActionID lookup (it builds the frame's
        # header index) unless an action is pending.
        if self.waiting:
            action_id = frame.action_id
            if action_id is not None and self.waiting.answer(frame, action_id):
                return
        names = frame.names
        if (names and names[0] == "Event") or frame.event is not None:
            self.inbox.offer(frame)
        else:
            log.debug("AMI frame nobody waits for: %r", frame)
