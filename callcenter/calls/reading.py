"""Finding logged calls, with the same sight rules as interactions (:mod:`callcenter.access`).

A call is visible as its interaction is: an operator restricted to their own clients sees the calls of
those clients, and calls with no client that they answered (or dialled).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.access import require_attached_access, visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.calls.schemas import CallFilter
from callcenter.calls.serialize import call_dicts
from callcenter.errors import NotFound, ValidationFailed
from callcenter.models import Call, CallReview, DialAttempt, Disposition, Interaction, User
from callcenter.models.enums import CallOutcome
from callcenter.reviews.access import listenable
from callcenter.rows import fetch_page, where_equal
from callcenter.transcripts.search import calls_saying


async def _operator_id(db: AsyncSession, operator: str) -> int:
    """A user id given as an id or a login; an unknown one is a field error, not an empty list."""
    if operator.isascii() and operator.isdigit():
        found = await db.scalar(select(User.id).where(User.id == int(operator))) if len(operator) < 19 else None
    else:
        found = await db.scalar(select(User.id).where(User.login == operator))
    if found is None:
        raise ValidationFailed({"operator": "no user with this id or login"})
    return int(found)


async def list_calls(
    db: AsyncSession, principal: Principal, flt: CallFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    principal.require(Permission.WORK_READ)
    query = select(Call).join(Interaction, Interaction.id == Call.interaction_id)
    query = visible_attached(principal, query, Interaction.client_id, Interaction.user_id)
    operator_id = await _operator_id(db, flt.operator) if flt.operator is not None else None
    # An operator's calls are those they answered and those they dialled out, answered or not: the calls
    # the manager's figures count for them (the interaction's user is exactly that).
    query = where_equal(query, (
        (Interaction.user_id, operator_id),
        (Call.direction, flt.direction),
        (Call.outcome, flt.outcome),
        (Interaction.client_id, flt.client_id),
        (Call.queue, flt.queue),
        (Interaction.disposition_id, flt.result_id),
    ))
    if flt.team_id is not None:
        query = query.where(Interaction.user_id.in_(select(User.id).where(User.team_id == flt.team_id)))
    if flt.min_talk_seconds is not None:
        query = query.where(Call.talk_seconds >= flt.min_talk_seconds)
    if flt.max_talk_seconds is not None:
        query = query.where(Call.talk_seconds <= flt.max_talk_seconds)
    if flt.q is not None:
        # Words said are found only in the transcripts the asker may read, or a search would tell them.
        query = query.where(listenable(principal), Call.id.in_(calls_saying(db.get_bind().dialect.name, flt.q)))
    if flt.answered is not None:
        taken = Call.outcome.in_((CallOutcome.ANSWERED, CallOutcome.TRANSFERRED))
        query = query.where(taken if flt.answered else (~taken | Call.outcome.is_(None)))
    if flt.has_result is not None:
        query = query.where(Interaction.disposition_id.is_not(None) if flt.has_result
                            else Interaction.disposition_id.is_(None))
    if flt.result_counts is not None:
        counting = Interaction.disposition_id.in_(select(Disposition.id).where(Disposition.counts_as_result))
        query = query.where(counting if flt.result_counts else ~counting | Interaction.disposition_id.is_(None))
    if flt.campaign_id is not None:
        placed = select(DialAttempt.channel_id).where(DialAttempt.campaign_id == flt.campaign_id)
        query = query.where(Call.linkedid.in_(placed))
    if flt.reviewed is not None:
        reviewed = select(CallReview.id).where(CallReview.call_id == Call.id).exists()
        query = query.where(reviewed if flt.reviewed else ~reviewed)
    if flt.from_ is not None:
        query = query.where(Call.started_at >= flt.from_)
    if flt.to is not None:
        query = query.where(Call.started_at < flt.to)
    rows, total = await fetch_page(db, query, (Call.started_at.desc(), Call.id.desc()), limit=limit, offset=offset)
    return await call_dicts(db, rows), total


async def get_call(db: AsyncSession, principal: Principal, call_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    call = await db.get(Call, call_id)
    if call is None:
        raise NotFound("call", call_id)
    interaction = await db.get(Interaction, call.interaction_id)
    assert interaction is not None
    await require_attached_access(db, principal, interaction.client_id, interaction.user_id, "call")
    return (await call_dicts(db, [call]))[0]
