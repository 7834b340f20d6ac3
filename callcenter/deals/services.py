"""Deals: creating, moving through the funnel, closing, finding and deleting.

The stage decides the status. In an open stage a deal is open; moving it to a closed stage makes it won or
lost (as the request's ``status`` says, else lost for a stage whose code starts with "lost", else won) and
stamps ``closed_at``; moving it back to an open stage reopens it. In a closed stage, ``status`` alone may
turn won into lost and back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import load_attached, visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.db.base import utcnow
from callcenter.deals.schemas import DealFilter, DealIn, DealPatch
from callcenter.deals.stages import first_open_stage, stage_dict
from callcenter.models import Deal, FunnelStage, User
from callcenter.models.enums import DealStatus
from callcenter.ownership import require_owner_change
from callcenter.references import Checks
from callcenter.rows import as_dict, fetch_page, where_equal


async def deal_dicts(db: AsyncSession, deals: list[Deal]) -> list[dict[str, Any]]:
    stage_ids = {d.stage_id for d in deals}
    stages = {s.id: s for s in await db.scalars(select(FunnelStage).where(FunnelStage.id.in_(stage_ids)))} if deals else {}
    result = []
    for deal in deals:
        data = as_dict(deal)
        data["stage"] = stage_dict(stages[deal.stage_id])
        result.append(data)
    return result


async def load_deal(db: AsyncSession, principal: Principal, deal_id: int) -> Deal:
    return await load_attached(db, principal, Deal, deal_id, None, "deal")


async def get_deal(db: AsyncSession, principal: Principal, deal_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    return (await deal_dicts(db, [await load_deal(db, principal, deal_id)]))[0]


async def list_deals(
    db: AsyncSession, principal: Principal, flt: DealFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    principal.require(Permission.WORK_READ)
    query = visible_attached(principal, select(Deal), Deal.client_id)
    query = where_equal(query, (
        (Deal.client_id, flt.client_id),
        (Deal.status, flt.status),
        (Deal.stage_id, flt.stage_id),
        (Deal.owner_id, flt.owner_id),
    ))
    if flt.stage is not None:
        query = query.where(Deal.stage_id.in_(select(FunnelStage.id).where(FunnelStage.code == flt.stage)))
    if flt.team_id is not None:
        query = query.where(Deal.owner_id.in_(select(User.id).where(User.team_id == flt.team_id)))
    if flt.closed_from is not None:
        query = query.where(Deal.closed_at >= flt.closed_from)
    if flt.closed_to is not None:
        query = query.where(Deal.closed_at < flt.closed_to)
    rows, total = await fetch_page(db, query, (Deal.id.desc(),), limit=limit, offset=offset)
    return await deal_dicts(db, rows), total


async def _stage(db: AsyncSession, stage_id: int | None, checks: Checks) -> FunnelStage | None:
    if stage_id is None:
        stage = await first_open_stage(db)
        if stage is None:
            checks.fail("stage_id", "no open funnel stage is defined; name a stage")
        return stage
    stage = await db.get(FunnelStage, stage_id)
    if stage is None:
        checks.fail("stage_id", f"no funnel stage with id {stage_id}")
    return stage


def _status(stage: FunnelStage, wanted: DealStatus | None, kept: DealStatus | None, checks: Checks) -> DealStatus:
    """The status a deal has in ``stage``: ``wanted``, else ``kept`` (a deal staying in its closed stage), else
    what the stage's code says. A ``wanted`` that contradicts the stage is a field error."""
    if not stage.is_closed:
        if wanted not in (None, DealStatus.OPEN):
            checks.fail("status", f"stage {stage.code!r} is open: move the deal to a closed stage to close it")
        return DealStatus.OPEN
    if wanted == DealStatus.OPEN:
        checks.fail("status", f"stage {stage.code!r} is closed: a deal there is won or lost")
    if wanted in (DealStatus.WON, DealStatus.LOST):
        return wanted
    if kept in (DealStatus.WON, DealStatus.LOST):
        return kept
    return DealStatus.LOST if stage.code.startswith("lost") else DealStatus.WON


async def create_deal(db: AsyncSession, principal: Principal, data: DealIn, ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    checks = Checks(db, principal)
    await checks.client(data.client_id)
    await checks.user(data.owner_id, "owner_id")
    stage = await _stage(db, data.stage_id, checks)
    status = _status(stage, data.status, None, checks) if stage is not None else DealStatus.OPEN
    checks.done()
    owner_id = data.owner_id if data.owner_id is not None else (principal.user_id or None)
    require_owner_change(principal, None, owner_id, "deal")
    assert stage is not None
    deal = Deal(
        **data.model_dump(exclude={"stage_id", "status", "owner_id"}),
        stage_id=stage.id,
        status=status,
        owner_id=owner_id,
        closed_at=None if status == DealStatus.OPEN else utcnow(),
    )
    db.add(deal)
    await db.flush()
    audit.record(
        db, principal, "create", "deal", deal.id,
        {"client_id": data.client_id, "title": data.title, "stage": stage.code, "status": status, "amount": data.amount},
        ip,
    )
    await db.commit()
    return (await deal_dicts(db, [deal]))[0]


async def update_deal(
    db: AsyncSession, principal: Principal, deal_id: int, patch: DealPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    deal = await load_deal(db, principal, deal_id)
    given = patch.model_fields_set
    checks = Checks(db, principal)
    checks.not_null(patch, ("title", "stage_id", "status", "amount", "currency", "lost_reason"))
    if "owner_id" in given:
        await checks.user(patch.owner_id, "owner_id")
    stage = await _stage(db, patch.stage_id or deal.stage_id, checks)
    status = deal.status
    moved = patch.stage_id is not None and patch.stage_id != deal.stage_id
    if stage is not None and (moved or "status" in given):
        status = _status(stage, patch.status, None if moved else deal.status, checks)
    checks.done()
    if "owner_id" in given:
        require_owner_change(principal, deal.owner_id, patch.owner_id, "deal")
    for name in given - {"status"}:
        setattr(deal, name, getattr(patch, name))
    if status != deal.status:
        deal.closed_at = None if status == DealStatus.OPEN else utcnow()
        deal.status = status
    audit.record(db, principal, "update", "deal", deal.id, audit.changed_fields(deal), ip)
    await db.commit()
    return (await deal_dicts(db, [deal]))[0]


async def delete_deal(db: AsyncSession, principal: Principal, deal_id: int, ip: str | None = None) -> None:
    principal.require(Permission.WORK_WRITE)
    deal = await load_deal(db, principal, deal_id)
    audit.record(db, principal, "delete", "deal", deal.id, {"title": deal.title, "client_id": deal.client_id}, ip)
    await db.delete(deal)
    await db.commit()
