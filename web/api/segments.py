"""Segments over HTTP: saved filters over clients, their live counts and their export.

The filter document is described in ``docs/campaigns.md``; ``POST /api/segments/count`` counts one that is
not saved yet (the editor's live count).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.segments import services
from callcenter.segments.schemas import SegmentFilter, SegmentIn, SegmentPatch
from web.api.routing import ApiRouter, Call

router = ApiRouter("segments")


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counts: bool = False


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"] = "csv"


@router.get("/api/segments", summary="Every segment with the campaigns using it (counts=true: each with its count)",
            permission=Permission.CAMPAIGNS_READ, query=ListQuery)
async def list_(call: Call) -> dict[str, Any]:
    zone = call.settings.time_zone if call.query.counts else None
    return {"items": await services.list_segments(call.db, call.principal, time_zone=zone)}


@router.post("/api/segments", summary="Save a segment: a name and a filter document",
             permission=Permission.CAMPAIGNS_WRITE, body=SegmentIn, status=201,
             responses={422: "bad fields, unknown filter keys named"})
async def create(call: Call) -> dict[str, Any]:
    return await services.create_segment(call.db, call.principal, call.body, ip=call.ip)


@router.post("/api/segments/count", summary="Count the clients an unsaved filter document selects",
             permission=Permission.CAMPAIGNS_READ, body=SegmentFilter,
             responses={422: "bad fields, unknown filter keys named"})
async def count_unsaved(call: Call) -> dict[str, Any]:
    count = await services.count_clients(call.db, call.principal, call.body, time_zone=call.settings.time_zone)
    return {"count": count}


@router.get("/api/segments/{segment_id:int}", summary="One segment with the campaigns using it",
            permission=Permission.CAMPAIGNS_READ)
async def get(call: Call) -> dict[str, Any]:
    return await services.get_segment(call.db, call.principal, call.path_int("segment_id"))


@router.get("/api/segments/{segment_id:int}/count", summary="How many clients the segment selects now",
            permission=Permission.CAMPAIGNS_READ)
async def count(call: Call) -> dict[str, Any]:
    found = await services.get_segment(call.db, call.principal, call.path_int("segment_id"),
                                       time_zone=call.settings.time_zone)
    return {"id": found["id"], "count": found["count"]}


@router.patch("/api/segments/{segment_id:int}", summary="Rename a segment or replace its filters",
              permission=Permission.CAMPAIGNS_WRITE, body=SegmentPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_segment(call.db, call.principal, call.path_int("segment_id"), call.body, ip=call.ip)


@router.delete("/api/segments/{segment_id:int}", summary="Delete a segment no campaign uses",
               permission=Permission.CAMPAIGNS_WRITE, status=204, responses={409: "campaigns use it; named"})
async def remove(call: Call) -> Response:
    await services.delete_segment(call.db, call.principal, call.path_int("segment_id"), ip=call.ip)
    return Response(status_code=204)


@router.get("/api/segments/{segment_id:int}/export", summary="Download the segment's clients as CSV or XLSX",
            permission=Permission.CAMPAIGNS_READ, query=ExportQuery)
async def export(call: Call) -> Response:
    exported = await services.export_segment(
        call.db, call.principal, call.path_int("segment_id"), fmt=call.query.format,
        time_zone=call.settings.time_zone, ip=call.ip,
    )
    return Response(exported.content, media_type=exported.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'})
