"""The funnel stages deals move through (read here; the catalogue is seeded with the data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.models import Deal, FunnelStage
from callcenter.models.enums import DealStatus
from callcenter.rows import as_dict

ORDER = (FunnelStage.sort_order, FunnelStage.id)
# Where a client with no open deal is counted and filtered; no funnel stage has this code.
NO_OPEN_DEAL = "none"


def stage_dict(stage: FunnelStage) -> dict[str, Any]:
    return as_dict(stage)


async def list_stages(db: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """Every stage in funnel order."""
    principal.require(Permission.WORK_READ)
    return [stage_dict(s) for s in await db.scalars(select(FunnelStage).order_by(*ORDER))]


async def first_open_stage(db: AsyncSession) -> FunnelStage | None:
    return await db.scalar(select(FunnelStage).where(FunnelStage.is_closed.is_(False)).order_by(*ORDER).limit(1))


async def open_stage_names(db: AsyncSession) -> dict[str, str]:
    """The open stages' names by code, in funnel order: the stages an open deal can be at."""
    rows = await db.execute(select(FunnelStage.code, FunnelStage.name).where(FunnelStage.is_closed.is_(False))
                            .order_by(*ORDER))
    return {code: name for code, name in rows}


def furthest_open_stage() -> Subquery:
    """Per client with an open deal: the code (``code``) of the furthest open stage its open deals are at.

    Furthest is the highest ``sort_order`` (then the highest id, so that equal orders still give one stage).
    Open deals are those the funnel counts: status open, in an open stage.
    """
    rank = func.row_number().over(partition_by=Deal.client_id,
                                  order_by=(FunnelStage.sort_order.desc(), FunnelStage.id.desc()))
    ranked = (
        select(Deal.client_id.label("client_id"), FunnelStage.code.label("code"), rank.label("rank"))
        .join(FunnelStage, FunnelStage.id == Deal.stage_id)
        .where(Deal.status == DealStatus.OPEN, FunnelStage.is_closed.is_(False))
        .subquery()
    )
    return select(ranked.c.client_id, ranked.c.code).where(ranked.c.rank == 1).subquery("furthest_stage")
