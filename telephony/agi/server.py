"""The FastAGI TCP server: one asyncio task per Asterisk connection, running the script it names.

Every session runs under a deadline, so a silent or stuck peer cannot hold a task for ever; bad lines
are logged and skipped; a peer that disconnects or hangs up ends its session quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import unquote, urlsplit

from telephony.agi.protocol import AgiSession, Environment, Hangup, Malformed, Reply, quote

# A peer that never acknowledges a close must not hold up shutting down.
CLOSE_TIMEOUT = 2.0

log = logging.getLogger(__name__)

MAX_LINE = 16 * 1024


class SessionEnded(Exception):
    """The channel hung up or Asterisk went away: the script should stop."""


class AgiChannel:
    """A script's handle on its session: the environment, and commands that await their replies."""

    def __init__(self, session: AgiSession, env: Environment, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, started: float) -> None:
        self.session = session
        self.env = env
        self.started = started
        self._reader = reader
        self._writer = writer
        self.script, self.params = script_of(env)

    async def command(self, text: str) -> Reply:
        """Send one command and return its reply; raises :class:`SessionEnded` on hangup or disconnect."""
        if self.session.hung_up:
            raise SessionEnded("hangup")
        self._writer.write(self.session.command(text))
        try:
            await self._writer.drain()
        except ConnectionError as exc:
            raise SessionEnded("disconnected") from exc
        while True:
            for event in self.session.feed_line(await read_line(self._reader)):
                if isinstance(event, Reply):
                    return event
                if isinstance(event, Hangup):
                    raise SessionEnded("hangup")
                if isinstance(event, Malformed):
                    log.warning("AGI: skipped a malformed line %.200r", event.line)

    async def set_variable(self, name: str, value: object) -> Reply:
        """``SET VARIABLE name "value"`` with the value made safe for one AGI line."""
        return await self.command(f"SET VARIABLE {name} {quote(value)}")


Script = Callable[[AgiChannel], Awaitable[None]]


def script_of(env: Environment) -> tuple[str, dict[str, str]]:
    """The script name and query parameters, from ``agi_network_script`` or else ``agi_request``."""
    target = env.get("network_script") or urlsplit(env.get("request")).path
    path, _, query = target.partition("?")
    if not query and "?" in env.get("request"):
        query = urlsplit(env.get("request")).query
    # Asterisk does not escape the values it expands into the URL: a "+" is a plus, not a space.
    pairs = (part.partition("=") for part in query.split("&") if part)
    return path.strip("/"), {unquote(name): unquote(value) for name, _, value in pairs}


async def read_line(reader: asyncio.StreamReader) -> str:
    """One line from Asterisk; raises :class:`SessionEnded` at end of stream or on an endless line."""
    try:
        raw = await reader.readline()
    except (ValueError, ConnectionError) as exc:  # ValueError: a line longer than the stream limit
        raise SessionEnded("unreadable input") from exc
    if not raw.endswith(b"\n"):
        raise SessionEnded("disconnected")
    return raw.decode("utf-8", errors="replace")


class AgiServer:
    """Listens for FastAGI connections and runs ``scripts[name]`` for each."""

    def __init__(self, scripts: Mapping[str, Script], *, host: str = "127.0.0.1", port: int = 4573,
                 session_deadline: float = 10.0) -> None:
        self.scripts = dict(scripts)
        self.host = host
        self.port = port
        self.session_deadline = session_deadline
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sessions = 0  # sessions that reached a script
        self._closing = False

    async def start(self) -> None:
        """Start listening; with port 0 the chosen port is then in ``self.port``."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port, limit=MAX_LINE)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("FastAGI listening on %s:%s", self.host, self.port)

    async def close(self) -> None:
        """Stop listening and end the sessions still running."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> AgiServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            async with asyncio.timeout(self.session_deadline):
                await self._session(reader, writer)
        except SessionEnded as exc:
            log.debug("AGI session ended: %s", exc)
        except TimeoutError:
            log.warning("AGI session passed its %.1f s deadline", self.session_deadline)
        except asyncio.CancelledError:
            # Ending a session because the server closes is not a failure, and a connection task that
            # ends cancelled makes asyncio's streams (3.11) log a spurious "Exception in callback".
            if not self._closing:
                raise
        except Exception:
            log.exception("AGI script failed")
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AgiSession()
        env: Environment | None = None
        while env is None:
            for event in session.feed_line(await read_line(reader)):
                if isinstance(event, Environment):
                    env = event
                elif isinstance(event, Malformed):
                    log.warning("AGI: skipped a malformed environment line %.200r", event.line)
                elif isinstance(event, Hangup):
                    raise SessionEnded("hangup before the environment")
        channel = AgiChannel(session, env, reader, writer, started=asyncio.get_running_loop().time())
        script = self.scripts.get(channel.script)
        if script is None:
            log.warning("AGI: no script named %r (request %r)", channel.script, env.get("request"))
            return
        self.sessions += 1
        await script(channel)
