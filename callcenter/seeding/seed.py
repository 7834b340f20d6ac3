"""``seed_demo``: realistic demo data in bulk, fast enough for a hundred thousand clients."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm import tqdm

from callcenter import audit
from callcenter.auth.principal import SYSTEM
from callcenter.db.base import utcnow
from callcenter.db.session import unit_of_work
from callcenter.seeding.batch import TABLES, Context, NextIds, Profile
from callcenter.seeding.campaigns import ensure_demo_campaign
from callcenter.seeding.catalogues import ensure_catalogues
from callcenter.seeding.producer import PROCESS_THRESHOLD, Producer
from callcenter.seeding.users import ensure_demo_users
from callcenter.seeding.writer import bulk_connection, next_ids, write_batch

BATCH_CLIENTS = 2000


@dataclass(slots=True)
class SeedReport:
    """What a seeding run wrote."""

    rows: dict[str, int] = field(default_factory=lambda: {name: 0 for name in TABLES})
    users_created: tuple[str, ...] = ()
    seconds: float = 0.0

    def add(self, counts: dict[str, int]) -> None:
        for name, count in counts.items():
            self.rows[name] += count

    def lines(self) -> list[str]:
        """A human summary, one table per line."""
        out = [f"{name}: {count}" for name, count in self.rows.items()]
        if self.users_created:
            out.append("users created: " + ", ".join(self.users_created))
        out.append(f"took {self.seconds:.1f} s")
        return out


async def seed_demo(
    engine: AsyncEngine, *, clients: int, seed: int = 1, progress: bool = True, region: str = "RU",
    profile: Profile = Profile(),
) -> SeedReport:
    """Add ``clients`` demo clients with contacts, history, tasks, deals, sales and claims.

    Demo users and the default catalogues are created first if missing. Rows get ids after the highest
    in use, so running it again adds more; run it while nothing else writes clients or their history.
    Numbers are Russian; ``region`` is the default region they will be read with (outside ``RU`` their
    raw forms all start with ``+7``).
    """
    started = time.perf_counter()
    team = await ensure_demo_users(engine)
    async with engine.begin() as conn:
        dispositions, stages = await ensure_catalogues(conn)
        ids = await next_ids(conn)
    ctx = Context(
        now=utcnow(), operator_ids=team.operator_ids, extensions=team.extensions, creator_ids=team.creator_ids,
        dispositions=dispositions, stages=stages, profile=profile, region=region.upper(),
    )
    report = SeedReport(users_created=team.created)
    with tqdm(total=clients, unit="client", disable=not progress, desc="seeding") as bar:
        async with bulk_connection(engine) as conn:
            await _run(conn, ctx, ids, clients, seed, report, bar)
    async with unit_of_work(engine) as db:
        audit.record(db, SYSTEM, "seed", "client", None, {"seed": seed, **report.rows})
        await db.commit()
    await ensure_demo_campaign(engine)
    report.seconds = time.perf_counter() - started
    return report


async def _run(
    conn: AsyncConnection, ctx: Context, ids: NextIds, clients: int, seed: int,
    report: SeedReport, bar: tqdm,  # type: ignore[type-arg]
) -> None:
    sizes = [min(BATCH_CLIENTS, clients - start) for start in range(0, clients, BATCH_CLIENTS)]
    if not sizes:
        return
    in_process = clients >= PROCESS_THRESHOLD
    async with Producer(ctx, seed, conn.dialect, conn.engine.url.drivername, in_process=in_process) as producer:
        pending = producer.prepare(ids, sizes[0])
        for i in range(len(sizes)):
            encoded = await pending
            if i + 1 < len(sizes):
                pending = producer.prepare(encoded.next_ids, sizes[i + 1])
            await write_batch(conn, encoded)
            report.add(encoded.counts)
            bar.update(sizes[i])
