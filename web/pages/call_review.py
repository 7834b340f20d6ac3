"""A call's review page: its recording, its transcript that follows playback, the scorecard and the notes.

The facts are rendered here; the transcript, the reviews and the notes are read and written by
``static/review.js`` through the API, which applies the same rule (reviewers, and the call's own
operator who reads but does not score).
"""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.calls.reading import get_call
from callcenter.errors import NotFound
from callcenter.models import Call
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
    texts = {key: pg.t(f"review.{key}") for key in TEXT_KEYS}
    return await pg.render("calls/review.html", call=call, texts=texts,
                           can_review=pg.principal.role in REVIEWERS)
