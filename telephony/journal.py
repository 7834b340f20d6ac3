"""Keeping the tracker's calls in a journal while they go on, and taking them up again after a restart.

The journal is the CRM's (``callcenter.calls.journal.CallJournal``); the connector sees it only through
:class:`Journal`, so the tracker and the connector stay testable without a database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from callcenter.calls.events import CallEnded, CallEvent, CallSummary
from telephony.tracker import CallTracker

log = logging.getLogger(__name__)


class Journal(Protocol):
    async def save(self, changes: Mapping[str, dict[str, Any] | CallSummary | None]) -> None: ...

    async def load(self) -> tuple[list[dict[str, Any]], list[CallSummary]]: ...


async def restore_calls(tracker: CallTracker, journal: Journal, *, attempts: int = 5,
                        pause: float = 1.0) -> list[CallEvent]:
    """Take up the calls a previous run left going on, and hand on again those it saw end but may not have
    logged; after ``attempts`` failed reads, none (the channel list still takes up the calls that are on,
    with their times estimated)."""
    for attempt in range(1, attempts + 1):
        try:
            saved, ended = await journal.load()
        except Exception as exc:
            log.warning("the calls going on could not be read back (%s), try %d of %d", exc, attempt, attempts)
            await asyncio.sleep(pause)
            continue
        events = tracker.restore(saved)
        if saved or ended:
            log.info("took up %d calls a previous run was following, and %d it saw end", len(saved), len(ended))
        # A call logged already is not logged again: the call log's linkedid guard sees to it.
        return [*events, *(CallEnded(summary) for summary in ended)]
    log.error("the calls a previous run was following are left to the channel list")
    return []


async def save_changes(tracker: CallTracker, journal: Journal, ended: dict[str, CallSummary]) -> bool:
    """Write what changed since the last save; False (and kept for the next try) when it failed.

    A call that ended is saved as its summary (from ``ended``, what the connector published), not dropped:
    it is forgotten only once the logger has written it, so a crash before that still logs it."""
    changes = tracker.take_changes()
    if not changes:
        return True
    rows: dict[str, dict[str, Any] | CallSummary | None] = {
        linkedid: state if state is not None else ended.get(linkedid) for linkedid, state in changes.items()}
    try:
        await journal.save(rows)
    except BaseException as exc:
        tracker.mark_changed(changes)  # cancelled or failed: the next save (or the one at close) writes them
        if not isinstance(exc, Exception):
            raise
        log.warning("%d calls going on could not be saved (%s); trying again", len(changes), exc)
        return False
    for linkedid in changes:
        ended.pop(linkedid, None)
    return True


async def keep_saving(tracker: CallTracker, journal: Journal, ended: dict[str, CallSummary], every: float) -> None:
    """Save the calls that changed every ``every`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(every)
        await save_changes(tracker, journal, ended)
