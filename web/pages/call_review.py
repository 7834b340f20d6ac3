"""A call's review page: its facts and the client's dossier, its recording, its transcript that follows
playback, the scorecard and the notes.

The facts are rendered here; the transcript, the reviews and the notes are read and written by
``static/review.js`` through the API, which applies the same rule (reviewers, and the call's own
operator who reads but does not score).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.calls.reading import get_call
from callcenter.dossier.services import dossier_by_client_id
from callcenter.errors import Forbidden, NotFound
from callcenter.models import Call, Interaction
from callcenter.reviews.access import REVIEWERS, require_listener
from web.pages.context import Page, page

TEXT_KEYS = ("transcript.loading", "transcript.none", "transcript.pending", "transcript.failed", "speaker.client",
             "speaker.operator", "score.saved", "score.failed", "score.total", "note.added", "note.failed",
             "note.whole_call", "by", "none", "load_failed")


@page(permission=Permission.WORK_READ)
async def call_review(pg: Page) -> Response:
    call_id = pg.path_id("call_id")
    call = await get_call(pg.db, pg.principal, call_id)  # the call log's sight rules
    row = await pg.db.get(Call, call_id)
    if row is None:
        raise NotFound("call", call_id)
    require_listener(pg.principal, row)
    dossier, contact = await _client_of(pg, call)
    texts = {key: pg.t(f"review.{key}") for key in TEXT_KEYS}
    return await pg.render("calls/review.html", call=call, texts=texts, dossier=dossier, contact=contact,
                           can_review=pg.principal.role in REVIEWERS)


async def _client_of(pg: Page, call: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The client's dossier as it is now, and the contact person the call was with; None where unknown or
    where the reader may not see the client (an operator limited to their own clients)."""
    if call["client_id"] is None:
        return None, None
    try:
        dossier = await dossier_by_client_id(pg.db, pg.principal, call["client_id"])
    except Forbidden:
        return None, None
    if dossier is None or call["interaction_id"] is None:
        return dossier, None
    contact_id = await pg.db.scalar(select(Interaction.contact_id).where(Interaction.id == call["interaction_id"]))
    return dossier, next((c for c in dossier["contacts"] if c["id"] == contact_id), None)
