"""The operator table on PostgreSQL with 5,000,000 calls and interactions: the product beside one hand-written query.

    .venv/bin/python benchmarks/metrics.py [--contacts 5000000] [--operators 200] [--runs 7]
        [--database-url postgresql://postgres@127.0.0.1/postgres] [--keep | --reuse NAME]

Creates its own database, migrates it, and fills a year (2025-12-01 to 2026-11-30) of contacts by SQL on
the server: 200 operators in 10 teams, 50,000 clients, 90% of the contacts calls (inbound and outbound,
answered, not answered, busy, transferred; talk, wait, ring and wrap-up times), the rest meetings and
e-mails; results from a catalogue where two of five count as a result; open callbacks, some overdue; 80,000
deals in the default funnel's four open stages, a fifth won and a fifth lost over the year (the pipeline and the
deals columns read them). Then
vacuums and analyzes, runs the rollup the worker runs every five minutes (timed), and times, after a
warm-up, the operator table for one month (November 2026) and for the whole year, as
``GET /api/metrics/operators`` computes it (``operator_table``, from the kept days), beside one hand-written
SQL query computing the same per-operator figures from the contacts; every run's figures are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from dossier import Database, create_database, drop_database, kept_database

from callcenter.db.engine import create_engine, create_sessionmaker
from callcenter.db.migrate import upgrade
from callcenter.metrics.operators import operator_table
from callcenter.metrics.period import Period
from callcenter.metrics.rollup import roll_up

TARGET_MONTH_MS = 300.0
YEAR = (date(2025, 12, 1), date(2026, 11, 30))
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

FILL = """
INSERT INTO teams (name, created_at, updated_at)
SELECT 'Team ' || t, now(), now() FROM generate_series(1, 10) t;
INSERT INTO users (login, password_hash, full_name, role, is_active, extension, team_id, created_at, updated_at)
SELECT 'op' || lpad(u::text, 3, '0'), 'x', 'Operator ' || u, 'operator', true, (1000 + u)::text,
       (SELECT min(id) FROM teams) + (u - 1) % 10, now(), now()
FROM generate_series(1, $operators) u;
INSERT INTO dispositions (code, name, counts_as_result, is_active, sort_order)
SELECT 'b' || d, 'Result ' || d, d <= 2, true, d FROM generate_series(1, 5) d;
INSERT INTO clients (kind, name, name_search, name_key, addresses, notes, custom, stage, owner_id, created_at, updated_at)
SELECT 'company', 'Client ' || c, 'client ' || c, 'client ' || c, '[]', '', '{}', 'regular',
       (SELECT min(id) FROM users) + c % $operators, timestamptz '2025-12-01' + (c % 365) * interval '1 day', now()
FROM generate_series(1, 50000) c;
CREATE TEMP TABLE fill AS
SELECT g,
       timestamptz '2025-12-01 00:00+00' + (g::float8 / $contacts) * interval '365 days'
           + ((g * 7919) % 600) * interval '1 second' AS occurred_at,
       (SELECT min(id) FROM users) + (g * 31) % $operators AS user_id,
       CASE WHEN g % 17 = 0 THEN NULL ELSE (SELECT min(id) FROM clients) + (g * 131) % 50000 END AS client_id,
       CASE WHEN g % 10 = 0 THEN (CASE WHEN g % 20 = 0 THEN 'meeting' ELSE 'email' END) ELSE 'call' END AS kind,
       CASE WHEN g % 7 < 5 THEN (SELECT min(id) FROM dispositions) + (g * 13) % 5 END AS disposition_id,
       CASE g % 3 WHEN 0 THEN 'outbound' ELSE 'inbound' END AS direction,
       CASE WHEN g % 11 = 0 THEN 'no_answer' WHEN g % 23 = 0 THEN 'busy' WHEN g % 29 = 0 THEN 'transferred'
            ELSE 'answered' END AS outcome
FROM generate_series(1::bigint, $contacts) g;
INSERT INTO interactions (id, kind, direction, status, subject, occurred_at, duration_seconds, user_id, client_id,
                          disposition_id, notes, created_at, updated_at)
SELECT g, kind, CASE WHEN kind = 'call' THEN direction END, 'done', '', occurred_at,
       CASE WHEN kind = 'call' AND outcome IN ('answered', 'transferred') THEN 20 + (g * 37) % 400 END,
       user_id, client_id, disposition_id, '', occurred_at, occurred_at
FROM fill;
INSERT INTO calls (interaction_id, linkedid, direction, caller, callee, queue, operator_id, started_at, answered_at,
                   ended_at, ring_seconds, wait_seconds, talk_seconds, outcome, times_approximate, wrapup_seconds,
                   result_at, result_missing)
SELECT g, 'bench-' || g, direction, '+7913' || lpad((g % 10000000)::text, 7, '0'), '100',
       CASE WHEN direction = 'inbound' THEN 'support' END,
       CASE WHEN outcome IN ('answered', 'transferred') THEN user_id END,
       occurred_at,
       CASE WHEN outcome IN ('answered', 'transferred') THEN occurred_at + ((g % 30) + 2) * interval '1 second' END,
       occurred_at + ((g % 30) + 22 + (g * 37) % 400) * interval '1 second',
       (g % 30) + 2,
       CASE WHEN direction = 'inbound' THEN g % 45 END,
       CASE WHEN outcome IN ('answered', 'transferred') THEN 20 + (g * 37) % 400 END,
       outcome, false,
       CASE WHEN outcome IN ('answered', 'transferred') AND disposition_id IS NOT NULL THEN 5 + g % 90 END,
       CASE WHEN outcome IN ('answered', 'transferred') AND disposition_id IS NOT NULL THEN occurred_at END,
       false
FROM fill WHERE kind = 'call';
SELECT setval('interactions_id_seq', (SELECT max(id) FROM interactions));
INSERT INTO tasks (kind, title, description, owner_id, client_id, due_at, status, origin, created_at, updated_at)
SELECT 'callback', 'Call back', '', (SELECT min(id) FROM users) + t % $operators,
       (SELECT min(id) FROM clients) + t % 50000,
       timestamptz '2026-11-01' + (t % 40) * interval '1 day', CASE WHEN t % 4 = 0 THEN 'done' ELSE 'open' END,
       'manual', now(), now()
FROM generate_series(1, 40000) t;
INSERT INTO deals (client_id, title, stage_id, status, amount, currency, owner_id, closed_at, lost_reason,
                   created_at, updated_at)
SELECT c.id, 'Deal ' || g.d, s.id, g.st, 1000 + (g.d * 37) % 9000, 'RUB', c.owner_id,
       CASE WHEN g.st <> 'open' THEN timestamptz '2025-12-01' + (g.d % 365) * interval '1 day' END, '', now(), now()
FROM (SELECT d, CASE d % 5 WHEN 0 THEN 'won' WHEN 1 THEN 'lost' ELSE 'open' END AS st
      FROM generate_series(1, 80000) d) g
JOIN clients c ON c.id = (SELECT min(id) FROM clients) + g.d % 50000
JOIN funnel_stages s ON s.code = CASE WHEN g.st <> 'open' THEN g.st
                                      ELSE (ARRAY['lead', 'qualified', 'proposal', 'negotiation'])[1 + g.d % 4] END;
"""

# The same figures in one statement, written by hand: the yardstick.
HANDWRITTEN = """
WITH c AS (
    SELECT i.user_id,
           count(*) AS contacts,
           count(*) FILTER (WHERE d.counts_as_result) AS result_contacts,
           count(i.client_id) AS client_contacts,
           count(DISTINCT i.client_id) AS clients,
           count(k.id) AS calls,
           count(*) FILTER (WHERE k.direction = 'inbound') AS calls_inbound,
           count(*) FILTER (WHERE k.direction = 'outbound') AS calls_outbound,
           count(*) FILTER (WHERE k.outcome IN ('answered', 'transferred')) AS calls_answered,
           count(*) FILTER (WHERE k.id IS NOT NULL AND (k.outcome IS NULL OR k.outcome NOT IN ('answered', 'transferred')))
               AS calls_missed,
           sum(k.talk_seconds) FILTER (WHERE k.outcome IN ('answered', 'transferred')) AS talk_total,
           avg(k.talk_seconds) FILTER (WHERE k.outcome IN ('answered', 'transferred')) AS talk_avg
    FROM interactions i
    LEFT JOIN calls k ON k.interaction_id = i.id
    LEFT JOIN dispositions d ON d.id = i.disposition_id
    WHERE i.occurred_at >= $1 AND i.occurred_at < $2 AND i.status = 'done' AND i.kind <> 'note'
      AND i.user_id IS NOT NULL
    GROUP BY i.user_id
), t AS (
    SELECT owner_id, count(*) AS tails FROM tasks
    WHERE kind = 'callback' AND status = 'open' AND due_at < $3 GROUP BY owner_id
)
SELECT u.login, c.contacts, c.calls_inbound, c.calls_outbound, c.calls_answered, c.calls_missed, c.talk_total,
       round(c.talk_avg, 1) AS talk_avg, round(c.result_contacts::numeric / nullif(c.contacts, 0), 4) AS result_rate,
       round(c.client_contacts::numeric / nullif(c.clients, 0), 2) AS contacts_per_client, coalesce(t.tails, 0) AS tails
FROM users u
LEFT JOIN c ON c.user_id = u.id
LEFT JOIN t ON t.owner_id = u.id
WHERE u.role IN ('operator', 'supervisor') AND u.is_active
ORDER BY u.login
"""


def _sql(operators: int, contacts: int) -> str:
    return FILL.replace("$operators", str(operators)).replace("$contacts", str(contacts))


async def load(db: Database, operators: int, contacts: int) -> None:
    started = time.perf_counter()
    await upgrade(db.sqlalchemy_url)
    conn = await asyncpg.connect(db.dsn)
    try:
        await conn.execute(_sql(operators, contacts))
        print(f"filled in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        print(f"vacuum analyze: {time.perf_counter() - started:.0f} s")
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("interactions", "calls", "users",
                                                                                   "deals")}
        print(", ".join(f"{t} {n:,}" for t, n in counts.items()))
    finally:
        await conn.close()


def _same(product: list[dict[str, Any]], handwritten: list[asyncpg.Record]) -> bool:
    ours = {r["operator"]: (r["contacts"], r["calls_inbound"], r["calls_outbound"], r["calls_answered"],
                            r["calls_missed"], r["talk_seconds_total"], r["talk_seconds_avg"], r["result_rate"],
                            r["contacts_per_client"], r["overdue_callbacks"]) for r in product}

    def num(value: Any) -> Any:
        return float(value) if isinstance(value, Decimal) else value

    theirs = {r["login"]: (r["contacts"] or 0, r["calls_inbound"] or 0, r["calls_outbound"] or 0,
                           r["calls_answered"] or 0, r["calls_missed"] or 0, int(r["talk_total"] or 0),
                           num(r["talk_avg"]), num(r["result_rate"]), num(r["contacts_per_client"]), r["tails"])
              for r in handwritten}
    return ours == theirs


async def keep_days(db: Database) -> None:
    """Migrate (a kept database may predate the rollup) and run the rollup as the worker's job does."""
    await upgrade(db.sqlalchemy_url)
    engine = create_engine(db.sqlalchemy_url)
    try:
        async with create_sessionmaker(engine)() as s:
            started = time.perf_counter()
            days = await roll_up(s, "UTC", now=datetime.now(UTC))
            print(f"rollup: {days} days kept in {time.perf_counter() - started:.1f} s (the job; the first run does "
                  "every day, later runs only the days whose contacts changed)")
        conn = await asyncpg.connect(db.dsn)
        try:
            await conn.execute("VACUUM (ANALYZE) metric_days, metric_day_clients")
        finally:
            await conn.close()
    finally:
        await engine.dispose()


async def measure(db: Database, runs: int, tails_days: int) -> None:
    engine = create_engine(db.sqlalchemy_url)
    sessions = create_sessionmaker(engine)
    conn = await asyncpg.connect(db.dsn)
    try:
        for label, (first, last) in (("one month", MONTH), ("whole year", YEAR)):
            period = Period.of(first, last)
            cutoff = NOW - timedelta(days=tails_days)
            product_ms, handwritten_ms = [], []
            same = True
            for run in range(runs + 1):  # the first of each is a warm-up
                started = time.perf_counter()
                async with sessions() as s:
                    rows = await operator_table(s, period, now=NOW, tails_days=tails_days)
                ours = (time.perf_counter() - started) * 1000
                started = time.perf_counter()
                records = await conn.fetch(HANDWRITTEN, period.start, period.end, cutoff)
                theirs = (time.perf_counter() - started) * 1000
                same = same and _same(rows, records)
                if run:
                    product_ms.append(ours)
                    handwritten_ms.append(theirs)
            contacts = sum(r["contacts"] for r in rows)
            print(f"{label} ({first} to {last}, {contacts:,} contacts, {len(rows)} operators), {runs} runs:")
            for name, ms in (("product (operator_table)", product_ms), ("one hand-written query", handwritten_ms)):
                print(f"  {name:<28} median {statistics.median(ms):8.1f} ms   best {min(ms):8.1f} ms   "
                      f"worst {max(ms):8.1f} ms")
            print(f"  same figures: {'yes' if same else 'NO'}")
            if label == "one month":
                verdict = "met" if statistics.median(product_ms) < TARGET_MONTH_MS else "NOT met"
                print(f"  target: a month under {TARGET_MONTH_MS:.0f} ms: {verdict}")
    finally:
        await conn.close()
        await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    db = kept_database(args.database_url, args.reuse) if args.reuse else await create_database(args.database_url)
    print(f"database {db.name}")
    try:
        if not args.reuse:
            await load(db, args.operators, args.contacts)
        await keep_days(db)
        await measure(db, args.runs, args.tails_days)
    finally:
        if args.keep or args.reuse:
            print(f"kept: {db.name}")
        else:
            await drop_database(args.database_url, db)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5_000_000)
    parser.add_argument("--operators", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tails-days", type=int, default=3)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", metavar="NAME", help="Measure on a database kept by an earlier run (no load).")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
