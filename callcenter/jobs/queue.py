"""The job queue's operations, each one statement and a commit: enqueue, claim, renew, finish, fail.

A job is claimed by flipping it to ``running`` with a lease, in one ``UPDATE ... WHERE id = (SELECT ...
FOR UPDATE SKIP LOCKED) RETURNING``: on PostgreSQL two workers never take the same job and never wait
for each other; SQLite, which has one writer at a time, makes the statement atomic by itself. A worker
renews its lease while the job runs; one that stops without a word lets the lease run out, and the job
is claimed again, as a new attempt. A failure is retried after a growing pause until ``max_attempts``,
then the job stays ``failed`` with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db.base import utcnow
from callcenter.models import Job
from callcenter.models.enums import JobStatus


def retry_delay(attempts: int) -> timedelta:
    """The pause before attempt ``attempts + 1``: 30 s, 2 min, 8 min, ... at most an hour."""
    return timedelta(seconds=min(3600, 30 * 4 ** max(0, attempts - 1)))


async def enqueue(db: AsyncSession, kind: str, payload: dict[str, Any], *, key: str | None = None,
                  run_after: datetime | None = None, max_attempts: int = 3) -> int:
    """Queue a job (in the caller's transaction, which commits it); with ``key``, at most one job per key."""
    if key is not None:
        found = await db.scalar(select(Job.id).where(Job.key == key))
        if found is not None:
            return int(found)
    job = Job(kind=kind, key=key, payload=payload, run_after=run_after or utcnow(), max_attempts=max_attempts,
              status=JobStatus.QUEUED)
    try:
        async with db.begin_nested():
            db.add(job)
    except IntegrityError:  # the same key queued meanwhile by another transaction
        found = await db.scalar(select(Job.id).where(Job.key == key))
        if found is None:
            raise
        return int(found)
    return int(job.id)


async def enqueue_new(db: AsyncSession, kind: str, jobs: list[tuple[str, dict[str, Any]]], *,
                      max_attempts: int = 3) -> None:
    """Queue jobs whose keys are new (for rows made in this transaction) in one statement; a key taken
    after all fails the transaction on the unique key."""
    if jobs:
        now = utcnow()
        await db.execute(insert(Job), [
            {"kind": kind, "key": key, "payload": payload, "status": JobStatus.QUEUED, "attempts": 0,
             "max_attempts": max_attempts, "run_after": now, "last_error": ""} for key, payload in jobs
        ])


def _claimable(kinds: Sequence[str], now: datetime) -> Any:
    ready = and_(Job.status == JobStatus.QUEUED, Job.run_after <= now)
    abandoned = and_(Job.status == JobStatus.RUNNING, Job.lease_until < now, Job.attempts < Job.max_attempts)
    return (select(Job.id).where(Job.kind.in_(kinds), or_(ready, abandoned))
            .order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True))


async def claim(db: AsyncSession, kinds: Sequence[str], worker: str, lease: timedelta) -> Job | None:
    """Take the next job of these kinds that is due (or whose worker's lease ran out); commits."""
    now = utcnow()
    claimed = await db.scalar(
        update(Job).where(Job.id == _claimable(kinds, now).scalar_subquery())
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, worker=worker[:100], lease_until=now + lease,
                updated_at=now)
        .returning(Job).execution_options(synchronize_session=False, populate_existing=True)
    )
    await db.commit()
    return claimed


async def renew(db: AsyncSession, job_id: int, worker: str, lease: timedelta) -> bool:
    """Extend the lease of a job this worker still holds; False when it holds it no more."""
    result = await db.execute(
        update(Job).where(Job.id == job_id, Job.worker == worker[:100], Job.status == JobStatus.RUNNING)
        .values(lease_until=utcnow() + lease).execution_options(synchronize_session=False)
    )
    await db.commit()
    return bool(getattr(result, "rowcount", 0))


async def finish(db: AsyncSession, job_id: int, worker: str) -> None:
    now = utcnow()
    await db.execute(
        update(Job).where(Job.id == job_id, Job.worker == worker[:100], Job.status == JobStatus.RUNNING)
        .values(status=JobStatus.DONE, lease_until=None, finished_at=now, last_error="", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await db.commit()


async def fail(db: AsyncSession, job: Job, worker: str, reason: str) -> JobStatus:
    """Record a failed attempt: queued again after :func:`retry_delay`, or failed for good; which."""
    now = utcnow()
    final = job.attempts >= job.max_attempts
    status = JobStatus.FAILED if final else JobStatus.QUEUED
    await db.execute(
        update(Job).where(Job.id == job.id, Job.worker == worker[:100], Job.status == JobStatus.RUNNING)
        .values(status=status, lease_until=None, last_error=reason[:4000], updated_at=now,
                run_after=now if final else now + retry_delay(job.attempts), finished_at=now if final else None)
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    return status


async def give_up_abandoned(db: AsyncSession) -> int:
    """Fail the jobs whose workers stopped on their last attempt (lease run out, no attempt left); how many."""
    now = utcnow()
    result = await db.execute(
        update(Job).where(Job.status == JobStatus.RUNNING, Job.lease_until < now, Job.attempts >= Job.max_attempts)
        .values(status=JobStatus.FAILED, lease_until=None, finished_at=now, updated_at=now,
                last_error="the worker running its last attempt stopped before it finished")
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    return int(getattr(result, "rowcount", 0) or 0)
