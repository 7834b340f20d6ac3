"""Deleting recordings older than the retention setting, keeping the calls, their results and reviews.

A round takes the oldest calls whose audio is still kept and started before the cutoff, a few hundred
at a time, deletes their files (those found in the recordings folder; one that never arrived has nothing
to delete) and marks them ``recording_deleted_at``. It runs every hour beside the call logger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter import periodic
from callcenter.db.base import utcnow
from callcenter.db.engine import create_sessionmaker
from callcenter.models import Call
from callcenter.recordings.files import locate
from callcenter.settings import Settings

log = logging.getLogger(__name__)

BATCH = 500


def _delete(folder: Path, recorded: str) -> bool:
    path = locate(folder, recorded)
    if path is None:
        return False
    path.unlink(missing_ok=True)
    return True


async def delete_old_recordings(db: AsyncSession, folder: Path, *, now: datetime, days: int) -> int:
    """Delete the recordings of calls started over ``days`` days before ``now``; how many calls. Commits."""
    deleted = 0
    while True:
        rows = list(await db.execute(
            select(Call.id, Call.recording_path, Call.recording_in_path, Call.recording_out_path)
            .where(Call.recording_path.is_not(None), Call.recording_deleted_at.is_(None),
                   Call.started_at < now - timedelta(days=days))
            .order_by(Call.started_at).limit(BATCH)
        ))
        if not rows:
            return deleted
        for _call_id, *recorded in rows:
            for name in filter(None, recorded):  # the mixed file and each direction's own
                # File system work, possibly on a network mount: off the event loop.
                await asyncio.to_thread(_delete, folder, name)
        await db.execute(update(Call).where(Call.id.in_([row[0] for row in rows]))
                         .values(recording_deleted_at=now).execution_options(synchronize_session=False))
        await db.commit()
        deleted += len(rows)


def recordings_retention(engine: AsyncEngine, settings: Settings, *,
                         every: float = 3600.0) -> contextlib.AbstractAsyncContextManager[object]:
    """Apply ``CALLCENTER_RECORDINGS_RETENTION_DAYS`` now and every ``every`` seconds; nothing when it is 0."""
    if not settings.recordings_retention_days:
        return contextlib.nullcontext()
    sessions = create_sessionmaker(engine)

    async def sweep() -> None:
        async with sessions() as db:
            deleted = await delete_old_recordings(db, settings.resolved_recordings_dir, now=utcnow(),
                                                  days=settings.recordings_retention_days)
        if deleted:
            log.info("deleted the recordings of %d calls older than %d days", deleted,
                     settings.recordings_retention_days)

    return periodic.every(every, sweep, name="deleting old recordings")
