"""The operator's desk: their state with pause and resume, the pops of ringing calls with the caller's
dossier, the wrap-up form after a call, and the campaigns the operator works with their previews. The page is a
shell; ``static/desk.js`` fills it from ``/ws`` (``static/desk_campaigns.js``: joining campaigns, previews)."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.campaigns.operators import desk_campaigns
from callcenter.catalogue.schemas import DispositionFilter
from callcenter.catalogue.services import list_dispositions
from callcenter.models.enums import (
    CallOutcome,
    ClaimStatus,
    ClientKind,
    Direction,
    InteractionKind,
    Stage,
    TaskKind,
)
from web.pages.context import Page, page

# Pause reasons offered; the code travels to the PBX and back, and each page shows it in its language.
PAUSE_REASONS = ("lunch", "break", "training", "other")
MAX_DISPOSITIONS = 200


@page(permission=Permission.WORK_WRITE)
async def desk(pg: Page) -> Response:
    dispositions, _ = await list_dispositions(pg.db, pg.principal, DispositionFilter(active=True),
                                              limit=MAX_DISPOSITIONS, offset=0)
    vocabularies = {
        prefix: {item.value: pg.t(f"{prefix}.{item.value}") for item in vocabulary}
        for prefix, vocabulary in (
            ("kind", ClientKind), ("stage", Stage), ("task_kind", TaskKind), ("claim_status", ClaimStatus),
            ("interaction_kind", InteractionKind), ("direction", Direction), ("call_outcome", CallOutcome),
        )
    }
    vocabularies["reason"] = {reason: pg.t(f"desk.reason.{reason}") for reason in PAUSE_REASONS}
    return await pg.render(
        "desk.html",
        dispositions=[{"id": d["id"], "name": d["name"]} for d in dispositions],
        pause_reasons=PAUSE_REASONS,
        kinds=[k.value for k in ClientKind],
        vocabularies=vocabularies,
        campaigns=await desk_campaigns(pg.db, pg.principal.user_id),
    )
