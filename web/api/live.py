"""The supervisor's live view over HTTP: today's figures from the call log joined with the hub's board.

The page loads this once, then follows ``/ws?live=1`` (``live.call``, ``live.agent``) and loads it again
when a call ends, so the day's figures move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from callcenter.auth.principal import Permission
from callcenter.calls.matching import client_names
from callcenter.calls.today import day_start, operators_day, queue_day
from callcenter.db.base import utcnow
from callcenter.desk.schemas import SpyIn
from callcenter.desk.spying import require_live_listener, spy_request
from callcenter.errors import CallNotAnswered, CallNotLive
from callcenter.models import User
from callcenter.rows import plain
from web.api.desk import bus_of, unreachable
from web.api.routing import ApiRouter, Call
from web.hub.hub import Hub
from web.hub.live import Agent, LiveCall

router = ApiRouter("live")

WAITING = ("queued", "ringing")


def _seconds_since(now: datetime, then: datetime) -> int:
    return max(0, int((now - then).total_seconds()))


def live_queues(day: list[dict[str, Any]], calls: list[LiveCall], now: datetime) -> list[dict[str, Any]]:
    """Today's queues, plus any queue that only has live calls yet, with who waits in each now."""
    queues = {q["queue"]: dict(q) for q in day}
    for call in calls:
        if call.queue and call.queue not in queues:
            queues[call.queue] = {"queue": call.queue, "calls": 0, "answered": 0, "abandoned": 0,
                                  "service_level": None, "avg_wait_seconds": None, "longest_wait_seconds": None}
    for name, queue in queues.items():
        waiting = [c for c in calls if c.queue == name and c.state in WAITING]
        oldest = min((c.started_at for c in waiting), default=None)
        queue["waiting"] = len(waiting)
        queue["longest_waiting_seconds"] = _seconds_since(now, oldest) if oldest is not None else None
        queue["oldest_waiting_since"] = plain(oldest)
    return sorted(queues.values(), key=lambda q: q["queue"])


@router.get("/api/live",
            summary="The live view: queues (waiting now, today's answered, abandoned and service level), "
                    "operators (desk state, current call, calls today) and the calls going on",
            permission=Permission.USERS_READ)
async def live(call: Call) -> dict[str, Any]:
    hub: Hub = call.request.app.state.hub
    settings = call.settings
    now = hub.clock()
    since = day_start(now, settings.time_zone)
    day_queues = await queue_day(call.db, since=since, service_level_seconds=settings.service_level_seconds)
    day_operators = await operators_day(call.db, since=since)
    board = list(hub.board.calls.values())
    logins = {**{o["user_id"]: o["login"] for o in day_operators}, **hub.directory.logins}
    calls = [c.as_watched(logins) for c in sorted(board, key=lambda c: c.started_at)]
    unknown = {c["linkedid"]: c["caller"] if c["direction"] != "outbound" else c["callee"]
               for c in calls if c["client_id"] is None}
    names = await client_names(call.db, [n for n in unknown.values() if n.startswith("+")])
    for c in calls:
        if c["linkedid"] in unknown and unknown[c["linkedid"]] in names:
            c["client_id"], c["client_name"] = names[unknown[c["linkedid"]]]
    by_linkedid = {c["linkedid"]: c for c in calls}
    operators = []
    for op in day_operators:
        found = hub.board.agents.get(op["user_id"])
        agent = (found or Agent(op["user_id"], op["login"])).as_dict(now, hub.window)
        current = by_linkedid.get(agent["call"]) if agent["state"] == "in_call" else None
        ringing = [c["linkedid"] for c in calls if op["login"] in c["ringing"]]
        operators.append({**op, "agent": agent, "call": current, "ringing": ringing})
    return {
        "queues": live_queues(day_queues, board, now),
        "operators": operators,
        "calls": calls,
        "service_level_seconds": settings.service_level_seconds,
        "day_start": plain(since),
        "time_zone": settings.time_zone,
        "server_time": plain(now),
    }


@router.post("/api/live/calls/{linkedid}/spy",
             summary="Listen in on a live call from my phone: listen, whisper to the operator, or barge in",
             permission=Permission.USERS_READ, body=SpyIn, status=202,
             responses={403: "operators may not listen in", 404: "no such call going on",
                        409: "no operator is on the call yet", 422: "I or the operator have no phone",
                        503: "no connection to the PBX"})
async def spy(call: Call) -> Any:
    if (refused := unreachable(call)) is not None:
        return refused
    require_live_listener(call.principal)
    hub: Hub = call.request.app.state.hub
    linkedid = call.request.path_params["linkedid"]
    live_call = hub.board.calls.get(linkedid)
    if live_call is None or live_call.state == "ended":
        raise CallNotLive(linkedid)
    operator = await call.db.get(User, live_call.answered_by) if live_call.answered_by is not None else None
    if live_call.state != "answered" or operator is None:
        raise CallNotAnswered(linkedid)
    command = await spy_request(call.db, call.principal, linkedid=linkedid, operator=operator, mode=call.body.mode,
                                now=utcnow(), operator_interface=live_call.answered_interface, ip=call.ip)
    bus_of(call).publish(command)
    return {"command_id": command.command_id, "linkedid": linkedid, "mode": command.mode,
            "operator": operator.login, "interface": command.interface,
            "operator_interface": command.operator_interface}
