"""Do-not-call lists: numbers no campaign dials (global) or one campaign does not (per campaign).

Numbers are kept in E.164 (``callcenter.phones``), so any written form of a number finds its entry. The
lists are read at dial time (``dialer.leads``): a number added while a campaign runs is not dialled
again from that moment. Adding takes ``work:write``, as a client who asks on the phone not to be called
again is put on the list by the operator who hears it; removing takes ``campaigns:write``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.campaigns.schemas import DncFilter, DncIn
from callcenter.errors import Conflict, NotFound, ValidationFailed
from callcenter.models import Campaign, DoNotCall
from callcenter.phones import BadPhone, to_e164
from callcenter.rows import as_dict, fetch_page


def _number(raw: str, field: str = "number") -> str:
    try:
        return to_e164(raw)
    except BadPhone as exc:
        raise ValidationFailed({field: f"not a valid phone number: {exc.reason}"}) from None


async def add_number(db: AsyncSession, principal: Principal, data: DncIn, ip: str | None = None) -> dict[str, Any]:
    """Put a number on the global list or a campaign's; a number already there is a conflict."""
    principal.require(Permission.WORK_WRITE)
    e164 = _number(data.number)
    if data.campaign_id is not None and await db.get(Campaign, data.campaign_id) is None:
        raise ValidationFailed({"campaign_id": f"no campaign with id {data.campaign_id}"})
    if await _find(db, e164, data.campaign_id) is not None:
        raise Conflict(f"{e164} is already on the {'campaign' if data.campaign_id else 'global'} do-not-call list.",
                       details={"fields": {"number": "already listed"}})
    row = DoNotCall(e164=e164, campaign_id=data.campaign_id, reason=data.reason, added_by_id=principal.user_id or None)
    db.add(row)
    await db.flush()
    audit.record(db, principal, "create", "do_not_call", row.id,
                 {"e164": e164, "campaign_id": data.campaign_id, "reason": data.reason}, ip)
    await db.commit()
    return as_dict(row)


async def _find(db: AsyncSession, e164: str, campaign_id: int | None) -> DoNotCall | None:
    scope = DoNotCall.campaign_id.is_(None) if campaign_id is None else DoNotCall.campaign_id == campaign_id
    return await db.scalar(select(DoNotCall).where(DoNotCall.e164 == e164, scope))


async def remove_number(db: AsyncSession, principal: Principal, number: str, campaign_id: int | None,
                        ip: str | None = None) -> None:
    """Take a number off the global list (``campaign_id`` None) or off a campaign's."""
    principal.require(Permission.CAMPAIGNS_WRITE)
    e164 = _number(number)
    row = await _find(db, e164, campaign_id)
    if row is None:
        raise NotFound("do-not-call entry", e164)
    audit.record(db, principal, "delete", "do_not_call", row.id, {"e164": e164, "campaign_id": campaign_id}, ip)
    await db.delete(row)
    await db.commit()


async def list_numbers(db: AsyncSession, principal: Principal, flt: DncFilter, *, limit: int,
                       offset: int) -> tuple[list[dict[str, Any]], int]:
    """Newest first; ``scope`` global or campaign, ``campaign_id`` one campaign's list, ``number`` one number."""
    principal.require(Permission.CAMPAIGNS_READ)
    query = select(DoNotCall)
    if flt.scope == "global":
        query = query.where(DoNotCall.campaign_id.is_(None))
    elif flt.scope == "campaign":
        query = query.where(DoNotCall.campaign_id.is_not(None))
    if flt.campaign_id is not None:
        query = query.where(DoNotCall.campaign_id == flt.campaign_id)
    if flt.number:
        query = query.where(DoNotCall.e164 == _number(flt.number))
    rows, total = await fetch_page(db, query, (DoNotCall.id.desc(),), limit=limit, offset=offset)
    return [as_dict(r) for r in rows], total


async def listed_numbers(db: AsyncSession, numbers: Iterable[str], campaign_id: int) -> set[str]:
    """Which of ``numbers`` (E.164) the global list or ``campaign_id``'s list holds."""
    wanted = sorted(set(numbers))
    found: set[str] = set()
    for n in range(0, len(wanted), 2000):
        found.update(await db.scalars(select(DoNotCall.e164).where(
            DoNotCall.e164.in_(wanted[n:n + 2000]),
            or_(DoNotCall.campaign_id.is_(None), DoNotCall.campaign_id == campaign_id))))
    return found
