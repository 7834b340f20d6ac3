"""``callcenter telephony`` killed (SIGKILL) while its campaign's calls talk: after it starts again, every
attempt ends once with its outcome, each call is logged once, and the campaign goes on to its last client."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.db.engine import create_sessionmaker
from callcenter.enums import AttemptOutcome, LeadState, Role
from callcenter.models import Call, CampaignLead, DialAttempt
from telephony.simulator import PbxSimulator, SimulatorConfig
from tests.campaign_world import Members, add_client, dialling_campaign, members
from tests.telephony.test_crash import telephony_process, wait_for_async

__all__ = ["members"]


async def test_a_killed_dialer_closes_every_attempt_once_and_goes_on(
        db: AsyncSession, db_engine: AsyncEngine, database_url: str, members: Members, make_user: Any,
        tmp_path: Path, monkeypatch: Any) -> None:
    operators = [await make_user(Role.OPERATOR, extension=str(n)) for n in (101, 102)]
    clients = [await add_client(db, f"Client {i}", f"+7913444{i:04d}") for i in range(4)]
    campaign = await dialling_campaign(db, members, clients, [u.id for u in operators], mode="progressive",
                                       now=datetime.now(UTC))
    # Every number answers in 1 s, a person; the operator picks up after 0.5 s; a talk lasts about 6 s.
    pbx = PbxSimulator(SimulatorConfig(port=0, seed=3, agi_url="", agents=("PJSIP/101", "PJSIP/102"),
                                       dial_live_rate=1.0, dial_machine_rate=0.0, dial_busy_rate=0.0,
                                       dial_no_answer_rate=0.0, dial_failed_rate=0.0, dial_ring_mean_s=1.0,
                                       dial_talk_mean_s=6.0, dial_agent_answer_s=0.5))
    await pbx.start()
    sessions = create_sessionmaker(db_engine)

    async def attempts() -> list[DialAttempt]:
        async with sessions() as s:
            return list((await s.scalars(select(DialAttempt).where(DialAttempt.campaign_id == campaign.id))).all())

    async def connected_now() -> int:
        return sum(1 for a in await attempts() if a.connected_at is not None and a.ended_at is None)

    async def closed() -> int:
        return sum(1 for a in await attempts() if a.ended_at is not None)

    # The frozen segment's members are the campaign's leads already; the subprocess needs no segments.
    monkeypatch.setenv("CALLCENTER_DIALER_WRAPUP_SECONDS", "0.5")
    log = tmp_path / "telephony.log"
    try:
        async with telephony_process(database_url, pbx.port, log) as first:
            await wait_for_async(connected_now, 2, limit=30)  # both operators talking to campaign clients
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert await closed() == 0
        async with telephony_process(database_url, pbx.port, log) as second:
            await wait_for_async(closed, 4, limit=60)
            second.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(second.wait(), 20) == 0, log.read_text()
    finally:
        await pbx.close()
    text = log.read_text()
    assert "Traceback" not in text, text
    done = await attempts()
    assert len(done) == 4 and {a.client_id for a in done} == {c.id for c in clients}  # each dialled once
    assert all(a.outcome is AttemptOutcome.CONNECTED and a.operator_id in {u.id for u in operators} for a in done)
    async with sessions() as s:
        leads = list((await s.scalars(select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))).all())
        calls = await s.scalar(select(func.count()).select_from(Call).where(
            Call.linkedid.in_([a.channel_id for a in done])))
    assert {lead.state for lead in leads} == {LeadState.DONE}
    assert calls == 4  # the two calls across the crash, logged once each
