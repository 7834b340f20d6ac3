"""Bus events between processes, through Redis pub/sub.

Every process that runs a :class:`Fanout` publishes the events raised in it (call events where the AMI
connection is, commands where a browser clicked) on one Redis channel, and republishes on its own bus what
the others sent. Each message is ``<origin> <json>``: a process skips its own, and never sends on what it
received, so nothing loops. Pub/sub keeps no history: what is published while a process is cut off from
Redis does not reach it, which the hub's readers survive (a socket that reconnects is sent the current
pops again; live state expires). Redis being down never stops the process: sends are counted as lost and
the listener reconnects with backoff.

Sending never holds up the bus: events are queued in order for one sender task, which publishes whatever
has gathered since its last round trip in one pipeline, so a burst costs one round trip to Redis rather
than one per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from callcenter import wire
from callcenter.bus import EventBus

log = logging.getLogger(__name__)

CHANNEL = "callcenter:events"
OUTBOX = 10_000  # events waiting to be published; past that, a stuck broker costs the newest ones


class BrokerUnreachable(RuntimeError):
    """The broker named in the settings does not answer at start-up."""


class Fanout:
    """Bridges one process's bus to the broker; ``start`` it, then ``close`` it."""

    def __init__(self, bus: EventBus, url: str, *, channel: str = CHANNEL, retry_initial: float = 0.2,
                 retry_max: float = 5.0) -> None:
        self.bus = bus
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex.encode()
        # Named so an operator reading CLIENT LIST on a shared Redis sees which connections are the CRM's.
        self.client_name = f"callcenter-{self.origin.decode()[:12]}"
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.sent = self.received = self.lost = self.bad = 0
        self.subscribed = asyncio.Event()
        self._redis: aioredis.Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._outbox: list[tuple[str, bytes]] = []  # (event name, message) not yet published, in order
        self._ready = asyncio.Event()
        self._closing = False
        # Events this process got from the broker, by identity, so its own subscription does not send them back.
        self._inbound: dict[int, object] = {}

    async def start(self) -> None:
        """Connect, subscribe and start forwarding; fails at once when the broker does not answer."""
        self._redis = aioredis.Redis.from_url(self.url, socket_connect_timeout=5, health_check_interval=15,
                                              client_name=self.client_name)
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            await self._redis.aclose()
            raise BrokerUnreachable(f"the broker at {self.url} does not answer ({exc}); "
                                    "check CALLCENTER_BROKER_URL") from exc
        self._listener = asyncio.create_task(self._listen(), name="fanout-listen")
        self._sender = asyncio.create_task(self._send(), name="fanout-send")
        self.bus.subscribe(self._forward, name="fanout")
        await asyncio.wait_for(self.subscribed.wait(), timeout=10)

    async def close(self, flush_timeout: float = 2.0) -> None:
        """Publish what is still queued (for up to ``flush_timeout`` seconds), then disconnect."""
        if self._sender is not None:
            self._closing = True
            self._ready.set()
            _, stuck = await asyncio.wait({self._sender}, timeout=flush_timeout)
            if stuck:
                self._sender.cancel()
                await asyncio.gather(self._sender, return_exceptions=True)
            if self._outbox:
                self._lose([name for name, _ in self._outbox], "the broker did not take them in time")
                self._outbox.clear()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()

    async def _listen(self) -> None:
        assert self._redis is not None
        delay = self.retry_initial
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                delay = self.retry_initial
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._receive(message["data"])
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                log.warning("broker connection lost (%s); resubscribing in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(self.retry_max, delay * 2)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()

    def _receive(self, data: bytes) -> None:
        origin, _, payload = data.partition(b" ")
        if origin == self.origin:
            return
        try:
            event = wire.decode(payload)
        except wire.BadMessage as exc:
            self.bad += 1
            log.warning("broker message skipped: %s", exc)
            return
        self.received += 1
        if len(self._inbound) > 100_000:  # a subscriber that dropped events left these behind
            self._inbound.clear()
        self._inbound[id(event)] = event
        self.bus.publish(event)

    async def _forward(self, event: Any) -> None:
        if self._inbound.pop(id(event), None) is event or not wire.carried(event):
            return
        item = (type(event).__name__, self.origin + b" " + wire.encode(event))
        if self._sender is None or self._sender.done():
            await self._publish([item])  # closed: straight away, as the bus drains at shutdown
            return
        if len(self._outbox) >= OUTBOX:
            self._lose([item[0]], f"{OUTBOX} events are already waiting for it")
            return
        self._outbox.append(item)
        self._ready.set()

    async def _send(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            batch, self._outbox = self._outbox, []
            if batch:
                await self._publish(batch)
            if self._closing and not self._outbox:
                return

    async def _publish(self, batch: list[tuple[str, bytes]]) -> None:
        assert self._redis is not None
        try:
            if len(batch) == 1:
                await self._redis.publish(self.channel, batch[0][1])
            else:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for _, message in batch:
                        pipe.publish(self.channel, message)
                    await pipe.execute()
            self.sent += len(batch)
        except (RedisError, OSError) as exc:
            self._lose([name for name, _ in batch], str(exc))

    def _lose(self, names: list[str], reason: str) -> None:
        self.lost += len(names)
        what = names[0] if len(names) == 1 else f"{len(names)} events ({', '.join(sorted(set(names)))})"
        log.warning("broker unreachable; %s not sent to other processes (%d lost): %s", what, self.lost, reason)


@contextlib.asynccontextmanager
async def fanout_running(bus: EventBus, url: str, **kwargs: Any) -> Any:
    """A started :class:`Fanout` for the length of the block."""
    fanout = Fanout(bus, url, **kwargs)
    await fanout.start()
    try:
        yield fanout
    finally:
        await fanout.close()
