"""Campaign pages: the list with the day's figures, the editor of every field and rule, and start, pause and
stop. Everything goes through ``callcenter.campaigns.services``, so it is checked and audited as the API's
``/api/campaigns`` would be."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.calls.today import day_start
from callcenter.campaigns import overview, services
from callcenter.campaigns.errors import CampaignLocked
from callcenter.campaigns.schemas import MAX_ABANDON_RATE, WEEKDAYS, CampaignFilter, CampaignIn, CampaignPatch
from callcenter.db.base import utcnow
from callcenter.enums import CampaignState, DialMode, Role
from callcenter.errors import ValidationFailed
from callcenter.models import Segment, Team
from callcenter.users.directory import operator_choices
from web.pages.campaign_fields import CampaignForm, schema_errors
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager

PAGE_SIZE = 50
STATES = [s.value for s in CampaignState]
ACTIONS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    "start": services.start_campaign, "pause": services.pause_campaign, "stop": services.stop_campaign}


@page(permission=Permission.CAMPAIGNS_READ)
async def campaigns_list(pg: Page) -> Response:
    params = pg.request.query_params
    state = choice(params.get("state"), STATES)
    number = page_number(params.get("page"))
    items, total = await services.list_campaigns(pg.db, pg.principal, CampaignFilter(state=state), limit=PAGE_SIZE,
                                                 offset=(number - 1) * PAGE_SIZE)
    since = day_start(utcnow(), pg.settings.time_zone)
    today = await overview.day_figures(pg.db, [c["id"] for c in items], since)
    segments = await overview.segment_names(pg.db, [c["segment_id"] for c in items])
    return await pg.render("campaigns/list.html", campaigns=items, today=today, segments=segments, total=total,
                           states=STATES, state=state or "", budget=MAX_ABANDON_RATE, since_today=since.isoformat(),
                           may_write=pg.principal.can(Permission.CAMPAIGNS_WRITE),
                           **pager("/campaigns", number, total, PAGE_SIZE, {"state": state} if state else {}))


async def _choices(pg: Page, form: CampaignForm) -> dict[str, Any]:
    segments = {sid: name for sid, name in await pg.db.execute(select(Segment.id, Segment.name).order_by(Segment.name))}
    teams = {tid: name for tid, name in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}
    return {"segments": segments, "teams": teams, "operators": await operator_choices(pg.db, (Role.OPERATOR,), also=_ids(form.operator_ids)),
            "modes": [m.value for m in DialMode], "weekdays": WEEKDAYS}


def _ids(values: list[str]) -> list[int]:
    """The operators a form already names (kept listed even if their role changed since)."""
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


async def _show(pg: Page, form: CampaignForm, *, campaign: dict[str, Any] | None, errors: dict[str, str] | None = None,
                problem: str | None = None, status: int = 200) -> Response:
    return await pg.render("campaigns/form.html", status=status, form=form, campaign=campaign,
                           action=f"/campaigns/{campaign['id']}/edit" if campaign else "/campaigns/new",
                           errors=errors or {}, problem=problem, **await _choices(pg, form))


async def _save(pg: Page, form: CampaignForm, campaign: dict[str, Any] | None) -> Response:
    payload = form.payload()
    try:
        if campaign is None:
            saved = await services.create_campaign(pg.db, pg.principal, CampaignIn.model_validate(payload), ip=pg.ip)
        else:
            # Only what changed is sent (compared once normalised: "+7 495 ..." is the stored "+7495..."), so a
            # running campaign takes a new name without a pause.
            wanted = CampaignPatch.model_validate(payload)
            stored = CampaignPatch.model_validate(CampaignForm.from_campaign(campaign).payload())
            patch = CampaignPatch.model_validate({k: v for k, v in payload.items()
                                                  if getattr(wanted, k) != getattr(stored, k)})
            saved = await services.update_campaign(pg.db, pg.principal, campaign["id"], patch, ip=pg.ip)
    except ValidationError as exc:
        return await _show(pg, form, campaign=campaign, errors=schema_errors(pg.t, exc, form.windows), status=422)
    except ValidationFailed as exc:
        await pg.db.rollback()
        errors = {key.split(".")[0]: reason for key, reason in exc.fields.items()}
        return await _show(pg, form, campaign=campaign, errors=errors, status=422)
    except CampaignLocked as exc:
        await pg.db.rollback()
        fields = ", ".join(pg.t(f"campaigns.field.{f}") if pg.t.has(f"campaigns.field.{f}") else f
                           for f in exc.details.get("fields", []))
        return await _show(pg, form, campaign=campaign, problem=pg.t("campaigns.locked", fields=fields), status=409)
    return pg.redirect(f"/campaigns/{saved['id']}?saved=1")


@page(permission=Permission.CAMPAIGNS_WRITE)
async def campaign_new(pg: Page) -> Response:
    if pg.form is None:
        return await _show(pg, CampaignForm.blank(), campaign=None)
    return await _save(pg, CampaignForm.from_page(pg), None)


@page(permission=Permission.CAMPAIGNS_WRITE)
async def campaign_edit(pg: Page) -> Response:
    campaign = await services.get_campaign(pg.db, pg.principal, pg.path_id("campaign_id"))
    if pg.form is None:
        return await _show(pg, CampaignForm.from_campaign(campaign), campaign=campaign)
    return await _save(pg, CampaignForm.from_page(pg), campaign)


@page(permission=Permission.CAMPAIGNS_WRITE)
async def campaign_action(pg: Page) -> Response:
    """Start, pause or stop (``POST /campaigns/{id}/{action}``); back to where the button was."""
    action = ACTIONS.get(pg.request.path_params["action"])
    if action is None:
        return await pg.error(404)
    campaign_id = pg.path_id("campaign_id")
    await action(pg.db, pg.principal, campaign_id, ip=pg.ip)
    back = pg.value("next", 200)
    return pg.redirect(back if back in ("/campaigns", f"/campaigns/{campaign_id}") else f"/campaigns/{campaign_id}")
