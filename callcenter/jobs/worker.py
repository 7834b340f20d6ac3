"""The worker: takes due jobs one at a time and runs each with the handler for its kind.

A handler is an async function of the job's payload. One that does CPU-bound work (a transcription) runs
it in a thread or a process of its own: the worker's loop keeps the job's lease renewed meanwhile. A
handler that raises fails the attempt with the exception as the reason (retried later, see
:mod:`callcenter.jobs.queue`); :class:`Permanent` fails the job at once, for input no retry can mend.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.db.engine import create_sessionmaker
from callcenter.jobs import queue
from callcenter.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Permanent(Exception):
    """A failure no retry can mend (a file that is not audio, a call deleted): the job fails at once."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    """Runs jobs of ``handlers``' kinds until :meth:`stop`; counts what it did."""

    def __init__(self, engine: AsyncEngine, handlers: Mapping[str, Handler], *, name: str | None = None,
                 lease: float = 60.0, poll: float = 1.0) -> None:
        self.sessions = create_sessionmaker(engine)
        self.handlers = dict(handlers)
        self.name = name or worker_name()
        self.lease = timedelta(seconds=lease)
        self.poll = poll
        self.done = self.failed = 0
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Finish the job in hand, then return from :meth:`run`."""
        self._stop.set()

    async def run(self) -> None:
        """Take and run jobs until stopped; a database that is away is waited for, not fatal."""
        while not self._stop.is_set():
            try:
                ran = await self.run_one()
            except (DBAPIError, OSError, TimeoutError) as exc:
                log.warning("job queue unreachable (%s: %s); trying again in %.0f s", type(exc).__name__, exc,
                            self.poll)
                ran = False
            if not ran:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.poll)

    async def run_one(self) -> bool:
        """Run the next due job, if any; whether there was one."""
        async with self.sessions() as db:
            given_up = await queue.give_up_abandoned(db)
            if given_up:
                log.warning("%d jobs failed: their worker stopped during their last attempt", given_up)
            job = await queue.claim(db, list(self.handlers), self.name, self.lease)
        if job is None:
            return False
        await self._run(job)
        return True

    async def _run(self, job: Job) -> None:
        keeper = asyncio.create_task(self._keep_lease(job.id), name=f"job-{job.id}-lease")
        try:
            await self.handlers[job.kind](dict(job.payload))
        except Exception as exc:  # noqa: BLE001  # any failure of the handler is the job's, recorded
            reason = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, Permanent):
                job.attempts = job.max_attempts
            async with self.sessions() as db:
                status = await queue.fail(db, job, self.name, reason)
            self.failed += 1
            log.warning("job %d (%s) attempt %d failed, now %s: %s", job.id, job.kind, job.attempts, status.value,
                        reason)
        else:
            async with self.sessions() as db:
                await queue.finish(db, job.id, self.name)
            self.done += 1
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.sessions() as db:
                    if not await queue.renew(db, job_id, self.name, self.lease):
                        log.warning("job %d is no longer this worker's (its lease ran out)", job_id)
                        return
            except Exception as exc:  # noqa: BLE001  # the next renewal tries again; the lease has slack
                log.warning("could not renew the lease of job %d: %s", job_id, exc)
