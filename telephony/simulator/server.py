"""``PbxSimulator``: an asyncio TCP server that speaks AMI as Asterisk 22 does, in front of ``Pbx``.

Every connection gets the greeting line, must log in, and from then on receives every event (unless it
logged in with ``Events: off``). A connection that stops reading is dropped rather than buffered
without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telephony.ami.encode import encode
from telephony.ami.frames import Frame
from telephony.ami.protocol import AmiParser
from telephony.simulator.actions import handle
from telephony.simulator.pbx import Pbx
from telephony.simulator.plan import SimulatorConfig

# A peer that never acknowledges a close must not hold up shutting down.
CLOSE_TIMEOUT = 2.0

log = logging.getLogger(__name__)

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
MAX_BUFFERED = 8 * 1024 * 1024


class AmiSession:
    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.logged_in = False
        self.events = True
        self.challenge = ""

    def send(self, frame: Frame) -> None:
        if self.writer.is_closing():
            return
        if self.writer.transport.get_write_buffer_size() > MAX_BUFFERED:
            log.warning("AMI client is not reading; dropping its connection")
            self.writer.close()
            return
        self.writer.write(encode(frame))


class PbxSimulator:
    """The AMI server plus the simulated PBX behind it. ``await start()``, then ``await close()``."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.pbx = Pbx(config, self.broadcast)
        self._server: asyncio.Server | None = None
        self._sessions: set[AmiSession] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.config.host, self.config.port)
        self.pbx.start()

    def broadcast(self, frame: Frame) -> None:
        for session in list(self._sessions):
            if session.logged_in and session.events:
                session.send(frame)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        session = AmiSession(writer)
        self._sessions.add(session)
        parser = AmiParser()
        try:
            writer.write(GREETING)
            open_ = True
            while open_:
                data = await reader.read(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    if "Action" in frame and not await handle(self.pbx, session, frame):
                        open_ = False
                        break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Cancelled only by close(): a connection task that ends cancelled makes asyncio's streams
            # (3.11) log a spurious "Exception in callback".
            if not self._closing:
                raise
        finally:
            self._sessions.discard(session)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await writer.wait_closed()
            if task is not None:
                self._handlers.discard(task)

    async def close(self) -> None:
        """Stop calls, close every connection and the listening socket; no task is left behind."""
        self._closing = True
        await self.pbx.close()
        if self._server is not None:
            self._server.close()
        for session in list(self._sessions):
            session.writer.close()
        handlers = list(self._handlers)
        if handlers:
            # closed transports end every reader with EOF; cancelling is only the last resort
            _, stuck = await asyncio.wait(handlers, timeout=2.0)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await self._server.wait_closed()
