"""The operator's desk over HTTP: the wrap-up after a call, click-to-call, pause, and the answer to a preview.

Dial and pause are commands for the PBX: they are published on the event bus and answered 202 at once;
the PBX's answer comes back over the WebSocket (the phone rings, the desk state changes, or an ``error``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.bus import EventBus
from callcenter.calls import wrapup
from callcenter.calls.matching import find_client
from callcenter.calls.schemas import WrapUpIn
from callcenter.campaigns.previews import preview_decision
from callcenter.db.base import utcnow
from callcenter.desk import commands
from callcenter.desk.events import WrapUpDone
from callcenter.desk.schemas import DialIn, PauseIn, PreviewIn
from callcenter.phones import BadPhone, to_e164
from web.api.routing import ApiRouter, Call
from web.hub.hub import Hub
from web.responses import error

router = ApiRouter("desk")


def bus_of(call: Call) -> EventBus:
    bus: EventBus = call.request.app.state.bus
    return bus


def unreachable(call: Call) -> Response | None:
    """503 when no process would carry a command to the PBX (no telephony here and no broker)."""
    if getattr(call.request.app.state, "commands_reach_pbx", False):
        return None
    return error(503, "telephony-unavailable",
                 "No connection to the PBX is configured: run telephony in this process or set CALLCENTER_BROKER_URL.")


@router.post("/api/calls/wrap-up",
             summary="Set a finished call's result and notes, with a callback, deal or claim as its next step",
             permission=Permission.WORK_WRITE, body=WrapUpIn,
             responses={404: "no call with this linkedid was logged within a few seconds"})
async def wrap_up(call: Call) -> dict[str, Any]:
    now = utcnow()
    result = await wrapup.wrap_up(call.db, call.principal, call.body, now=now, ip=call.ip)
    user_id = result["operator_id"] if result["operator_id"] is not None else call.principal.user_id
    bus_of(call).publish(WrapUpDone(user_id=user_id, linkedid=result["linkedid"], at=now))
    return result


@router.post("/api/desk/dial", summary="Click-to-call: ring my phone, then dial the number from it",
             permission=Permission.WORK_WRITE, body=DialIn, status=202,
             responses={409: "another operator is on a call with this client, or wrapping one up",
                        422: "not a phone number, or no extension", 503: "no connection to the PBX"})
async def dial(call: Call) -> Any:
    if (refused := unreachable(call)) is not None:
        return refused
    try:
        e164 = to_e164(call.body.phone, call.settings.default_region)
    except BadPhone as exc:
        return error(422, "bad-phone", f"Not a phone number: {exc.reason}.", fields={"phone": exc.reason})
    client_id, _ = await find_client(call.db, e164)
    hub: Hub = call.request.app.state.hub
    if (busy := hub.working_on(e164, client_id, other_than=call.principal.user_id)) is not None:
        who, how = busy
        return error(409, "client-in-work",
                     f"{who} is {'on a call with' if how == 'call' else 'wrapping up a call with'} this client now; "
                     "a client is worked by one operator at a time.", operator=who, state=how)
    command = await commands.dial_request(call.db, call.principal, e164, now=utcnow(), client_id=client_id)
    bus_of(call).publish(command)
    return {"command_id": command.command_id, "number": command.number, "interface": command.interface}


@router.post("/api/desk/pause", summary="Pause or unpause me in my queues",
             permission=Permission.WORK_WRITE, body=PauseIn, status=202,
             responses={422: "no extension", 503: "no connection to the PBX"})
async def pause(call: Call) -> Any:
    if (refused := unreachable(call)) is not None:
        return refused
    command = await commands.pause_request(call.db, call.principal, call.body, now=utcnow())
    bus_of(call).publish(command)
    return {"command_id": command.command_id}


@router.post("/api/desk/preview", summary="Answer a campaign's preview: dial the client now, or skip them",
             permission=Permission.WORK_WRITE, body=PreviewIn, status=202,
             responses={403: "not an operator of the lead's campaign", 404: "no such lead",
                        503: "no connection to the PBX"})
async def preview(call: Call) -> Any:
    if (refused := unreachable(call)) is not None:
        return refused
    decision = await preview_decision(call.db, call.principal, call.body.lead_id, call.body.dial, now=utcnow())
    bus_of(call).publish(decision)
    return {"lead_id": decision.lead_id, "dial": decision.dial}
