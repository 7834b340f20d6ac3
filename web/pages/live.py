"""The supervisor's live view: queues, operators and calls now, kept current by ``static/live.js``."""

from __future__ import annotations

from starlette.responses import Response

from callcenter.auth.principal import Permission
from web.pages.context import Page, page


def _texts(pg: Page) -> dict[str, str]:
    """What the script writes itself, in the page's language."""
    t = pg.t
    return {
        "agent.available": t("live.agent.available"),
        "agent.paused": t("live.agent.paused"),
        "agent.in_call": t("live.agent.in_call"),
        "agent.wrap_up": t("live.agent.wrap_up"),
        "call.queued": t("live.call.queued"),
        "call.ringing": t("live.call.ringing"),
        "call.answered": t("live.call.answered"),
        "call.ended": t("live.call.ended"),
        "direction.inbound": t("direction.inbound"),
        "direction.outbound": t("direction.outbound"),
        "direction.internal": t("direction.internal"),
        "ringing_at": t("live.ringing_at", names="{names}"),
        "rings_here": t("live.rings_here"),
        "queue": t("calls.queue", queue="{queue}"),
        "ext": t("card.extension", ext="{ext}"),
        "unknown_client": t("calls.unknown_client"),
        "status.connecting": t("live.status.connecting"),
        "status.live": t("live.status.live"),
        "status.offline": t("live.status.offline"),
        "status.forbidden": t("live.status.forbidden"),
        "status.signed_out": t("live.status.signed_out"),
        "status.too_many": t("live.status.too_many"),
        "load_failed": t("live.load_failed"),
        **{f"spy.{key}": t(f"live.spy.{key}") for key in (
            "listen", "whisper", "barge", "spy", "listen_hint", "whisper_hint", "barge_hint", "no_extension", "unavailable",
            "gone")},
        "spy.calling": t("live.spy.calling", mode="{mode}"),
        "spy.listening": t("live.spy.listening", who="{who}", mode="{mode}"),
        "spy.failed": t("live.spy.failed", message="{message}"),
    }


@page(permission=Permission.USERS_READ)
async def live_view(pg: Page) -> Response:
    return await pg.render("live.html", texts=_texts(pg), service_level_seconds=pg.settings.service_level_seconds,
                           time_zone=pg.settings.time_zone)
