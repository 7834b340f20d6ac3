"""Plain-dict forms of segments, as the API and the pages show them."""

from __future__ import annotations

from typing import Any

from callcenter.clients.serialize import iso
from callcenter.models import Campaign, Segment


def campaign_ref(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "name": campaign.name, "state": campaign.state.value}


def segment_dict(segment: Segment, campaigns: list[Campaign], count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": segment.id,
        "name": segment.name,
        "filters": dict(segment.filters or {}),
        "created_by_id": segment.created_by_id,
        "created_at": iso(segment.created_at),
        "updated_at": iso(segment.updated_at),
        "campaigns": [campaign_ref(c) for c in campaigns],
    }
    if count is not None:
        found["count"] = count
    return found
