"""Saving, reading, counting and exporting segments: saved filters over clients.

Counting and listing a segment's clients follow the own-clients rule of the principal asking
(:mod:`callcenter.access`), as the client list does; the dialer asks as the system and gets every client.
Days in a filter are read in the CRM's time zone (``time_zone``, the ``Settings.time_zone`` name).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import visible_clients
from callcenter.auth.principal import SYSTEM, Permission, Principal
from callcenter.errors import NotFound, SegmentInUse, ValidationFailed
from callcenter.importing.export import MEDIA_TYPES, ExportFile, build_export_where
from callcenter.models import Campaign, Client, Segment
from callcenter.references import Checks
from callcenter.segments.filters import Backdrop, matching
from callcenter.segments.schemas import SegmentFilter, SegmentIn, SegmentPatch
from callcenter.segments.serialize import campaign_ref, segment_dict


def _backdrop(db: AsyncSession, time_zone: str) -> Backdrop:
    return Backdrop.now(db.get_bind().dialect.name, time_zone)


def stored_filter(segment: Segment) -> SegmentFilter:
    """The segment's filter document, validated as when it was saved."""
    return SegmentFilter.model_validate(segment.filters or {})


def _visible_matching(db: AsyncSession, principal: Principal, flt: SegmentFilter, time_zone: str) -> Any:
    query = matching(flt, _backdrop(db, time_zone))
    return visible_clients(principal, query)


async def count_clients(db: AsyncSession, principal: Principal, flt: SegmentFilter, *, time_zone: str) -> int:
    """How many clients ``principal`` may see match ``flt``: one COUNT query."""
    principal.require(Permission.CAMPAIGNS_READ)
    query = _visible_matching(db, principal, flt, time_zone)
    return await db.scalar(select(func.count()).select_from(query.subquery())) or 0


async def client_ids(
    db: AsyncSession, flt: SegmentFilter, *, time_zone: str, principal: Principal = SYSTEM
) -> list[int]:
    """The ids of the clients matching ``flt``, ascending (what a campaign freezes into its leads)."""
    principal.require(Permission.CAMPAIGNS_READ)
    query = _visible_matching(db, principal, flt, time_zone)
    return list(await db.scalars(query.order_by(Client.id)))


async def segment_client_ids(
    db: AsyncSession, segment_id: int, *, time_zone: str, principal: Principal = SYSTEM
) -> list[int]:
    """:func:`client_ids` of a saved segment; 404 when there is none."""
    return await client_ids(db, stored_filter(await _load(db, segment_id)), time_zone=time_zone, principal=principal)


async def _load(db: AsyncSession, segment_id: int) -> Segment:
    segment = await db.get(Segment, segment_id)
    if segment is None:
        raise NotFound("segment", segment_id)
    return segment


async def _campaigns(db: AsyncSession, segment_ids: list[int]) -> dict[int, list[Campaign]]:
    found: dict[int, list[Campaign]] = {sid: [] for sid in segment_ids}
    if segment_ids:
        query = select(Campaign).where(Campaign.segment_id.in_(segment_ids)).order_by(Campaign.id)
        for campaign in await db.scalars(query):
            found[campaign.segment_id].append(campaign)
    return found


async def _check_references(db: AsyncSession, principal: Principal, flt: SegmentFilter) -> None:
    checks = Checks(db, principal)
    for i, user_id in enumerate(flt.owner_ids or ()):
        await checks.user(user_id, f"filters.owner_ids.{i}", active=False)
    for i, team_id in enumerate(flt.team_ids or ()):
        await checks.team(team_id, f"filters.team_ids.{i}")
    if checks.errors:
        raise ValidationFailed(checks.errors)


async def get_segment(
    db: AsyncSession, principal: Principal, segment_id: int, *, time_zone: str | None = None
) -> dict[str, Any]:
    """One segment with the campaigns using it; with ``time_zone``, also its live count."""
    principal.require(Permission.CAMPAIGNS_READ)
    segment = await _load(db, segment_id)
    campaigns = (await _campaigns(db, [segment.id]))[segment.id]
    count = None
    if time_zone is not None:
        count = await count_clients(db, principal, stored_filter(segment), time_zone=time_zone)
    return segment_dict(segment, campaigns, count)


async def list_segments(
    db: AsyncSession, principal: Principal, *, time_zone: str | None = None
) -> list[dict[str, Any]]:
    """Every segment by name, with the campaigns using it; with ``time_zone``, each with its live count."""
    principal.require(Permission.CAMPAIGNS_READ)
    segments = list(await db.scalars(select(Segment).order_by(Segment.name, Segment.id)))
    campaigns = await _campaigns(db, [s.id for s in segments])
    found = []
    for segment in segments:
        count = None
        if time_zone is not None:
            count = await count_clients(db, principal, stored_filter(segment), time_zone=time_zone)
        found.append(segment_dict(segment, campaigns[segment.id], count))
    return found


async def create_segment(
    db: AsyncSession, principal: Principal, data: SegmentIn, *, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.CAMPAIGNS_WRITE)
    await _check_references(db, principal, data.filters)
    segment = Segment(name=data.name, filters=data.filters.document(), created_by_id=principal.user_id or None)
    db.add(segment)
    await db.flush()
    audit.record(db, principal, "create", "segment", segment.id, {"name": data.name, "filters": segment.filters}, ip)
    await db.commit()
    return await get_segment(db, principal, segment.id)


async def update_segment(
    db: AsyncSession, principal: Principal, segment_id: int, patch: SegmentPatch, *, ip: str | None = None
) -> dict[str, Any]:
    """Rename a segment or replace its filters; a campaign refreshing from it picks the new filters up."""
    principal.require(Permission.CAMPAIGNS_WRITE)
    segment = await _load(db, segment_id)
    given = patch.model_fields_set
    errors: dict[str, str] = {
        name: "may not be null" for name in ("name", "filters") if name in given and getattr(patch, name) is None
    }
    if errors:
        raise ValidationFailed(errors)
    if patch.filters is not None:
        await _check_references(db, principal, patch.filters)
        segment.filters = patch.filters.document()
    if patch.name is not None:
        segment.name = patch.name
    changes = audit.changed_fields(segment)
    if changes:
        audit.record(db, principal, "update", "segment", segment.id, changes, ip)
    await db.commit()
    return await get_segment(db, principal, segment.id)


async def delete_segment(db: AsyncSession, principal: Principal, segment_id: int, *, ip: str | None = None) -> None:
    """Delete a segment no campaign uses; otherwise :class:`SegmentInUse` (409) names the campaigns."""
    principal.require(Permission.CAMPAIGNS_WRITE)
    segment = await _load(db, segment_id)
    campaigns = (await _campaigns(db, [segment.id]))[segment.id]
    if campaigns:
        raise SegmentInUse(segment.id, [campaign_ref(c) for c in campaigns])
    audit.record(db, principal, "delete", "segment", segment.id, {"name": segment.name, "filters": segment.filters}, ip)
    await db.delete(segment)
    await db.commit()


async def export_segment(
    db: AsyncSession, principal: Principal, segment_id: int, *, fmt: str, time_zone: str, ip: str | None = None
) -> ExportFile:
    """The segment's clients that ``principal`` may see, as CSV or XLSX in the import's columns; audited."""
    principal.require(Permission.CAMPAIGNS_READ)
    principal.require(Permission.EXPORT)
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed({"format": "must be csv or xlsx"})
    segment = await _load(db, segment_id)
    condition = Client.id.in_(matching(stored_filter(segment), _backdrop(db, time_zone)))
    exported = await build_export_where(db, principal, fmt=fmt, condition=condition, stem=f"segment-{segment.id}")
    audit.record(db, principal, "export", "segment", segment.id, {"format": fmt, "count": exported.count}, ip)
    await db.commit()
    return exported
