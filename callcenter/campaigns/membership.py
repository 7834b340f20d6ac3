"""Who is in a campaign's segment, at the first start and at each refresh: asked of the segments' service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Segment
from callcenter.segments import services as segments
from callcenter.settings import get_settings


async def segment_client_ids(db: AsyncSession, segment: Segment) -> list[int]:
    """The ids of the clients ``segment``'s filter selects now, ascending.

    Relative dates in the filter ("this quarter") are read in the installation's time zone, as the
    segment's own page counts them."""
    return await segments.client_ids(db, segments.stored_filter(segment), time_zone=get_settings().time_zone)
