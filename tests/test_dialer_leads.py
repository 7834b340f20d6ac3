"""Choosing the next leads: do-not-call at dial time, consent, clients busy elsewhere, windows, order, batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.campaigns import attempts, dnc, services
from callcenter.campaigns.schemas import CampaignPatch, DncIn
from callcenter.enums import AbcClass, AttemptOutcome, LeadState
from callcenter.models import Campaign, CampaignLead
from dialer import leads as leads_module
from dialer.leads import next_leads
from dialer.outcomes import finish_attempt
from tests.campaign_world import Members, add_client, members, running_campaign

__all__ = ["members"]
NOW = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # Wednesday: 11:00 in Moscow, 18:00 in Vladivostok
MOSCOW = "+74951111111"
NONE = frozenset[int]()


async def lead_states(db: AsyncSession, campaign: Campaign) -> dict[int, tuple[str, str]]:
    rows = await db.execute(select(CampaignLead.client_id, CampaignLead.state, CampaignLead.reason)
                            .where(CampaignLead.campaign_id == campaign.id)
                            .execution_options(populate_existing=True))
    return {cid: (state.value, reason) for cid, state, reason in rows}


async def test_do_not_call_lists_are_read_at_dial_time(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    b = await add_client(db, "Beta", "+74952222222", "+74953333333")
    c = await add_client(db, "Gamma", "+74954444444")
    campaign = await running_campaign(db, members, [a, b, c], now=NOW)
    other = await running_campaign(db, members, [c], now=NOW, name="Other")
    # Added after the start: the global list, this campaign's list, and another campaign's list.
    await dnc.add_number(db, SYSTEM, DncIn(number="8 (495) 111-11-11"))
    await dnc.add_number(db, SYSTEM, DncIn(number="+7 495 222-22-22", campaign_id=campaign.id))
    await dnc.add_number(db, SYSTEM, DncIn(number="+74954444444", campaign_id=other.id))
    chosen = await next_leads(db, campaign, 10, now=NOW, busy_client_ids=NONE)
    assert [(x.client_id, x.number) for x in chosen] == [(b.id, "+74953333333"), (c.id, "+74954444444")]
    states = await lead_states(db, campaign)
    assert states[a.id] == ("excluded", "dnc")
    assert states[b.id] == states[c.id] == ("pending", "")
    assert await next_leads(db, other, 10, now=NOW, busy_client_ids=NONE) == []
    assert (await lead_states(db, other))[c.id] == ("excluded", "dnc")


async def test_consent_withdrawn_and_no_number_exclude(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", MOSCOW, calls_consent_withdrawn_at=NOW - timedelta(days=1))
    b = await add_client(db, "Beta")
    c = await add_client(db, "Gamma", "+74953333333")
    campaign = await running_campaign(db, members, [a, b, c], now=NOW)
    chosen = await next_leads(db, campaign, 10, now=NOW, busy_client_ids=NONE)
    assert [x.client_id for x in chosen] == [c.id]
    states = await lead_states(db, campaign)
    assert (states[a.id], states[b.id]) == (("excluded", "consent"), ("excluded", "no_number"))


async def test_clients_dialled_elsewhere_busy_or_abandoned_are_skipped(db: AsyncSession, members: Members) -> None:
    a = await add_client(db, "Alpha", "+74951111111")
    b = await add_client(db, "Beta", "+74952222222")
    c = await add_client(db, "Gamma", "+74953333333")
    d = await add_client(db, "Delta", "+74954444444")
    campaign = await running_campaign(db, members, [a, b, c, d], now=NOW)
    other = await running_campaign(db, members, [a, d], now=NOW, name="Other")
    other_leads = {cid: lid for lid, cid in await db.execute(
        select(CampaignLead.id, CampaignLead.client_id).where(CampaignLead.campaign_id == other.id))}
    await attempts.open_attempt(db, other_leads[a.id], "+74951111111", preview=False, now=NOW)  # a: being dialled
    abandoned = await attempts.open_attempt(db, other_leads[d.id], "+74954444444", preview=False,
                                            now=NOW - timedelta(hours=71))
    await finish_attempt(db, abandoned.channel_id, AttemptOutcome.ABANDONED, ended_at=NOW - timedelta(hours=71))
    chosen = await next_leads(db, campaign, 10, now=NOW, busy_client_ids=frozenset({b.id}))
    assert [x.client_id for x in chosen] == [c.id]
    assert set((await lead_states(db, campaign)).values()) == {("pending", "")}  # skipped, not excluded
    # 72 hours after the abandoned call ended, d may be dialled again; b once the engine says it is free.
    later = await next_leads(db, campaign, 10, now=NOW + timedelta(hours=1, seconds=1), busy_client_ids=NONE)
    assert {x.client_id for x in later} == {b.id, c.id, d.id}


async def test_outside_the_window_a_lead_waits_for_it(db: AsyncSession, members: Members) -> None:
    vladivostok = await add_client(db, "Far", "+74232123456")
    moscow = await add_client(db, "Near", MOSCOW)
    campaign = await running_campaign(db, members, [vladivostok, moscow], now=NOW,
                                      rules={"windows": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}})
    chosen = await next_leads(db, campaign, 10, now=NOW, busy_client_ids=NONE)
    assert [x.client_id for x in chosen] == [moscow.id]  # 18:00 in Vladivostok: closed
    far = await db.scalar(select(CampaignLead).where(CampaignLead.client_id == vladivostok.id)
                          .execution_options(populate_existing=True))
    assert far is not None
    assert (far.state, far.reason, far.next_attempt_at) == (LeadState.PENDING, "window", datetime(2026, 7, 15, 23, 0, tzinfo=UTC))
    assert [x.client_id for x in await next_leads(db, campaign, 10, now=NOW, busy_client_ids=NONE)] == [moscow.id]
    # Wider windows (a change made while paused) bring it back at once.
    await services.pause_campaign(db, SYSTEM, campaign.id)
    await services.update_campaign(db, SYSTEM, campaign.id, CampaignPatch.model_validate(
        {"rules": {"windows": {"wed": [["09:00", "21:00"]]}}}))
    await services.start_campaign(db, SYSTEM, campaign.id)
    await db.refresh(campaign)
    assert {x.client_id for x in await next_leads(db, campaign, 10, now=NOW, busy_client_ids=NONE)} == {vladivostok.id, moscow.id}


async def test_order_options(db: AsyncSession, members: Members) -> None:
    old = await add_client(db, "Old", "+74951111111", abc=AbcClass.C)
    recent = await add_client(db, "Recent", "+74952222222", abc=AbcClass.A)
    never = await add_client(db, "Never", "+74953333333", abc=AbcClass.B)
    ids = [old.id, recent.id, never.id]
    campaigns = {order: await running_campaign(db, members, [old, recent, never], now=NOW, name=order,
                                               rules={"order": order})
                 for order in ("class_a_first", "longest_since_contact", "recently_active")}
    for campaign in campaigns.values():
        for cid, at in ((old.id, NOW - timedelta(days=90)), (recent.id, NOW - timedelta(days=1))):
            await db.execute(CampaignLead.__table__.update().where(
                CampaignLead.campaign_id == campaign.id, CampaignLead.client_id == cid)
                .values(last_contact_at=at, last_active_at=at))
    await db.commit()
    order_of = {name: [x.client_id for x in await next_leads(db, c, 3, now=NOW, busy_client_ids=NONE)]
                for name, c in campaigns.items()}
    assert sorted(ids) == sorted(order_of["class_a_first"])
    assert order_of == {"class_a_first": [recent.id, never.id, old.id],
                        "longest_since_contact": [never.id, old.id, recent.id],
                        "recently_active": [recent.id, old.id, never.id]}


async def test_batches_and_limits(db: AsyncSession, members: Members, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leads_module, "BATCH", 3)
    clients = [await add_client(db, f"C{n}", f"+7495{n:07d}", calls_consent_withdrawn_at=NOW if n % 2 else None)
               for n in range(1, 11)]
    campaign = await running_campaign(db, members, clients, now=NOW)
    chosen = await next_leads(db, campaign, 4, now=NOW, busy_client_ids=NONE)
    # Ten leads, every odd one excluded: four chosen needs three batches of three.
    assert [x.client_id for x in chosen] == [clients[n].id for n in (1, 3, 5, 7)]
    states = await lead_states(db, campaign)
    assert [states[c.id][0] for c in clients[:8]] == ["excluded", "pending"] * 4
    assert states[clients[8].id] == ("pending", "")  # not read: the limit was reached first
    assert await next_leads(db, campaign, 0, now=NOW, busy_client_ids=NONE) == []
