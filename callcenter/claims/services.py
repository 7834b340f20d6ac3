"""Claims: recording a complaint, investigating and resolving it, finding, deleting.

A claim is closed when resolved or rejected; closing stamps ``resolved_at`` and reopening clears it.
Deleting a claim takes ``clients:delete``: a complaint must not vanish at the hands of the operator it is about.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import load_attached, visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.claims.schemas import ClaimFilter, ClaimIn, ClaimPatch
from callcenter.db.base import utcnow
from callcenter.models import Claim
from callcenter.models.enums import ClaimStatus
from callcenter.references import Checks
from callcenter.rows import as_dict, fetch_page, where_equal

CLOSED = (ClaimStatus.RESOLVED, ClaimStatus.REJECTED)


async def load_claim(db: AsyncSession, principal: Principal, claim_id: int) -> Claim:
    return await load_attached(db, principal, Claim, claim_id, None, "claim")


async def get_claim(db: AsyncSession, principal: Principal, claim_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    return as_dict(await load_claim(db, principal, claim_id))


async def list_claims(
    db: AsyncSession, principal: Principal, flt: ClaimFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    principal.require(Permission.WORK_READ)
    query = visible_attached(principal, select(Claim), Claim.client_id)
    query = where_equal(query, ((Claim.client_id, flt.client_id), (Claim.status, flt.status), (Claim.owner_id, flt.owner_id)))
    rows, total = await fetch_page(db, query, (Claim.id.desc(),), limit=limit, offset=offset)
    return [as_dict(c) for c in rows], total


async def create_claim(db: AsyncSession, principal: Principal, data: ClaimIn, ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    checks = Checks(db, principal)
    await checks.client(data.client_id)
    await checks.contact(data.contact_id, data.client_id)
    await checks.interaction(data.interaction_id, data.client_id)
    await checks.user(data.owner_id, "owner_id")
    checks.done()
    claim = Claim(
        **data.model_dump(exclude={"owner_id"}),
        owner_id=data.owner_id if data.owner_id is not None else (principal.user_id or None),
    )
    db.add(claim)
    await db.flush()
    audit.record(db, principal, "create", "claim", claim.id, {"client_id": data.client_id, "subject": data.subject}, ip)
    await db.commit()
    return as_dict(claim)


async def update_claim(
    db: AsyncSession, principal: Principal, claim_id: int, patch: ClaimPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    claim = await load_claim(db, principal, claim_id)
    given = patch.model_fields_set
    checks = Checks(db, principal)
    checks.not_null(patch, ("subject", "description", "status", "investigation", "resolution"))
    if "contact_id" in given:
        await checks.contact(patch.contact_id, claim.client_id)
    if "owner_id" in given:
        await checks.user(patch.owner_id, "owner_id")
    resolution = patch.resolution if patch.resolution is not None else claim.resolution
    if patch.status == ClaimStatus.RESOLVED and not resolution.strip():
        checks.fail("resolution", "required to resolve a claim")
    checks.done()
    for name in given:
        setattr(claim, name, getattr(patch, name))
    if patch.status is not None:
        if patch.status in CLOSED and claim.resolved_at is None:
            claim.resolved_at = utcnow()
        elif patch.status not in CLOSED:
            claim.resolved_at = None
    audit.record(db, principal, "update", "claim", claim.id, audit.changed_fields(claim), ip)
    await db.commit()
    return as_dict(claim)


async def delete_claim(db: AsyncSession, principal: Principal, claim_id: int, ip: str | None = None) -> None:
    principal.require(Permission.CLIENTS_DELETE)
    claim = await load_claim(db, principal, claim_id)
    audit.record(db, principal, "delete", "claim", claim.id, {"subject": claim.subject, "client_id": claim.client_id}, ip)
    await db.delete(claim)
    await db.commit()
