"""The rollup as a job: queued every few minutes by each worker (one job per time slot, whoever queues it
first) and run by whichever worker claims it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db.base import utcnow
from callcenter.jobs.queue import enqueue
from callcenter.metrics.rollup import roll_up
from callcenter.settings import Settings

KIND = "metrics.rollup"
EVERY_SECONDS = 300


def key(zone: str, now: datetime) -> str:
    """One job per zone and five-minute slot: workers queueing it at once find the first one."""
    return f"{KIND}:{zone}:{int(now.timestamp()) // EVERY_SECONDS}"


async def queue_rollup(sessions: async_sessionmaker[AsyncSession], zone: str) -> None:
    async with sessions() as db:
        now = utcnow()
        await enqueue(db, KIND, {"zone": zone}, key=key(zone, now), max_attempts=2)
        await db.commit()


def rollup_handler(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Any:
    """The worker's handler for :data:`KIND` jobs."""

    async def run(payload: dict[str, Any]) -> None:
        async with sessions() as db:
            await roll_up(db, str(payload.get("zone") or settings.time_zone), now=utcnow())

    return run
