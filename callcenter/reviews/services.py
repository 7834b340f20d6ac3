"""The scorecard and the reviews of calls.

Managers (``catalogue:write``) edit the criteria and their weights; supervisors, managers and admins
score calls, one review per reviewer and call, changed in place, and pin notes to moments of a call.
A review keeps the criteria as they were when it was scored, so a weight changed later does not move
past totals. The total is the weighted share of the best possible score over the criteria scored. The
operator who took the call reads its reviews and notes; every other operator is refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import NotFound, ValidationFailed
from callcenter.models import Call, CallReview, ReviewNote, ScoreCriterion, User
from callcenter.references import ensure_unique
from callcenter.reviews.access import require_listener, require_reviewer
from callcenter.reviews.schemas import MAX_SCORE, CriterionIn, CriterionPatch, NoteIn, ReviewIn
from callcenter.rows import as_dict


async def list_criteria(db: AsyncSession, principal: Principal, *, active_only: bool = False) -> list[dict[str, Any]]:
    principal.require(Permission.WORK_READ)
    query = select(ScoreCriterion).order_by(ScoreCriterion.sort_order, ScoreCriterion.id)
    if active_only:
        query = query.where(ScoreCriterion.is_active.is_(True))
    return [as_dict(c) for c in await db.scalars(query)]


async def create_criterion(db: AsyncSession, principal: Principal, data: CriterionIn) -> dict[str, Any]:
    principal.require(Permission.CATALOGUE_WRITE)
    await ensure_unique(db, ScoreCriterion.code, data.code, None, "code", f"A criterion with code {data.code!r} exists.")
    criterion = ScoreCriterion(**data.model_dump())
    db.add(criterion)
    await db.flush()
    audit.record(db, principal, "create", "score_criterion", criterion.id, data.model_dump())
    await db.commit()
    return as_dict(criterion)


async def update_criterion(db: AsyncSession, principal: Principal, criterion_id: int,
                           data: CriterionPatch) -> dict[str, Any]:
    principal.require(Permission.CATALOGUE_WRITE)
    criterion = await db.get(ScoreCriterion, criterion_id)
    if criterion is None:
        raise NotFound("score_criterion", criterion_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(criterion, name, value)
    audit.record(db, principal, "update", "score_criterion", criterion.id, audit.changed_fields(criterion))
    await db.commit()
    return as_dict(criterion)


async def _call(db: AsyncSession, call_id: int) -> Call:
    call = await db.get(Call, call_id)
    if call is None:
        raise NotFound("call", call_id)
    return call


def _total(scores: list[dict[str, Any]]) -> Decimal:
    best = sum(int(s["weight"]) * MAX_SCORE for s in scores)
    got = sum(int(s["weight"]) * int(s["score"]) for s in scores)
    return (Decimal(100 * got) / Decimal(best)).quantize(Decimal("0.01"), ROUND_HALF_UP)


async def save_review(db: AsyncSession, principal: Principal, call_id: int, data: ReviewIn) -> dict[str, Any]:
    """Score call ``call_id`` as ``principal`` (their earlier review of it is replaced)."""
    principal.require(Permission.WORK_READ)
    require_reviewer(principal)
    call = await _call(db, call_id)
    criteria = {c.code: c for c in await db.scalars(select(ScoreCriterion).where(ScoreCriterion.is_active.is_(True)))}
    unknown = sorted(set(data.scores) - set(criteria))
    if unknown:
        raise ValidationFailed({f"scores.{code}": "no active criterion has this code" for code in unknown})
    scores = [{"code": code, "name": criteria[code].name, "weight": criteria[code].weight, "score": score}
              for code, score in sorted(data.scores.items(), key=lambda item: (criteria[item[0]].sort_order, item[0]))]
    review = await db.scalar(select(CallReview).where(CallReview.call_id == call.id,
                                                      CallReview.reviewer_id == principal.user_id))
    action = "update" if review is not None else "create"
    if review is None:
        review = CallReview(call_id=call.id, reviewer_id=principal.user_id)
        db.add(review)
    review.scores, review.total, review.comment = scores, _total(scores), data.comment
    await db.flush()
    audit.record(db, principal, action, "call_review", review.id,
                 {"call_id": call.id, "total": str(review.total), "scores": {s["code"]: s["score"] for s in scores}})
    await db.commit()
    return _review_dict(review, {principal.user_id: principal.login})


async def add_note(db: AsyncSession, principal: Principal, call_id: int, data: NoteIn) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    require_reviewer(principal)
    call = await _call(db, call_id)
    note = ReviewNote(call_id=call.id, author_id=principal.user_id, at_ms=data.at_ms, text=data.text)
    db.add(note)
    await db.flush()
    audit.record(db, principal, "create", "call_review_note", note.id, {"call_id": call.id, "at_ms": data.at_ms})
    await db.commit()
    return _note_dict(note, {principal.user_id: principal.login})


async def call_reviews(db: AsyncSession, principal: Principal, call_id: int) -> dict[str, Any]:
    """The call's reviews and notes, for reviewers and the call's own operator."""
    principal.require(Permission.WORK_READ)
    call = await _call(db, call_id)
    require_listener(principal, call)
    notes = list(await db.scalars(select(ReviewNote).where(ReviewNote.call_id == call.id)
                                  .order_by(ReviewNote.at_ms.is_(None), ReviewNote.at_ms, ReviewNote.id)))
    reviews = await _reviews(db, call.id)
    logins = await _logins(db, [n.author_id for n in notes])
    return {"call_id": call.id, "reviews": reviews, "notes": [_note_dict(n, logins) for n in notes],
            "criteria": await list_criteria(db, principal, active_only=True)}


async def _reviews(db: AsyncSession, call_id: int) -> list[dict[str, Any]]:
    reviews = list(await db.scalars(select(CallReview).where(CallReview.call_id == call_id).order_by(CallReview.id)))
    logins = await _logins(db, [r.reviewer_id for r in reviews])
    return [_review_dict(r, logins) for r in reviews]


async def _logins(db: AsyncSession, user_ids: list[int | None]) -> dict[int, str]:
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    return {uid: login for uid, login in await db.execute(select(User.id, User.login).where(User.id.in_(wanted)))}


def _review_dict(review: CallReview, logins: dict[int, str]) -> dict[str, Any]:
    return {**as_dict(review), "total": float(review.total),
            "reviewer": logins.get(review.reviewer_id) if review.reviewer_id is not None else None}


def _note_dict(note: ReviewNote, logins: dict[int, str]) -> dict[str, Any]:
    return {**as_dict(note), "author": logins.get(note.author_id) if note.author_id is not None else None}
