"""The audit log over HTTP (``audit:read``)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from callcenter.auditlog.schemas import AuditFilter
from callcenter.auditlog.services import list_entries
from callcenter.auth.principal import Permission
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("audit")


class AuditListQuery(PageQuery, AuditFilter):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@router.get("/api/audit", summary="Who changed what, newest first (entity, entity_id, user_id, action, from/to)",
            permission=Permission.AUDIT_READ, query=AuditListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await list_entries(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)
