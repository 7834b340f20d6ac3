"""Call logging throughput: finished calls handed to the call logger, written to PostgreSQL.

    .venv/bin/python benchmarks/call_logging.py [--calls 3000] [--writers 1,4] [--clients 20000]
        [--rate 0] [--linger S] [--hit-share 0.8] [--database-url postgresql://postgres@127.0.0.1/postgres] [--keep | --reuse NAME]
        [--profile FILE]

Every call is a missed inbound call (busy, as ``benchmarks/screen_pop.py`` rings them), the heaviest kind
to log: an interaction, a call row, a callback task (or a line added to the client's open one) and audit
entries. Callers are numbers of the base (``--hit-share``) and unknown numbers, as in the screen-pop
benchmark; the database is made and loaded as ``benchmarks/dossier.py`` does it (``--reuse`` takes one kept
earlier, the screen-pop benchmark's million clients for instance).

For each number of writers in ``--writers`` the calls are handed over at once, the way a burst arrives
(or ``--rate`` a second, the way a PBX ends them), and the logger writes them: printed are calls per
second, calls per transaction, and the CPU per call of this process (the logger's Python side) and of the
database's server processes. ``--profile`` writes a cProfile of the
last run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dossier import Database, create_database, drop_database, kept_database, load
from screen_pop import backends, callers, cpu_seconds

from callcenter.calls.events import CallEnded, CallSummary
from callcenter.calls.logger import CallLogger, writer_engine
from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.models.enums import CallOutcome, Direction


def missed_calls(numbers: list[str], run: str) -> list[CallSummary]:
    """One busy inbound call per number, a second apart."""
    start = datetime.now(UTC) - timedelta(hours=1)
    calls = []
    for n, number in enumerate(numbers):
        at = start + timedelta(seconds=n)
        calls.append(CallSummary(
            linkedid=f"bench-{run}-{n}", direction=Direction.INBOUND, caller=number, callee="5000", queue=None,
            offered_to=("PJSIP/5000",), answered_by=None, started_at=at, answered_at=None,
            ended_at=at + timedelta(seconds=2), ring_seconds=2, wait_seconds=None, talk_seconds=None,
            hangup_cause=17, outcome=CallOutcome.BUSY,
        ))
    return calls


async def run(db: Database, numbers: list[str], writers: int, rate: float, linger: float | None,
              profile: cProfile.Profile | None) -> dict[str, float]:
    base = create_engine(db.sqlalchemy_url)
    engine = writer_engine(base, writers)
    sessions = create_sessionmaker(engine)
    logger = (CallLogger(sessions, "RU", writers=writers) if linger is None
              else CallLogger(sessions, "RU", writers=writers, linger=linger))
    calls = missed_calls(numbers, uuid.uuid4().hex[:8])
    try:
        pids, _ = await backends(db)
        server_before = sum(cpu_seconds(p) for p in pids)
        own_before = time.process_time()
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        for n, summary in enumerate(calls):
            if rate:  # evenly spaced, as a PBX ends them
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            await logger(CallEnded(summary))
        await logger.close(timeout=3600)
        if profile is not None:
            profile.disable()
        elapsed = time.perf_counter() - started
        own = time.process_time() - own_before
        pids, _ = await backends(db)
        server = sum(cpu_seconds(p) for p in pids) - server_before
    finally:
        await engine.dispose()
        await base.dispose()
    return {"calls": len(calls), "logged": logger.logged, "rate": len(calls) / elapsed,
            "batch": len(calls) / max(1, logger.batches),
            "own_ms": own / len(calls) * 1e3, "server_ms": server / len(calls) * 1e3}


def report(results: dict[int, dict[str, float]]) -> None:
    columns = list(results)
    print(f"{'writers':<34}" + "".join(f"{w:>12}" for w in columns))
    rows = [("calls handed over", "calls", "{:,.0f}"), ("calls logged", "logged", "{:,.0f}"),
            ("calls logged per second", "rate", "{:,.0f}"),
            ("calls written per transaction", "batch", "{:.1f}"), ("CPU per call, logger ms", "own_ms", "{:.2f}"),
            ("CPU per call, PostgreSQL ms", "server_ms", "{:.2f}")]
    for label, key, form in rows:
        print(f"{label:<34}" + "".join(f"{form.format(results[w][key]):>12}" for w in columns))


async def main(args: argparse.Namespace) -> None:
    if args.reuse:
        db = kept_database(args.database_url, args.reuse)
    else:
        db = await create_database(args.database_url)
    print(f"database {db.name}")
    try:
        if args.reuse:
            await upgrade(db.sqlalchemy_url)
        else:
            await load(db, args.clients, round(args.clients * 1.5), 0.3)
        numbers = await callers(db, args.calls, args.hit_share, random.Random(args.seed))
        profile = cProfile.Profile() if args.profile else None
        results = {}
        for writers in args.writers:
            last = writers == args.writers[-1]
            results[writers] = await run(db, numbers, writers, args.rate, args.linger, profile if last else None)
        report(results)
        if profile is not None:
            profile.dump_stats(args.profile)
    finally:
        if args.keep or args.reuse:
            print(f"kept: {db.name}")
        else:
            await drop_database(args.database_url, db)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--writers", type=lambda v: [int(x) for x in v.split(",")], default=[1, 4])
    parser.add_argument("--rate", type=float, default=0.0,
                        help="Calls handed over per second, evenly spaced; 0 (the default) hands them all at once.")
    parser.add_argument("--linger", type=float, default=None,
                        help="Seconds a writer waits for more calls before a transaction (default: the logger's).")
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--hit-share", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", metavar="NAME", help="Measure on a database kept by an earlier run (no load).")
    parser.add_argument("--profile", metavar="FILE", help="Write a cProfile of the last run here.")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
