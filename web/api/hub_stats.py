"""The hub's counters: how many sockets, pops and slow browsers this web process has seen."""

from __future__ import annotations

from typing import Any

from callcenter.auth.principal import Permission
from web.api.routing import ApiRouter, Call

router = ApiRouter("hub")


@router.get("/api/hub", summary="This web process's WebSocket hub: sockets, pops sent, sockets closed for falling "
                                "behind, live calls, and the broker's counters",
            permission=Permission.USERS_READ)
async def stats(call: Call) -> dict[str, Any]:
    state = call.request.app.state
    hub, fanout = state.hub, state.fanout
    return {
        "sockets": sum(len(sockets) for sockets in hub.sockets.values()),
        "users": len(hub.sockets),
        "watchers": len(hub.watchers),
        "pops_sent": hub.pops_sent,
        "closed_behind": hub.closed_behind,
        "live_calls": len(hub.board.calls),
        "bus_dropped": state.bus.dropped,
        "broker": None if fanout is None else {
            "sent": fanout.sent, "received": fanout.received, "lost": fanout.lost, "bad": fanout.bad,
        },
    }
