"""Preview mode through the real server: the dialer's ``PreviewOffered`` reaches only its operator's sockets
as a ``preview`` message with the client's dossier and the campaign's name; a desk opened while it waits gets
it too, until the operator answers; a campaign call's pop names its campaign."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from websockets.asyncio.client import ClientConnection

from callcenter.calls.events import CallRinging
from callcenter.campaigns.events import PreviewDecision, PreviewOffered
from callcenter.enums import AttemptOutcome
from callcenter.models import CampaignLead, DialAttempt
from callcenter.models.enums import Direction, Role
from callcenter.settings import Settings
from tests.campaign_world import Members, add_client, members, running_campaign
from tests.conftest import MakeUser
from tests.hub.serving import next_of, served, socket_of
from web.app import create_app

__all__ = ["members"]  # a fixture

KNOWN = "+79161234567"


async def nothing_more(ws: ClientConnection, kind: str, within: float = 0.5) -> None:
    with pytest.raises(TimeoutError):
        await next_of(ws, kind, timeout=within)


async def test_a_preview_reaches_its_operator_with_the_dossier(settings: Settings, db_engine: AsyncEngine,
                                                                db: AsyncSession, make_user: MakeUser,
                                                                members: Members) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    boris = await make_user(Role.OPERATOR, extension="102")
    client = await add_client(db, "ООО Ромашка", KNOWN, owner_id=anna.id)
    campaign = await running_campaign(db, members, [client], now=datetime.now(UTC), name="Весна", mode="preview",
                                      operator_ids=[anna.id, boris.id])
    lead = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, socket_of(url, anna.login) as anna_ws, socket_of(url, boris.login) as boris_ws:
        await next_of(anna_ws, "hello")
        await next_of(boris_ws, "hello")
        offered = PreviewOffered(user_id=anna.id, campaign_id=campaign.id, lead_id=lead, client_id=client.id,
                                 number=KNOWN, countdown_s=30.0, at=datetime.now(UTC))
        app.state.bus.publish(offered)
        preview = await next_of(anna_ws, "preview")
        assert (preview["lead_id"], preview["client_id"], preview["number"]) == (lead, client.id, KNOWN)
        assert preview["campaign"] == {"id": campaign.id, "name": "Весна"} and preview["countdown_s"] == 30.0
        assert preview["dossier"]["client"]["name"] == "ООО Ромашка" and preview["hidden"] is False
        await nothing_more(boris_ws, "preview")
        # A desk opened while the preview waits is shown it; once answered, it is not.
        async with socket_of(url, anna.login) as again:
            assert (await next_of(again, "preview"))["lead_id"] == lead
        app.state.bus.publish(PreviewDecision(user_id=anna.id, lead_id=lead, dial=True, at=datetime.now(UTC)))
        await app.state.bus.drain(timeout=2)
        async with socket_of(url, anna.login) as later:
            await next_of(later, "hello")
            await nothing_more(later, "preview")


async def test_a_preview_of_another_operators_client_hides_the_dossier(
        settings: Settings, db_engine: AsyncEngine, db: AsyncSession, make_user: MakeUser, members: Members) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    owner = await make_user(Role.OPERATOR, extension="103")
    client = await add_client(db, "Чужой клиент", KNOWN, owner_id=owner.id)
    campaign = await running_campaign(db, members, [client], now=datetime.now(UTC), mode="preview",
                                      operator_ids=[anna.id])
    lead = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    own_only = settings.model_copy(update={"operators_own_clients_only": True})
    app = create_app(own_only, engine=db_engine)
    async with served(app) as url, socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        app.state.bus.publish(PreviewOffered(anna.id, campaign.id, lead, client.id, KNOWN, 0.0, datetime.now(UTC)))
        preview = await next_of(ws, "preview")
        assert preview["hidden"] is True and preview["dossier"] is None and preview["number"] == KNOWN


async def test_a_campaign_call_pops_with_its_campaign(settings: Settings, db_engine: AsyncEngine, db: AsyncSession,
                                                      make_user: MakeUser, members: Members) -> None:
    anna = await make_user(Role.OPERATOR, extension="101")
    client = await add_client(db, "ООО Ромашка", KNOWN, owner_id=anna.id)
    campaign = await running_campaign(db, members, [client], now=datetime.now(UTC), name="Весна")
    lead = await db.scalar(select(CampaignLead.id).where(CampaignLead.campaign_id == campaign.id))
    assert lead is not None
    attempt = DialAttempt(campaign_id=campaign.id, lead_id=lead, client_id=client.id, number=KNOWN,
                          channel_id="crm-att-77", outcome=AttemptOutcome.DIALING)
    db.add(attempt)
    await db.commit()
    app = create_app(settings, engine=db_engine)
    async with served(app) as url, socket_of(url, anna.login) as ws:
        await next_of(ws, "hello")
        for linkedid in ("crm-att-77", "1700000000.5"):
            app.state.bus.publish(CallRinging(linkedid, Direction.OUTBOUND, "+74951234567", KNOWN, "PJSIP/101", None,
                                              datetime.now(UTC)))
        pops = [await next_of(ws, "pop"), await next_of(ws, "pop")]  # each looked up on its own, in any order
        campaign_pop, plain_pop = sorted(pops, key=lambda p: p["call"]["linkedid"] != "crm-att-77")
        assert campaign_pop["call"]["linkedid"] == "crm-att-77"
        assert campaign_pop["campaign"] == {"id": campaign.id, "name": "Весна"}
        assert campaign_pop["dossier"]["client"]["id"] == client.id
        assert plain_pop["campaign"] is None
