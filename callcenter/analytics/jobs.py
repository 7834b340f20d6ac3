"""The client analytics as scheduled jobs: each worker queues them once a day (one job of each kind per day,
whoever queues it first): the classification over the last ``CALLCENTER_CLASSES_MONTHS`` whole months by
revenue, and the lifecycle stages by the manager's rules as of that day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.analytics.lifecycle import compute_stages
from callcenter.analytics.services import classify
from callcenter.auth.principal import SYSTEM
from callcenter.db.base import utcnow
from callcenter.jobs.queue import enqueue
from callcenter.settings import Settings

KIND = "analytics.classes"
STAGES_KIND = "analytics.stages"
EVERY_SECONDS = 3600.0  # looked at hourly; queued once a day


def whole_months(today: date, count: int) -> tuple[date, date]:
    """The ``count`` whole months before ``today``'s month."""
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, last


async def queue_classification(sessions: async_sessionmaker[AsyncSession], settings: Settings,
                               now: datetime | None = None) -> None:
    today = (now or utcnow()).astimezone(ZoneInfo(settings.time_zone)).date()
    async with sessions() as db:
        for kind in (KIND, STAGES_KIND):
            await enqueue(db, kind, {"day": today.isoformat()}, key=f"{kind}:{today.isoformat()}", max_attempts=2)
        await db.commit()


def classification_handler(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Any:
    async def run(payload: dict[str, Any]) -> None:
        first, last = whole_months(date.fromisoformat(str(payload["day"])), settings.classes_months)
        async with sessions() as db:
            await classify(db, SYSTEM, first=first, last=last)

    return run


def stages_handler(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Any:
    async def run(payload: dict[str, Any]) -> None:
        async with sessions() as db:
            await compute_stages(db, SYSTEM, today=date.fromisoformat(str(payload["day"])), zone=settings.time_zone)

    return run
