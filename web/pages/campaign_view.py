"""The running campaign for supervisors (kept current by ``static/campaign.js`` from
``/api/campaigns/{id}/board``), and the attempts behind each of its figures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.campaigns import figures, idle, overview, services
from callcenter.campaigns.schemas import CampaignRules
from callcenter.campaigns.stages import AMD_VERDICTS, STAGES
from callcenter.enums import AttemptOutcome
from callcenter.users.directory import owner_choices
from web.pages.calls_list import span_of
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50
OUTCOMES = [o.value for o in AttemptOutcome]


def _texts(pg: Page) -> dict[str, Any]:
    """What the script writes itself, in the page's language."""
    t = pg.t
    return {
        "agent": {s: t(f"live.agent.{s}") for s in ("available", "paused", "in_call", "wrap_up")},
        "outcome": {o: t(f"attempt.{o}") for o in OUTCOMES},
        "stage": {s: t(f"attempt.{s}") for s in (*STAGES, *OUTCOMES)},
        "amd": {v: t(f"amd.{v}") for v in AMD_VERDICTS},
        "idle": {r: t(f"campaigns.idle.{r}") for r in idle.REASONS},
        "waited": t("campaigns.waited"),
        "joined": t("campaigns.op.joined"), "not_joined": t("campaigns.op.not_joined"),
        "load_failed": t("live.load_failed"), "open_call": t("campaigns.open_call"),
        "none": t("desk.pop.none"),
    }


@page(permission=Permission.CAMPAIGNS_READ)
async def campaign_view(pg: Page) -> Response:
    campaign = await services.get_campaign(pg.db, pg.principal, pg.path_id("campaign_id"))
    segments = await overview.segment_names(pg.db, [campaign["segment_id"]])
    rules = CampaignRules.model_validate({**CampaignRules().model_dump(), **campaign["rules"]})
    return await pg.render("campaigns/view.html", campaign=campaign, segment=segments.get(campaign["segment_id"]),
                           rules=rules, texts=_texts(pg), saved=pg.request.query_params.get("saved") == "1",
                           may_write=pg.principal.can(Permission.CAMPAIGNS_WRITE), time_zone=pg.settings.time_zone)


def _instant(value: str | None) -> datetime | None:
    """An ISO time from a figure's link (``since``); anything else means no bound."""
    try:
        found = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


@page(permission=Permission.CAMPAIGNS_READ)
async def campaign_attempts(pg: Page) -> Response:
    """Attempts by outcome, operator, live or connected, and time (``since`` from the page's figures, or whole days
    ``from``..``to`` from the dashboard)."""
    campaign = await services.get_campaign(pg.db, pg.principal, pg.path_id("campaign_id"))
    params = pg.request.query_params
    outcome = choice(params.get("outcome"), OUTCOMES)
    operator = whole_number(params.get("operator"))
    live = choice(params.get("live"), ["yes", "no"])
    connected = choice(params.get("connected"), ["yes", "no"])
    span = span_of(params.get("from"), params.get("to"), pg.settings.time_zone)
    since = span.start if span else _instant(params.get("since"))
    until = span.end if span else None
    number = page_number(params.get("page"))
    items, total = await figures.list_attempts(
        pg.db, pg.principal, campaign["id"], outcome=AttemptOutcome(outcome) if outcome else None,
        operator_id=operator, live=None if live is None else live == "yes",
        connected=None if connected is None else connected == "yes", since=since, until=until,
        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    kept = {k: v for k, v in {
        "outcome": outcome, "operator": operator, "live": live, "connected": connected,
        "since": since.isoformat() if since and not span else None,
        "from": span.first.isoformat() if span else None, "to": span.last.isoformat() if span else None,
    }.items() if v}
    operators = {o.id: o.label for o in await owner_choices(pg.db, also=operator)}
    return await pg.render("campaigns/attempts.html", campaign=campaign, attempts=items, total=total,
                           amd_verdicts=AMD_VERDICTS,
                           outcomes=OUTCOMES, operators=operators, span=span, since=since if not span else None,
                           filters={"outcome": outcome or "", "operator": operator, "live": live or "",
                                    "connected": connected or ""}, kept=kept,
                           **pager(f"/campaigns/{campaign['id']}/attempts", number, total, PAGE_SIZE, kept))
