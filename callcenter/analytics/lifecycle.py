"""Putting every client in its lifecycle stage by the manager's rules (:mod:`callcenter.analytics.stages`),
writing the stage the dossier shows and keeping each move, so the transitions report can count them.

The rules live in ``app_settings``; the last run's counts and moves too. A base with no sales at all is
left as it is: its stages were typed or imported by people, and the rules would call every client potential.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.analytics.stages import ClientFacts, LifecycleRules, stage_of, window_start
from callcenter.auth.principal import Permission, Principal
from callcenter.db.base import utcnow
from callcenter.models import AppSetting, Client, Interaction, Sale, StageChange
from callcenter.models.enums import InteractionKind, InteractionStatus, Stage

RULES_KEY = "lifecycle_rules"
LAST_RUN_KEY = "lifecycle_last_run"
CHUNK = 5000
RUN_LOCK = 0x5354_4147  # "STAG": one lifecycle run at a time, across processes


async def read_rules(db: AsyncSession) -> LifecycleRules:
    """The rules a manager saved, or the defaults."""
    row = await db.get(AppSetting, RULES_KEY)
    return LifecycleRules.model_validate(row.value) if row is not None and isinstance(row.value, dict) \
        else LifecycleRules()


async def save_rules(db: AsyncSession, principal: Principal, rules: LifecycleRules,
                     ip: str | None = None) -> dict[str, Any]:
    """Keep ``rules`` for the next runs (audited); they apply from the next run."""
    principal.require(Permission.CATALOGUE_WRITE)
    old = (await read_rules(db)).model_dump()
    row = await db.get(AppSetting, RULES_KEY)
    if row is None:
        db.add(AppSetting(key=RULES_KEY, value=rules.model_dump()))
    else:
        row.value = rules.model_dump()
    audit.record(db, principal, "update", "app_setting", None,
                 {RULES_KEY: {k: [old[k], v] for k, v in rules.model_dump().items() if old[k] != v}}, ip)
    await db.commit()
    return rules.model_dump()


async def _facts(db: AsyncSession, rules: LifecycleRules, today: date, zone: str) -> dict[int, ClientFacts]:
    start = window_start(today, rules.regular_months)
    rows = (await db.execute(
        select(Sale.client_id, func.count(), func.max(Sale.sold_on),
               func.count().filter(Sale.sold_on >= start, Sale.sold_on <= today))
        .group_by(Sale.client_id))).all()
    contacts: dict[int | None, date] = {}
    cutoff = today - timedelta(days=rules.lost_days)
    if rules.lost_quiet_days:
        faded = [cid for cid, _, last, _ in rows if last < cutoff]
        for n in range(0, len(faded), CHUNK):
            contacts.update({cid: at.astimezone(ZoneInfo(zone)).date() for cid, at in await db.execute(
                select(Interaction.client_id, func.max(Interaction.occurred_at))
                .where(Interaction.client_id.in_(faded[n:n + CHUNK]), Interaction.status == InteractionStatus.DONE,
                       Interaction.kind != InteractionKind.NOTE)
                .group_by(Interaction.client_id))})
    return {cid: ClientFacts(int(n), int(recent), last, contacts.get(cid)) for cid, n, last, recent in rows}


async def compute_stages(db: AsyncSession, principal: Principal, *, today: date, zone: str = "UTC",
                         now: datetime | None = None) -> dict[str, Any]:
    """Put every client in the stage the rules give on ``today`` (a day in ``zone``, where contacts' days are
    counted too); commits; returns the run."""
    principal.require(Permission.CATALOGUE_WRITE)
    now = now or utcnow()
    if db.get_bind().dialect.name == "postgresql":
        # The daily job and a manager's "now" at once would each write the same moves: the second waits.
        await db.execute(select(func.pg_advisory_xact_lock(RUN_LOCK)))
    rules = await read_rules(db)
    facts = await _facts(db, rules, today, zone)
    moved: dict[tuple[str, str], list[int]] = defaultdict(list)
    if facts:
        stage_now = {cid: Stage(s) for cid, s in await db.execute(select(Client.id, Client.stage))}
        for cid, current in stage_now.items():
            stage = stage_of(facts[cid], rules, today) if cid in facts else Stage.POTENTIAL
            if stage != current:
                moved[(current.value, stage.value)].append(cid)
        for (old, new), ids in moved.items():
            for n in range(0, len(ids), CHUNK):
                part = ids[n:n + CHUNK]
                await db.execute(update(Client).where(Client.id.in_(part)).values(stage=Stage(new))
                                 .execution_options(synchronize_session=False))
                await db.execute(insert(StageChange), [
                    {"client_id": cid, "changed_at": now, "from_stage": old, "to_stage": new, "source": "rules",
                     "user_id": principal.user_id or None} for cid in part])
    counts = {str(s): int(n) for s, n in await db.execute(select(Client.stage, func.count()).group_by(Client.stage))}
    run = {"ran_at": now.isoformat(), "today": today.isoformat(), "rules": rules.model_dump(),
           "skipped": None if facts else "no-sales",
           "counts": {s.value: counts.get(s.value, 0) for s in Stage},
           "moves": {f"{old}→{new}": len(ids) for (old, new), ids in sorted(moved.items())},
           "changed": sum(len(ids) for ids in moved.values())}
    row = await db.get(AppSetting, LAST_RUN_KEY)
    if row is None:
        db.add(AppSetting(key=LAST_RUN_KEY, value=run))
    else:
        row.value = run
    audit.record(db, principal, "compute_stages", "clients", None,
                 {"today": today, "changed": run["changed"], "skipped": run["skipped"]})
    await db.commit()
    return run


async def last_stage_run(db: AsyncSession, principal: Principal) -> dict[str, Any] | None:
    principal.require(Permission.USERS_READ)
    row = await db.get(AppSetting, LAST_RUN_KEY)
    return row.value if row is not None and isinstance(row.value, dict) else None
