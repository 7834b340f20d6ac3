"""The funnel stages deals move through (read here; the catalogue is seeded with the data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.models import FunnelStage
from callcenter.rows import as_dict

ORDER = (FunnelStage.sort_order, FunnelStage.id)


def stage_dict(stage: FunnelStage) -> dict[str, Any]:
    return as_dict(stage)


async def list_stages(db: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """Every stage in funnel order."""
    principal.require(Permission.WORK_READ)
    return [stage_dict(s) for s in await db.scalars(select(FunnelStage).order_by(*ORDER))]


async def first_open_stage(db: AsyncSession) -> FunnelStage | None:
    return await db.scalar(select(FunnelStage).where(FunnelStage.is_closed.is_(False)).order_by(*ORDER).limit(1))
