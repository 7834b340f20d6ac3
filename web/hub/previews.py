"""Preview mode on the desk: a campaign's next client, with their dossier, offered to an operator before
the dialer calls them. The operator answers over HTTP (``POST /api/desk/preview``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import Principal
from callcenter.campaigns.events import PreviewOffered
from callcenter.campaigns.previews import campaign_label
from callcenter.db.session import lookup
from callcenter.dossier.services import dossier_by_client_id
from callcenter.errors import Forbidden
from callcenter.rows import plain

# The dialer takes an unanswered preview back after 5 minutes (and its countdown); a desk that reconnects
# later is not shown it again.
PREVIEW_HELD = timedelta(minutes=5)


def preview_message(e: PreviewOffered) -> dict[str, Any]:
    """The message without what needs the database (the dossier, the campaign's name)."""
    return {"type": "preview", "campaign": {"id": e.campaign_id, "name": None}, "lead_id": e.lead_id,
            "client_id": e.client_id, "number": e.number, "countdown_s": e.countdown_s, "offered_at": plain(e.at),
            "dossier": None, "hidden": False}


async def build_preview(engine: AsyncEngine, principal: Principal, e: PreviewOffered) -> dict[str, Any]:
    """``{"type": "preview", ...}`` with the client's dossier as ``principal`` may see it (``hidden`` when not)."""
    message = preview_message(e)
    try:
        message["dossier"] = await lookup(engine, lambda db: dossier_by_client_id(db, principal, e.client_id))
    except Forbidden:
        message["hidden"] = True
    message["campaign"] = await lookup(engine, lambda db: campaign_label(db, e.campaign_id)) or message["campaign"]
    return message


def still_held(message: dict[str, Any], now: datetime) -> bool:
    """Whether a preview offered earlier may still be waiting for the operator's answer."""
    offered = datetime.fromisoformat(message["offered_at"])
    return now - offered < PREVIEW_HELD + timedelta(seconds=float(message["countdown_s"] or 0))
