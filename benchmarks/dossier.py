"""Dossier by phone on PostgreSQL with a million clients: the product's path beside one hand-written query.

    .venv/bin/python benchmarks/dossier.py [--clients 1000000] [--phones 1500000] [--lookups 10000]
        [--database-url postgresql://postgres@127.0.0.1/postgres] [--keep | --reuse NAME]

Creates its own database on the server, migrates it, loads the clients with the demo seeder (COPY
through asyncpg), vacuums and analyzes, then looks up random numbers (hits and misses, written in any
form) every way, interleaved in random order, after a warm-up, and prints the latency percentiles side
by side: the product's path (as the screen-pop runs it: one statement in autocommit on the lookup
engine, whose pool skips the pre-ping and retries once on a dead connection), the hand-written query, the service alone on a session already open, and the service
in a transactional session as a web request runs it (two more round trips: BEGIN and ROLLBACK). Every
lookup's answers are compared, so the yardstick really returns the same dossier.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from dossier_sql import comparable, handwritten_dossier
from sqlalchemy.engine import make_url

from callcenter.auth.principal import SYSTEM
from callcenter.db.engine import create_engine, create_lookup_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.dossier.services import dossier_by_phone, lookup_dossier
from callcenter.phones import to_e164
from callcenter.seeding import Profile, seed_demo
from callcenter.seeding.identity import mobile_e164, written

TARGET_P99_MS = 5.0
TARGET_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class Database:
    name: str
    sqlalchemy_url: str
    dsn: str


def _dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def create_database(server_url: str) -> Database:
    name = f"cc_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(_dsn(server_url, make_url(server_url).database or "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=name)
    return Database(name, url.render_as_string(hide_password=False), _dsn(server_url, name))


def kept_database(server_url: str, name: str) -> Database:
    """A database kept by an earlier run (``--keep``), on the same server."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=name)
    return Database(name, url.render_as_string(hide_password=False), _dsn(server_url, name))


async def drop_database(server_url: str, db: Database) -> None:
    admin = await asyncpg.connect(_dsn(server_url, make_url(server_url).database or "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
    finally:
        await admin.close()


async def load(db: Database, clients: int, phones: int, history_share: float) -> None:
    started = time.perf_counter()
    await upgrade(db.sqlalchemy_url)
    engine = create_engine(db.sqlalchemy_url)
    try:
        profile = Profile(extra_phones=max(0.0, phones / clients - 1), history_share=history_share)
        report = await seed_demo(engine, clients=clients, profile=profile, progress=True)
    finally:
        await engine.dispose()
    print(f"loaded in {time.perf_counter() - started:.0f} s: " + ", ".join(f"{k} {v}" for k, v in report.rows.items()))
    started = time.perf_counter()
    conn = await asyncpg.connect(db.dsn)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    print(f"vacuum analyze: {time.perf_counter() - started:.0f} s")


async def sample_numbers(db: Database, lookups: int, hit_share: float, rng: random.Random) -> list[tuple[str, bool]]:
    """(number as written, expected hit) pairs: stored numbers re-written in any form, and unknown numbers."""
    conn = await asyncpg.connect(db.dsn)
    try:
        top = await conn.fetchval("SELECT max(id) FROM phones")
        hits = round(lookups * hit_share)
        rows = await conn.fetch("SELECT raw, e164 FROM phones WHERE id = ANY($1::bigint[])",
                                rng.sample(range(1, top + 1), hits))
        # Phone ids past the last one map to numbers no row has (see callcenter.seeding.identity).
        misses = [mobile_e164(rng, top + 1 + i) for i in range(lookups - hits)]
        taken = {r["e164"] for r in await conn.fetch("SELECT e164 FROM phones WHERE e164 = ANY($1::text[])", misses)}
    finally:
        await conn.close()
    numbers = [(r["raw"] if rng.random() < 0.5 else written(rng, r["e164"]), True) for r in rows]
    numbers += [(written(rng, e164), False) for e164 in misses if e164 not in taken]
    rng.shuffle(numbers)
    return numbers


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": ordered[-1] / 1e6}


async def measure(db: Database, numbers: list[tuple[str, bool]], warmup: int, rng: random.Random) -> None:
    engine = create_engine(db.sqlalchemy_url)
    lookup_engine = create_lookup_engine(db.sqlalchemy_url)
    sessions = create_sessionmaker(engine)
    conn = await asyncpg.connect(db.dsn)

    async def product(raw: str) -> dict[str, Any] | None:
        # As the screen-pop does it: the number normalised, then one statement on the lookup engine.
        return await lookup_dossier(lookup_engine, SYSTEM, to_e164(raw))

    async def in_transaction(raw: str) -> dict[str, Any] | None:
        # As a web request does it: a transactional session (BEGIN, ROLLBACK) of its own.
        async with sessions() as session:
            return await dossier_by_phone(session, SYSTEM, to_e164(raw))

    shared = sessions()

    async def service_only(raw: str) -> dict[str, Any] | None:
        # The service alone, on a session already open: what the product adds beyond session set-up.
        return await dossier_by_phone(shared, SYSTEM, to_e164(raw))

    async def handwritten(raw: str) -> dict[str, Any] | None:
        return await handwritten_dossier(conn, to_e164(raw))

    paths = {
        "product": product,
        "hand-written": handwritten,
        "service only": service_only,
        "in transaction": in_transaction,
    }
    timings: dict[str, list[int]] = {name: [] for name in paths}
    mismatches = hits = 0
    try:
        for i, (raw, expected_hit) in enumerate(numbers):
            answers: dict[str, Any] = {}
            order = list(paths)
            rng.shuffle(order)
            for name in order:
                started = time.perf_counter_ns()
                answers[name] = await paths[name](raw)
                elapsed = time.perf_counter_ns() - started
                if i >= warmup:
                    timings[name].append(elapsed)
            if i >= warmup:
                hits += answers["product"] is not None
                expected = comparable(answers["hand-written"])
                if any(comparable(answer) != expected for answer in answers.values()) or (
                    (answers["product"] is not None) != expected_hit
                ):
                    mismatches += 1
    finally:
        await shared.close()
        await conn.close()
        await engine.dispose()
        await lookup_engine.dispose()
    report(timings, hits, len(numbers) - warmup, mismatches)


def report(timings: dict[str, list[int]], hits: int, total: int, mismatches: int) -> None:
    print(f"\n{total} lookups: {hits} hits, {total - hits} misses; answers differing between the paths: {mismatches}")
    stats = {name: percentiles(samples) for name, samples in timings.items()}
    print(f"{'ms':<15}" + "".join(f"{k:>9}" for k in ("p50", "p90", "p99", "max")))
    for name, values in stats.items():
        print(f"{name:<15}" + "".join(f"{v:>9.3f}" for v in values.values()))
    ratios = {k: stats["product"][k] / stats["hand-written"][k] for k in stats["product"]}
    print(f"{'ratio':<14}" + "".join(f"{v:>9.2f}" for v in ratios.values()) + "   (product / hand-written)")
    p99 = stats["product"]["p99"]
    print(f"\ntarget: product p99 < {TARGET_P99_MS} ms: {'met' if p99 < TARGET_P99_MS else 'MISSED'} ({p99:.3f} ms); "
          f"within {TARGET_RATIO}x of hand-written at p99: {'met' if ratios['p99'] <= TARGET_RATIO else 'MISSED'} "
          f"({ratios['p99']:.2f}x)")


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    if args.reuse:
        db = kept_database(args.database_url, args.reuse)
    else:
        db = await create_database(args.database_url)
    print(f"database {db.name}")
    try:
        if not args.reuse:
            await load(db, args.clients, args.phones, args.history_share)
        # The warm-up uses numbers of its own, so the measured ones are not found hot in the cache because of it.
        numbers = await sample_numbers(db, args.lookups + args.warmup, args.hit_share, rng)
        await measure(db, numbers, args.warmup, rng)
    finally:
        if args.keep or args.reuse:
            print(f"kept: {db.name}")
        else:
            await drop_database(args.database_url, db)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=1_500_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=1_000, help="Lookups run first and not counted.")
    parser.add_argument("--hit-share", type=float, default=0.8, help="Share of lookups for numbers that exist.")
    parser.add_argument("--history-share", type=float, default=0.2, help="Share of clients with a history.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/postgres",
                        help="A PostgreSQL server (any database on it); the benchmark creates its own database.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", metavar="NAME", help="Measure on a database kept by an earlier run (no load).")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
