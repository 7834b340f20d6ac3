"""Each operator's pipeline: how their clients spread over the funnel's stages.

A client the operator owns (``clients.owner_id``) counts once, at the stage of its furthest open deal (the
highest ``sort_order`` among the open stages its open deals are at); a client with no open deal counts under
``none`` (:data:`~callcenter.deals.stages.NO_OPEN_DEAL`). The client list's ``deal_stage`` filter uses the
same subquery, so each count opens exactly the clients it counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.deals.stages import NO_OPEN_DEAL, furthest_open_stage, open_stage_names
from callcenter.models import Client

Pipeline = dict[str, int]


async def pipelines(db: AsyncSession, owner_ids: Iterable[int]) -> dict[int, Pipeline]:
    """Per owner: clients by stage code, every open stage in funnel order (zeros included), then ``none``."""
    ids = sorted(set(owner_ids))
    codes = list(await open_stage_names(db))
    found: dict[int, Pipeline] = {uid: dict.fromkeys([*codes, NO_OPEN_DEAL], 0) for uid in ids}
    if not ids:
        return found
    furthest = furthest_open_stage()
    rows = await db.execute(
        select(Client.owner_id, furthest.c.code, func.count())
        .select_from(Client)
        .outerjoin(furthest, furthest.c.client_id == Client.id)
        .where(Client.owner_id.in_(ids))
        .group_by(Client.owner_id, furthest.c.code)
    )
    for owner_id, code, n in rows:
        found[owner_id][code if code is not None else NO_OPEN_DEAL] = int(n)
    return found
