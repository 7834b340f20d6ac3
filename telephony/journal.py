"""Keeping the tracker's calls in a journal while they go on, and taking them up again after a restart.

The journal is the CRM's (``callcenter.calls.journal.CallJournal``); the connector sees it only through
:class:`Journal`, so the tracker and the connector stay testable without a database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from callcenter.calls.events import CallEvent
from telephony.tracker import CallTracker

log = logging.getLogger(__name__)


class Journal(Protocol):
    async def save(self, changes: Mapping[str, dict[str, Any] | None]) -> None: ...

    async def load(self) -> list[dict[str, Any]]: ...


async def restore_calls(tracker: CallTracker, journal: Journal, *, attempts: int = 5,
                        pause: float = 1.0) -> list[CallEvent]:
    """Take up the calls a previous run left going on; after ``attempts`` failed reads, none (the channel
    list still takes up the calls that are on, with their times estimated)."""
    for attempt in range(1, attempts + 1):
        try:
            saved = await journal.load()
        except Exception as exc:
            log.warning("the calls going on could not be read back (%s), try %d of %d", exc, attempt, attempts)
            await asyncio.sleep(pause)
            continue
        events = tracker.restore(saved)
        if saved:
            log.info("took up %d calls a previous run was following", len(saved))
        return events
    log.error("the calls a previous run was following are left to the channel list")
    return []


async def save_changes(tracker: CallTracker, journal: Journal) -> bool:
    """Write what changed since the last save; False (and kept for the next try) when it failed."""
    changes = tracker.take_changes()
    if not changes:
        return True
    try:
        await journal.save(changes)
    except Exception as exc:
        tracker.mark_changed(changes)
        log.warning("%d calls going on could not be saved (%s); trying again", len(changes), exc)
        return False
    return True


async def keep_saving(tracker: CallTracker, journal: Journal, every: float) -> None:
    """Save the calls that changed every ``every`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(every)
        await save_changes(tracker, journal)
