"""Client analytics over HTTP: classify clients by ABC and XYZ now, and read the last run."""

from __future__ import annotations

from typing import Any

from callcenter.analytics.schemas import ClassifyIn
from callcenter.analytics.services import classify, last_run
from callcenter.auth.principal import Permission
from callcenter.db.base import utcnow
from web.api.routing import ApiRouter, Call

router = ApiRouter("analytics")


@router.post("/api/analytics/classes",
             summary="Classify every client by ABC (revenue, margin or number of sales) and XYZ (steadiness of "
                     "monthly purchases) over from..to; writes the client fields and returns the run with its moves",
             permission=Permission.CATALOGUE_WRITE, body=ClassifyIn,
             responses={422: "to before from, an unknown measure, or bounds that do not rise"})
async def run(call: Call) -> dict[str, Any]:
    b = call.body
    return await classify(call.db, call.principal, first=b.from_, last=b.to, measure=b.measure,
                          abc_bounds=b.abc_bounds, xyz_bounds=b.xyz_bounds, now=utcnow())


@router.get("/api/analytics/classes", summary="The last classification run: its period, counts and moves",
            permission=Permission.USERS_READ)
async def latest(call: Call) -> dict[str, Any]:
    return {"run": await last_run(call.db, call.principal)}
