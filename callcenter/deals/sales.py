"""Sales: recorded by hand or imported; the input of ABC/XYZ classes. Read and created here, never edited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.deals.schemas import SaleFilter, SaleIn
from callcenter.errors import Conflict
from callcenter.models import Deal, Sale
from callcenter.references import Checks
from callcenter.rows import as_dict, fetch_page


async def list_sales(
    db: AsyncSession, principal: Principal, flt: SaleFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Latest first."""
    principal.require(Permission.WORK_READ)
    query = visible_attached(principal, select(Sale), Sale.client_id)
    if flt.client_id is not None:
        query = query.where(Sale.client_id == flt.client_id)
    if flt.deal_id is not None:
        query = query.where(Sale.deal_id == flt.deal_id)
    if flt.from_ is not None:
        query = query.where(Sale.sold_on >= flt.from_)
    if flt.to is not None:
        query = query.where(Sale.sold_on <= flt.to)
    rows, total = await fetch_page(db, query, (Sale.sold_on.desc(), Sale.id.desc()), limit=limit, offset=offset)
    return [as_dict(s) for s in rows], total


async def create_sale(db: AsyncSession, principal: Principal, data: SaleIn, ip: str | None = None) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    checks = Checks(db, principal)
    await checks.client(data.client_id)
    if data.deal_id is not None:
        deal_client = await db.scalar(select(Deal.client_id).where(Deal.id == data.deal_id))
        if deal_client is None:
            checks.fail("deal_id", f"no deal with id {data.deal_id}")
        elif deal_client != data.client_id:
            checks.fail("deal_id", f"deal {data.deal_id} is not with client {data.client_id}")
    checks.done()
    if data.external_ref is not None:
        taken = await db.scalar(select(Sale.id).where(Sale.external_ref == data.external_ref))
        if taken is not None:
            raise Conflict(
                f"A sale with external_ref {data.external_ref!r} exists.",
                details={"fields": {"external_ref": "already recorded"}, "id": taken},
            )
    sale = Sale(**data.model_dump())
    db.add(sale)
    await db.flush()
    audit.record(
        db, principal, "create", "sale", sale.id,
        {"client_id": data.client_id, "amount": data.amount, "sold_on": data.sold_on}, ip,
    )
    await db.commit()
    return as_dict(sale)
