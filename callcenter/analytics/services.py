"""Classifying clients by their sales: ABC and XYZ over a period, written to the client fields the dossier
shows, with each run kept beside the moves it made (see :mod:`callcenter.analytics.classes` for the rules)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.analytics.classes import abc, quadrant, xyz
from callcenter.auth.principal import Permission, Principal
from callcenter.models import ClassificationRun, Client, Sale
from callcenter.rows import plain

Measure = Literal["revenue", "margin", "count"]
CHUNK = 5000


def months(first: date, last: date) -> list[str]:
    """``YYYY-MM`` of every month the period touches."""
    found, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _month(dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(Sale.sold_on, "YYYY-MM")
    return func.strftime("%Y-%m", Sale.sold_on)


async def _monthly(db: AsyncSession, first: date, last: date, measure: Measure) -> dict[int, dict[str, float]]:
    values: dict[Measure, ColumnElement[Any]] = {
        "revenue": func.sum(Sale.amount), "margin": func.sum(func.coalesce(Sale.margin, 0)), "count": func.count()}
    value = values[measure]
    month = _month(db.get_bind().dialect.name).label("month")
    rows = await db.execute(
        select(Sale.client_id, month, value).where(Sale.sold_on >= first, Sale.sold_on <= last)
        .group_by(Sale.client_id, month)
    )
    found: dict[int, dict[str, float]] = defaultdict(dict)
    for client_id, key, total in rows:
        found[client_id][str(key)] = float(total or 0)
    return found


def _moves(before: dict[int, tuple[str | None, str | None]], after: dict[int, tuple[str | None, str | None]]
           ) -> dict[str, dict[str, int]]:
    moved: dict[str, Counter[str]] = {"abc": Counter(), "xyz": Counter(), "quadrant": Counter()}
    for cid in before.keys() | after.keys():
        old, new = before.get(cid, (None, None)), after.get(cid, (None, None))
        for n, kind in enumerate(("abc", "xyz")):
            if old[n] != new[n]:
                moved[kind][f"{old[n] or '-'}→{new[n] or '-'}"] += 1
        if quadrant(*old) != quadrant(*new):
            moved["quadrant"][f"{quadrant(*old) or '-'}→{quadrant(*new) or '-'}"] += 1
    return {kind: dict(sorted(counts.items())) for kind, counts in moved.items()}


async def classify(db: AsyncSession, principal: Principal, *, first: date, last: date, measure: Measure = "revenue",
                   abc_bounds: tuple[float, float] = (0.80, 0.95), xyz_bounds: tuple[float, float] = (0.10, 0.25),
                   now: datetime | None = None) -> dict[str, Any]:
    """Classify every client by its sales from ``first`` to ``last``; a client without sales loses its class.
    Commits; the run and its moves are kept and audited."""
    principal.require(Permission.CATALOGUE_WRITE)
    monthly = await _monthly(db, first, last, measure)
    span = months(first, last)
    abc_of = abc({cid: sum(by_month.values()) for cid, by_month in monthly.items()}, abc_bounds)
    xyz_of = xyz({cid: [by_month.get(m, 0.0) for m in span] for cid, by_month in monthly.items()}, xyz_bounds)
    before = {cid: (str(a) if a else None, str(x) if x else None) for cid, a, x in await db.execute(
        select(Client.id, Client.abc_class, Client.xyz_class)
        .where(Client.abc_class.is_not(None) | Client.xyz_class.is_not(None)
               | Client.id.in_(select(Sale.client_id).where(Sale.sold_on >= first, Sale.sold_on <= last))))}
    after = {cid: (str(abc_of[cid]) if cid in abc_of else None, str(xyz_of[cid]) if cid in xyz_of else None)
             for cid in before}
    groups: dict[tuple[str | None, str | None], list[int]] = defaultdict(list)
    for cid, classes in after.items():
        if before.get(cid) != classes:
            groups[classes].append(cid)
    for (a, x), ids in groups.items():
        for n in range(0, len(ids), CHUNK):
            await db.execute(update(Client).where(Client.id.in_(ids[n:n + CHUNK]))
                             .values(abc_class=a, xyz_class=x).execution_options(synchronize_session=False))
    counts: dict[str, object] = {
        "abc": dict(sorted(Counter(a for a, _ in after.values() if a).items())),
        "xyz": dict(sorted(Counter(x for _, x in after.values() if x).items())),
        "quadrant": dict(sorted(Counter(q for a, x in after.values() if (q := quadrant(a, x))).items())),
        "classified": sum(1 for a, _ in after.values() if a),
    }
    run = ClassificationRun(user_id=principal.user_id or None, first=first, last=last, measure=measure,
                            bounds={"abc": list(abc_bounds), "xyz": list(xyz_bounds)}, counts=counts,
                            moves=_moves(before, after))
    if now is not None:
        run.ran_at = now
    db.add(run)
    await db.flush()
    audit.record(db, principal, "classify", "clients", None, {"run": run.id, "first": first, "last": last,
                                                              "measure": measure})
    await db.commit()
    return run_dict(run)


def run_dict(run: ClassificationRun) -> dict[str, Any]:
    return {"id": run.id, "ran_at": plain(run.ran_at), "first": run.first.isoformat(), "last": run.last.isoformat(),
            "measure": run.measure, "bounds": run.bounds, "counts": run.counts, "moves": run.moves}


async def last_run(db: AsyncSession, principal: Principal) -> dict[str, Any] | None:
    principal.require(Permission.USERS_READ)
    run = await db.scalar(select(ClassificationRun).order_by(ClassificationRun.id.desc()).limit(1))
    return run_dict(run) if run else None
