"""Campaigns over HTTP: make, read and change them, start, pause and stop them, join and leave them
(the operator themself), and their figures and attempts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from callcenter.auth.principal import Permission
from callcenter.campaigns import figures, operators, services
from callcenter.campaigns.schemas import CampaignFilter, CampaignIn, CampaignPatch
from callcenter.enums import AttemptOutcome
from callcenter.ids import Id
from callcenter.when import LocalInstant
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("campaigns")
CAMPAIGN = "/api/campaigns/{campaign_id:int}"


class CampaignListQuery(PageQuery, CampaignFilter):
    model_config = ConfigDict(extra="forbid")


class FiguresQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: LocalInstant | None = None  # the shift's or the day's start; all attempts when absent


class AttemptsQuery(PageQuery):
    model_config = ConfigDict(extra="forbid")

    outcome: AttemptOutcome | None = None
    operator_id: Id | None = None
    live: bool | None = None
    connected: bool | None = None
    since: LocalInstant | None = None
    until: LocalInstant | None = None


@router.get("/api/campaigns", summary="List campaigns, newest first (an operator: the campaigns they belong to)",
            query=CampaignListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await services.list_campaigns(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.post("/api/campaigns", summary="Make a campaign (a draft)", permission=Permission.CAMPAIGNS_WRITE,
             body=CampaignIn, status=201)
async def create(call: Call) -> dict[str, Any]:
    return await services.create_campaign(call.db, call.principal, call.body, ip=call.ip)


@router.get(CAMPAIGN, summary="One campaign, its operators and its leads by state")
async def get(call: Call) -> dict[str, Any]:
    return await services.get_campaign(call.db, call.principal, call.path_int("campaign_id"))


@router.patch(CAMPAIGN, summary="Change a campaign (what may change depends on its state)",
              permission=Permission.CAMPAIGNS_WRITE, body=CampaignPatch)
async def update(call: Call) -> dict[str, Any]:
    return await services.update_campaign(call.db, call.principal, call.path_int("campaign_id"), call.body, ip=call.ip)


@router.post(CAMPAIGN + "/start", summary="Start a draft or paused campaign (the first start freezes its segment)",
             permission=Permission.CAMPAIGNS_WRITE)
async def start(call: Call) -> dict[str, Any]:
    return await services.start_campaign(call.db, call.principal, call.path_int("campaign_id"), ip=call.ip)


@router.post(CAMPAIGN + "/pause", summary="Pause a running campaign", permission=Permission.CAMPAIGNS_WRITE)
async def pause(call: Call) -> dict[str, Any]:
    return await services.pause_campaign(call.db, call.principal, call.path_int("campaign_id"), ip=call.ip)


@router.post(CAMPAIGN + "/stop", summary="Finish a running or paused campaign for good",
             permission=Permission.CAMPAIGNS_WRITE)
async def stop(call: Call) -> dict[str, Any]:
    return await services.stop_campaign(call.db, call.principal, call.path_int("campaign_id"), ip=call.ip)


@router.post(CAMPAIGN + "/join", summary="Start taking the campaign's calls (an operator of the campaign)")
async def join(call: Call) -> dict[str, Any]:
    return await operators.join_campaign(call.db, call.principal, call.path_int("campaign_id"), ip=call.ip)


@router.post(CAMPAIGN + "/leave", summary="Stop taking the campaign's calls")
async def leave(call: Call) -> dict[str, Any]:
    return await operators.leave_campaign(call.db, call.principal, call.path_int("campaign_id"), ip=call.ip)


@router.get(CAMPAIGN + "/figures", summary="The campaign's figures: leads, attempts, abandoned share, operators",
            permission=Permission.CAMPAIGNS_READ, query=FiguresQuery)
async def figures_(call: Call) -> dict[str, Any]:
    return await figures.campaign_figures(call.db, call.principal, call.path_int("campaign_id"), since=call.query.since)


@router.get(CAMPAIGN + "/attempts", summary="The campaign's attempts, newest first, each with its call's linkedid",
            permission=Permission.CAMPAIGNS_READ, query=AttemptsQuery)
async def attempts(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await figures.list_attempts(call.db, call.principal, call.path_int("campaign_id"),
                                               outcome=q.outcome, operator_id=q.operator_id, live=q.live,
                                               connected=q.connected, since=q.since, until=q.until,
                                               limit=q.limit, offset=q.offset)
    return page(items, total, q)
