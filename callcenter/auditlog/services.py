"""Who changed what, and when: the audit log, newest first, for ``audit:read``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auditlog.schemas import AuditFilter
from callcenter.auth.principal import Permission, Principal
from callcenter.models import AuditEntry, User
from callcenter.rows import as_dict, fetch_page, where_equal


async def list_entries(
    db: AsyncSession, principal: Principal, flt: AuditFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    principal.require(Permission.AUDIT_READ)
    query = where_equal(select(AuditEntry), (
        (AuditEntry.entity, flt.entity),
        (AuditEntry.entity_id, flt.entity_id),
        (AuditEntry.user_id, flt.user_id),
        (AuditEntry.action, flt.action),
    ))
    if flt.from_ is not None:
        query = query.where(AuditEntry.at >= flt.from_)
    if flt.to is not None:
        query = query.where(AuditEntry.at < flt.to)
    rows, total = await fetch_page(db, query, (AuditEntry.at.desc(), AuditEntry.id.desc()), limit=limit, offset=offset)
    user_ids = {e.user_id for e in rows if e.user_id is not None}
    logins: dict[int, str] = {}
    if user_ids:
        logins = dict((await db.execute(select(User.id, User.login).where(User.id.in_(user_ids)))).all())
    return [{**as_dict(e), "user_login": logins.get(e.user_id) if e.user_id else None} for e in rows], total
