"""Producing encoded batches off the event loop, overlapped with writing the previous batch.

Generation and encoding are pure Python and hold the GIL, so a thread overlaps them only with the
database's own C code. For large runs a second process does them instead, on its own core; its
start-up (a second interpreter importing the models and Faker) is worth it only then.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from types import TracebackType

from sqlalchemy.engine import URL, Dialect

from callcenter.seeding.batch import Context, NextIds
from callcenter.seeding.generate import generate_batch
from callcenter.seeding.pools import Pools, build_pools
from callcenter.seeding.writer import Encoded, encode_batch

PROCESS_THRESHOLD = 20_000

# Per worker process: the pools are drawn once and the dialect built once, not sent with every batch.
_pools: Pools | None = None
_dialect: Dialect | None = None


def _init_worker(seed: int, drivername: str) -> None:
    global _pools, _dialect
    _pools = build_pools(seed)
    _dialect = URL.create(drivername).get_dialect()()


def _prepare_in_worker(ctx: Context, ids: NextIds, count: int, seed: int) -> Encoded:
    assert _pools is not None and _dialect is not None
    return encode_batch(generate_batch(ctx, _pools, ids, count, seed), _dialect)


class Producer:
    """``async with Producer(...) as p: await p.prepare(ids, count)``."""

    def __init__(self, ctx: Context, seed: int, dialect: Dialect, drivername: str, *, in_process: bool) -> None:
        self._ctx = ctx
        self._seed = seed
        self._dialect = dialect
        self._executor: Executor
        self._pools: Future[Pools] | None = None
        if in_process:
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker, initargs=(seed, drivername),
            )
        else:
            self._executor = ThreadPoolExecutor(max_workers=1)
            # One worker runs jobs in order, so the pools are ready before the first batch needs them.
            self._pools = self._executor.submit(build_pools, seed)

    async def __aenter__(self) -> Producer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Waits for a batch still being made, so no worker outlives the run.
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)

    def _prepare_here(self, ids: NextIds, count: int) -> Encoded:
        assert self._pools is not None
        return encode_batch(generate_batch(self._ctx, self._pools.result(), ids, count, self._seed), self._dialect)

    def prepare(self, ids: NextIds, count: int) -> asyncio.Future[Encoded]:
        """Start making the batch of ``count`` clients whose ids start at ``ids``."""
        if self._pools is None:
            job = self._executor.submit(_prepare_in_worker, self._ctx, ids, count, self._seed)
        else:
            job = self._executor.submit(self._prepare_here, ids, count)
        return asyncio.wrap_future(job, loop=asyncio.get_running_loop())
