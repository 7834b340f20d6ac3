"""Who is in a campaign's segment: asked of the segments' own service, in chunks of ids, at the first
start and at each refresh."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Segment

SEGMENTS_SERVICE = "callcenter.segments.services"


async def segment_client_ids(db: AsyncSession, segment: Segment) -> list[int]:
    """The ids of the clients ``segment``'s filter selects now (``callcenter.segments.services.client_ids``)."""
    # Imported by name: the segments' service and this package are built side by side.
    service: Any = importlib.import_module(SEGMENTS_SERVICE)
    found: Iterable[int] = await service.client_ids(db, segment)
    return sorted({int(client_id) for client_id in found})
