"""The bounded buffer between the AMI socket reader and whoever consumes the events.

The reader never waits for anyone: when the buffer is full the *arriving* frame is dropped (counted in
``dropped`` and logged). The frames already queued stay a gap-free prefix of the stream, and one
:class:`Gap` marker queued right after them (past the bound) tells the consumer to reconcile, which is
the only repair a lost call event has anyway. Dropping the oldest instead would lose as much, out of
the middle of what the consumer is about to read.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from telephony.ami.actions import Connected, Gap
from telephony.ami.frames import Frame

log = logging.getLogger(__name__)

Item = Frame | Connected | Gap


class Inbox:
    """Event frames and connection markers, in arrival order, at most ``size`` frames."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.dropped = 0  # frames dropped because the buffer was full
        self._items: deque[Item] = deque()
        self._ready = asyncio.Event()
        self._gap: Gap | None = None

    def __len__(self) -> int:
        return len(self._items)

    async def get(self) -> Item:
        """The next frame or marker, waiting for one."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if item is self._gap:
            self._gap = None  # taken: a later drop needs a marker of its own
        return item

    def offer(self, item: Item) -> None:
        """Queue ``item`` without waiting; a frame that does not fit is dropped and a Gap marks the spot."""
        if isinstance(item, Frame):
            if len(self._items) >= self.size:
                self._drop()
                return
            self._gap = None
        self._items.append(item)
        self._ready.set()

    def _drop(self) -> None:
        self.dropped += 1
        if self._gap is None:
            # One marker per run of drops, queued past the bound so the consumer learns of it.
            self._gap = Gap(0)
            self._items.append(self._gap)
            self._ready.set()
        self._gap.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.warning("AMI event buffer full (%d frames): %d frames dropped so far", self.size, self.dropped)
