"""The job queue in the CRM's database: claimed once, retried, failed with a reason, taken again when its
worker stops, and never by two workers at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.db.base import utcnow
from callcenter.db.engine import create_sessionmaker
from callcenter.jobs import queue
from callcenter.jobs.worker import Permanent, Worker
from callcenter.models import Job
from callcenter.models.enums import JobStatus

LEASE = timedelta(seconds=60)


async def reload(db: AsyncSession, job_id: int) -> Job:
    job = await db.scalar(select(Job).where(Job.id == job_id).execution_options(populate_existing=True))
    assert job is not None
    return job


async def test_a_job_is_queued_once_per_key_claimed_once_and_finished(db: AsyncSession) -> None:
    first = await queue.enqueue(db, "transcribe", {"call_id": 1}, key="transcribe:call:1")
    again = await queue.enqueue(db, "transcribe", {"call_id": 1}, key="transcribe:call:1")
    await db.commit()
    assert first == again
    assert await queue.claim(db, ["report"], "w1", LEASE) is None  # another kind
    job = await queue.claim(db, ["transcribe"], "w1", LEASE)
    assert job is not None and job.id == first and job.status == JobStatus.RUNNING and job.attempts == 1
    assert job.worker == "w1" and job.lease_until is not None and job.payload == {"call_id": 1}
    assert await queue.claim(db, ["transcribe"], "w2", LEASE) is None  # held
    await queue.finish(db, first, "w1")
    done = await reload(db, first)
    assert done.status == JobStatus.DONE and done.finished_at is not None and done.lease_until is None


async def test_a_failed_attempt_is_retried_later_then_the_job_fails_with_its_reason(db: AsyncSession) -> None:
    job_id = await queue.enqueue(db, "transcribe", {}, max_attempts=2)
    await db.commit()
    job = await queue.claim(db, ["transcribe"], "w1", LEASE)
    assert job is not None
    assert await queue.fail(db, job, "w1", "RuntimeError: model missing") == JobStatus.QUEUED
    waiting = await reload(db, job_id)
    assert waiting.status == JobStatus.QUEUED and waiting.run_after > utcnow() + timedelta(seconds=20)
    assert await queue.claim(db, ["transcribe"], "w1", LEASE) is None  # not due yet
    waiting.run_after = utcnow() - timedelta(seconds=1)
    await db.commit()
    job = await queue.claim(db, ["transcribe"], "w1", LEASE)
    assert job is not None and job.attempts == 2
    assert await queue.fail(db, job, "w1", "RuntimeError: model missing") == JobStatus.FAILED
    failed = await reload(db, job_id)
    assert failed.status == JobStatus.FAILED and failed.last_error == "RuntimeError: model missing"
    assert failed.finished_at is not None
    assert queue.retry_delay(1) == timedelta(seconds=30) and queue.retry_delay(9) == timedelta(hours=1)


async def test_a_job_whose_worker_stopped_is_taken_again_once_its_lease_runs_out(db: AsyncSession) -> None:
    job_id = await queue.enqueue(db, "transcribe", {}, max_attempts=2)
    await db.commit()
    assert await queue.claim(db, ["transcribe"], "gone", timedelta(milliseconds=200)) is not None
    assert await queue.claim(db, ["transcribe"], "w2", LEASE) is None
    await asyncio.sleep(0.3)  # the first worker never renews: it stopped
    job = await queue.claim(db, ["transcribe"], "w2", timedelta(milliseconds=200))
    assert job is not None and job.id == job_id and job.attempts == 2 and job.worker == "w2"
    await queue.finish(db, job_id, "gone")  # the stopped worker's late word changes nothing
    assert (await reload(db, job_id)).status == JobStatus.RUNNING
    await asyncio.sleep(0.3)  # the second stops too, on the last attempt
    assert await queue.claim(db, ["transcribe"], "w3", LEASE) is None
    assert await queue.give_up_abandoned(db) == 1
    failed = await reload(db, job_id)
    assert failed.status == JobStatus.FAILED and "stopped" in failed.last_error


async def test_workers_side_by_side_never_take_the_same_job(db: AsyncSession, db_engine: AsyncEngine) -> None:
    for n in range(30):
        await queue.enqueue(db, "transcribe", {"n": n})
    await db.commit()
    sessions = create_sessionmaker(db_engine)
    taken: list[tuple[str, int]] = []

    async def drain(name: str) -> None:
        while True:
            async with sessions() as own:
                job = await queue.claim(own, ["transcribe"], name, LEASE)
            if job is None:
                return
            taken.append((name, int(job.payload["n"])))
            await asyncio.sleep(0)

    await asyncio.gather(*(drain(f"w{i}") for i in range(4)))
    assert sorted(n for _, n in taken) == list(range(30))


async def test_the_worker_runs_handlers_keeps_leases_and_records_failures(db: AsyncSession, db_engine: AsyncEngine) -> None:
    seen: list[Any] = []

    async def slow(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0.5)  # longer than the lease: the worker renews it meanwhile
        seen.append(payload["n"])

    async def broken(payload: dict[str, Any]) -> None:
        raise Permanent(f"not audio: {payload['file']}")

    for n in range(2):
        await queue.enqueue(db, "slow", {"n": n})
    bad = await queue.enqueue(db, "broken", {"file": "x.txt"})
    await db.commit()
    worker = Worker(db_engine, {"slow": slow, "broken": broken}, name="w1", lease=0.3, poll=0.05)
    rival = Worker(db_engine, {"slow": slow}, name="w2", lease=0.3, poll=0.05)
    running = [asyncio.create_task(worker.run()), asyncio.create_task(rival.run())]
    for _ in range(100):
        if worker.done + rival.done == 2 and worker.failed == 1:
            break
        await asyncio.sleep(0.05)
    worker.stop()
    rival.stop()
    await asyncio.wait_for(asyncio.gather(*running), 5)
    assert sorted(seen) == [0, 1]  # each ran once, although each outlived its first lease
    jobs = list(await db.scalars(select(Job).order_by(Job.id).execution_options(populate_existing=True)))
    assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE, JobStatus.FAILED]
    assert [j.attempts for j in jobs] == [1, 1, 1]
    assert jobs[2].id == bad and jobs[2].last_error == "Permanent: not audio: x.txt"
