"""Call review over HTTP: the scorecard's criteria, a call's reviews and its notes pinned to moments."""

from __future__ import annotations

from typing import Any

from callcenter.auth.principal import Permission
from callcenter.reviews import services
from callcenter.reviews.schemas import CriterionIn, CriterionPatch, NoteIn, ReviewIn
from web.api.routing import ApiRouter, Call

router = ApiRouter("reviews")


@router.get("/api/review/criteria", summary="The scorecard's criteria and weights, in order",
            permission=Permission.WORK_READ)
async def list_criteria(call: Call) -> dict[str, Any]:
    return {"items": await services.list_criteria(call.db, call.principal)}


@router.post("/api/review/criteria", summary="Add a scorecard criterion (managers)", body=CriterionIn,
             permission=Permission.CATALOGUE_WRITE, status=201, responses={409: "the code is taken"})
async def create_criterion(call: Call) -> dict[str, Any]:
    return await services.create_criterion(call.db, call.principal, call.body)


@router.patch("/api/review/criteria/{criterion_id:int}",
              summary="Rename, reweigh, reorder or retire a criterion (managers); past reviews keep theirs",
              body=CriterionPatch, permission=Permission.CATALOGUE_WRITE)
async def update_criterion(call: Call) -> dict[str, Any]:
    return await services.update_criterion(call.db, call.principal, call.path_int("criterion_id"), call.body)


@router.get("/api/calls/{call_id:int}/review",
            summary="The call's reviews and notes, and the active criteria: reviewers and the call's own operator",
            permission=Permission.WORK_READ)
async def get_reviews(call: Call) -> dict[str, Any]:
    return await services.call_reviews(call.db, call.principal, call.path_int("call_id"))


@router.operation("PUT", "/api/calls/{call_id:int}/review",
                  summary="Score the call (supervisors, managers, admins): my review of it, replaced if I had one",
                  body=ReviewIn, permission=Permission.WORK_READ,
                  responses={422: "a score out of 0..10, or a code no active criterion has"})
async def save_review(call: Call) -> dict[str, Any]:
    return await services.save_review(call.db, call.principal, call.path_int("call_id"), call.body)


@router.post("/api/calls/{call_id:int}/review/notes",
             summary="Pin a comment to a moment of the call (at_ms), or to the whole call",
             body=NoteIn, permission=Permission.WORK_READ, status=201)
async def add_note(call: Call) -> dict[str, Any]:
    return await services.add_note(call.db, call.principal, call.path_int("call_id"), call.body)
