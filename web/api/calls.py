"""Calls over HTTP: the log the PBX writes, read-only."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from callcenter.auth.principal import Permission
from callcenter.calls import reading
from callcenter.calls.schemas import CallFilter
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("calls")


class CallListQuery(PageQuery, CallFilter):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@router.get("/api/calls",
            summary="List calls, newest first (from/to on started_at, operator id or login, direction, outcome, client_id, queue)",
            permission=Permission.WORK_READ, query=CallListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await reading.list_calls(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.get("/api/calls/{call_id:int}", summary="One call: who called whom, who answered, durations and outcome",
            permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await reading.get_call(call.db, call.principal, call.path_int("call_id"))
