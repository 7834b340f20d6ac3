"""The running campaign for its supervisor: the day's figures, the regulator's window, occupancy, the
operators with their desk state from the hub's board, and the latest attempts. ``static/campaign.js``
loads it every few seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.auth.principal import Permission
from callcenter.calls.today import day_start
from callcenter.campaigns import figures, idle, overview, services, staffing
from callcenter.rows import plain
from web.api.routing import ApiRouter, Call
from web.hub.hub import Hub
from web.hub.live import Agent

router = ApiRouter("campaigns")


@router.get("/api/campaigns/{campaign_id:int}/board",
            summary="The running campaign now: today's figures, the regulator's window, occupancy, operators "
                    "with their desk state, the latest attempts",
            permission=Permission.CAMPAIGNS_READ)
async def board(call: Call) -> dict[str, Any]:
    hub: Hub = call.request.app.state.hub
    campaign_id = call.path_int("campaign_id")
    now = hub.clock()
    since = day_start(now, call.settings.time_zone)
    campaign = await services.get_campaign(call.db, call.principal, campaign_id)
    found = await figures.campaign_figures(call.db, call.principal, campaign_id, since=since, now=now)
    operators = await staffing.campaign_operators(call.db, campaign_id)
    worked = {o["operator_id"]: o for o in found["operators"]}
    talk = sum(o["talk_seconds"] for o in found["operators"])
    rows = []
    for op in staffing.public(operators):
        agent = hub.board.agents.get(op["user_id"]) or Agent(op["user_id"], op["login"])
        mine = worked.get(op["user_id"], {})
        rows.append({**op, "agent": agent.as_dict(now, hub.window), "connected": mine.get("connected", 0),
                     "talk_seconds": mine.get("talk_seconds", 0), "results": mine.get("results", 0)})
    names = await overview.segment_names(call.db, [campaign["segment_id"]])
    why = idle.why_idle(campaign["state"], sum(1 for op in operators if op["joined"]), found["leads"],
                        await idle.pending_timing(call.db, campaign_id, now))
    if why is not None:
        why["next_local"] = _local_time(why["next_at"], now, call.settings.time_zone)
    return {
        "campaign": {**campaign, "segment_name": names.get(campaign["segment_id"])},
        "since": plain(since), "server_time": plain(now),
        "day": now.astimezone(ZoneInfo(call.settings.time_zone)).date().isoformat(),
        "window_since": plain(now - figures.REGULATOR_WINDOWS[found["regulator"]["window"]]),
        "attempts": found["attempts"], "regulator": found["regulator"], "leads": found["leads"],
        "occupancy": staffing.occupancy(operators, talk, since, now),
        "operators": rows, "recent": found["recent"], "idle": why,
    }


def _local_time(iso: str | None, now: datetime, time_zone: str) -> str | None:
    """``iso`` in the installation's zone: the time alone today, with the day otherwise."""
    if iso is None:
        return None
    zone = ZoneInfo(time_zone)
    at = datetime.fromisoformat(iso).astimezone(zone)
    return at.strftime("%H:%M") if at.date() == now.astimezone(zone).date() else at.strftime("%d.%m %H:%M")
