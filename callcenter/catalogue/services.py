"""The disposition catalogue: every role reads it, ``catalogue:write`` changes it.

A disposition some interaction carries cannot be deleted (409): history keeps its results. Deactivate it
instead; it then stays on old interactions but is no longer offered for new ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.catalogue.schemas import DispositionFilter, DispositionIn, DispositionPatch
from callcenter.errors import Conflict, NotFound
from callcenter.models import Disposition, Interaction
from callcenter.references import Checks, ensure_unique
from callcenter.rows import as_dict, fetch_page

ORDER = (Disposition.sort_order, Disposition.id)


def disposition_dict(disposition: Disposition) -> dict[str, Any]:
    return as_dict(disposition)


async def _load(db: AsyncSession, disposition_id: int) -> Disposition:
    found = await db.get(Disposition, disposition_id)
    if found is None:
        raise NotFound("disposition", disposition_id)
    return found


async def _code_taken(db: AsyncSession, code: str, exclude_id: int | None = None) -> None:
    await ensure_unique(db, Disposition.code, code, exclude_id, "code", f"A disposition with code {code!r} exists.")


async def list_dispositions(
    db: AsyncSession, principal: Principal, flt: DispositionFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    principal.require(Permission.WORK_READ)
    query = select(Disposition)
    if flt.active is not None:
        query = query.where(Disposition.is_active.is_(flt.active))
    rows, total = await fetch_page(db, query, ORDER, limit=limit, offset=offset)
    return [disposition_dict(d) for d in rows], total


async def get_disposition(db: AsyncSession, principal: Principal, disposition_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    return disposition_dict(await _load(db, disposition_id))


async def create_disposition(
    db: AsyncSession, principal: Principal, data: DispositionIn, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.CATALOGUE_WRITE)
    await _code_taken(db, data.code)
    disposition = Disposition(**data.model_dump())
    db.add(disposition)
    await db.flush()
    audit.record(db, principal, "create", "disposition", disposition.id, data.model_dump(), ip)
    await db.commit()
    return disposition_dict(disposition)


async def update_disposition(
    db: AsyncSession, principal: Principal, disposition_id: int, patch: DispositionPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.CATALOGUE_WRITE)
    disposition = await _load(db, disposition_id)
    checks = Checks(db, principal)
    checks.not_null(patch, ("code", "name", "counts_as_result", "is_active", "sort_order"))
    checks.done()
    if patch.code is not None and patch.code != disposition.code:
        await _code_taken(db, patch.code, disposition.id)
    for name in patch.model_fields_set:
        setattr(disposition, name, getattr(patch, name))
    audit.record(db, principal, "update", "disposition", disposition.id, audit.changed_fields(disposition), ip)
    await db.commit()
    return disposition_dict(disposition)


async def delete_disposition(db: AsyncSession, principal: Principal, disposition_id: int, ip: str | None = None) -> None:
    principal.require(Permission.CATALOGUE_WRITE)
    disposition = await _load(db, disposition_id)
    used = await db.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.disposition_id == disposition.id)
    ) or 0
    if used:
        raise Conflict(
            f"Disposition {disposition.code!r} is the result of {used} interaction(s); deactivate it instead.",
            details={"in_use": used},
        )
    audit.record(db, principal, "delete", "disposition", disposition.id, {"code": disposition.code}, ip)
    await db.delete(disposition)
    await db.commit()
