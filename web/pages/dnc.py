"""The do-not-call lists: the global one and each campaign's; numbers added and taken off through
``callcenter.campaigns.dnc`` (checked and audited as ``/api/dnc`` is)."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.campaigns import dnc
from callcenter.campaigns.schemas import DncFilter, DncIn
from callcenter.errors import Conflict, NotFound, ValidationFailed
from callcenter.models import Campaign
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50
SCOPES = ["all", "global", "campaign"]


async def _campaigns(pg: Page) -> dict[int, str]:
    return {cid: name for cid, name in await pg.db.execute(select(Campaign.id, Campaign.name).order_by(Campaign.id.desc()))}


async def _show(pg: Page, *, status: int = 200, errors: dict[str, str] | None = None,
                entered: dict[str, str] | None = None) -> Response:
    params = pg.request.query_params
    campaigns = await _campaigns(pg)
    campaign = whole_number(params.get("campaign"))
    campaign = campaign if campaign in campaigns else None
    scope = choice(params.get("scope"), SCOPES) or "all"
    number = " ".join((params.get("number") or "").split())[:64]
    page_no = page_number(params.get("page"))
    try:
        items, total = await dnc.list_numbers(pg.db, pg.principal, DncFilter(scope=scope, campaign_id=campaign,
                                                                            number=number or None),
                                              limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    except ValidationFailed:
        items, total, errors = [], 0, {**(errors or {}), "search": pg.t("err.phone")}
    kept = {k: v for k, v in {"scope": scope if scope != "all" else None, "campaign": campaign,
                              "number": number or None}.items() if v}
    return await pg.render("campaigns/dnc.html", status=status, numbers=items, total=total, campaigns=campaigns,
                           filters={"scope": scope, "campaign": campaign, "number": number}, scopes=SCOPES,
                           errors=errors or {}, entered=entered or {}, here_query=urlencode(kept),
                           may_remove=pg.principal.can(Permission.CAMPAIGNS_WRITE),
                           saved=params.get("saved") or "",
                           **pager("/dnc", page_no, total, PAGE_SIZE, kept))


def _back(pg: Page, saved: str) -> Response:
    query = pg.value("back", 500)
    return pg.redirect("/dnc?" + (query + "&" if query and not query.startswith(("/", "http")) else "") + f"saved={saved}")


@page(permission=Permission.CAMPAIGNS_READ)
async def dnc_list(pg: Page) -> Response:
    return await _show(pg)


@page(permission=Permission.CAMPAIGNS_READ)
async def dnc_add(pg: Page) -> Response:
    entered = {name: pg.value(name, 200) for name in ("number", "campaign_id", "reason")}
    try:
        data = DncIn.model_validate({"number": entered["number"], "reason": entered["reason"],
                                     "campaign_id": int(entered["campaign_id"]) if entered["campaign_id"].isdigit() else None})
        await dnc.add_number(pg.db, pg.principal, data, ip=pg.ip)
    except ValidationError:
        return await _show(pg, status=422, errors={"number": pg.t("err.required")}, entered=entered)
    except ValidationFailed as exc:
        await pg.db.rollback()
        bad = {key: pg.t("err.phone") if key == "number" else reason for key, reason in exc.fields.items()}
        return await _show(pg, status=422, errors=bad, entered=entered)
    except Conflict:
        await pg.db.rollback()
        return await _show(pg, status=409, errors={"number": pg.t("dnc.already")}, entered=entered)
    return _back(pg, "added")


@page(permission=Permission.CAMPAIGNS_WRITE)
async def dnc_remove(pg: Page) -> Response:
    raw = pg.value("campaign_id", 20)
    try:
        await dnc.remove_number(pg.db, pg.principal, pg.value("number", 64),
                                int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None, ip=pg.ip)
    except (NotFound, ValidationFailed):
        await pg.db.rollback()  # taken off already (another tab): the list shows it gone
    return _back(pg, "removed")
