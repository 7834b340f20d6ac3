"""The CRM's in-process event bus: the telephony connector publishes call events, subscribers consume them.

Each subscriber has its own bounded queue and its own task, so a slow consumer (a database write, a
web socket) never holds up the publisher or the other subscribers. When a subscriber's queue is full
the new event is dropped for that subscriber only, counted in ``Subscription.dropped`` and logged.
A handler that raises is logged and goes on with the next event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class Subscription:
    """One consumer: its queue, its task and its counters."""

    def __init__(self, handler: Handler, name: str, maxsize: int) -> None:
        self.handler = handler
        self.name = name
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.dropped = 0
        self.handled = 0
        self.failed = 0
        self.task: asyncio.Task[None] | None = None

    def offer(self, event: Any) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("event bus: subscriber %s is %d events behind; dropped %s (%d dropped so far)",
                        self.name, self.queue.maxsize, type(event).__name__, self.dropped)

    async def consume(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self.handler(event)
                self.handled += 1
            except Exception:
                self.failed += 1
                log.exception("event bus: subscriber %s failed on %s", self.name, type(event).__name__)
            finally:
                self.queue.task_done()


class EventBus:
    """``publish`` never waits; every subscriber gets every event in publishing order."""

    def __init__(self, default_maxsize: int = 10_000) -> None:
        self.default_maxsize = default_maxsize
        self.subscriptions: list[Subscription] = []

    def subscribe(self, handler: Handler, *, name: str | None = None, maxsize: int | None = None) -> Subscription:
        """Add a consumer; its task starts at once (call from a running event loop).

        ``maxsize=0`` is a queue without a bound, for a consumer that must never lose an event.
        """
        sub = Subscription(handler, name or str(getattr(handler, "__qualname__", repr(handler))),
                           self.default_maxsize if maxsize is None else maxsize)
        sub.task = asyncio.get_running_loop().create_task(sub.consume(), name=f"bus:{sub.name}")
        self.subscriptions.append(sub)
        return sub

    def publish(self, event: Any) -> None:
        """Hand ``event`` to every subscriber's queue without waiting."""
        for sub in self.subscriptions:
            sub.offer(event)

    @property
    def dropped(self) -> int:
        return sum(sub.dropped for sub in self.subscriptions)

    async def drain(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until every subscriber has handled what it was given."""
        async with asyncio.timeout(timeout):
            for sub in self.subscriptions:
                await sub.queue.join()

    async def close(self, drain_timeout: float | None = 5.0) -> None:
        """Let the subscribers finish their queues (up to ``drain_timeout``), then stop their tasks."""
        with contextlib.suppress(TimeoutError):
            await self.drain(drain_timeout)
        tasks = [sub.task for sub in self.subscriptions if sub.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.subscriptions.clear()
