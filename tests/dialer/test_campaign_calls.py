"""A predictive campaign end to end over real TCP: the dialer engine places calls through the connector on
the simulated PBX, which answers with people, machines, busy and silent numbers; live answers go to the
simulated operators; every attempt ends with its outcome and every call is in the call log, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.bus import EventBus
from callcenter.calls.logger import subscribe_call_logger
from callcenter.db.engine import create_sessionmaker
from callcenter.enums import AttemptOutcome, Direction, Role
from callcenter.models import Call, DialAttempt
from dialer.engine import DialerEngine
from telephony.ami.client import AmiClient
from telephony.connector import Connector
from telephony.dialing import subscribe_dialing
from telephony.simulator import PbxSimulator, SimulatorConfig
from telephony.tracker import CallTracker, TrackerConfig
from tests.campaign_world import Members, add_client, dialling_campaign, members
from tests.telephony.fake_ami import wait_for

__all__ = ["members"]
FACTOR = 0.04  # real seconds per simulated second


async def test_a_predictive_campaign_on_the_simulated_pbx(db: AsyncSession, db_engine: AsyncEngine,
                                                         members: Members, make_user: Any) -> None:
    operators = [await make_user(Role.OPERATOR, extension=f"10{i}") for i in (1, 2, 3)]
    clients = [await add_client(db, f"Client {i}", f"+7913555{i:04d}") for i in range(60)]
    campaign = await dialling_campaign(db, members, clients, [u.id for u in operators], mode="predictive",
                                       now=datetime.now(UTC))

    simulator = PbxSimulator(SimulatorConfig(
        port=0, time_factor=FACTOR, seed=5, agents=("PJSIP/101", "PJSIP/102", "PJSIP/103"),
        dial_live_rate=0.5, dial_machine_rate=0.15, dial_busy_rate=0.15, dial_no_answer_rate=0.15,
        dial_failed_rate=0.05, dial_ring_mean_s=5.0, dial_talk_mean_s=30.0))
    await simulator.start()
    loop = asyncio.get_running_loop()
    start, at = loop.time(), datetime.now(UTC)

    def simulated_seconds() -> float:
        return (loop.time() - start) / FACTOR

    def simulated() -> datetime:
        return at + timedelta(seconds=simulated_seconds())

    bus = EventBus()
    sessions = create_sessionmaker(db_engine)
    logger, _ = subscribe_call_logger(bus, sessions, "RU")
    connector = Connector(AmiClient("127.0.0.1", simulator.port, "crm", "secret", action_timeout=2.0), bus,
                          CallTracker(TrackerConfig(dialer_contexts=frozenset({"dialer-out"}))), clock=simulated)
    subscribe_dialing(connector, bus, "dialer-out")
    engine = DialerEngine(sessions, bus, wrapup_s=3.0, clock=simulated_seconds, wall=simulated)
    bus.subscribe(engine, name="dialer", maxsize=0)
    connector.start()
    try:
        await wait_for(lambda: connector.reconciles == 1)
        # Six simulated minutes, ticking every simulated half second.
        while simulated_seconds() < 360:
            await engine.tick()
            await asyncio.sleep(0.5 * FACTOR)
        engine.runs[campaign.id].placing = False  # no more calls; let those under way end
        deadline = loop.time() + 30
        while any(run.flights for run in engine.runs.values()) and loop.time() < deadline:
            await engine.tick()
            await asyncio.sleep(0.5 * FACTOR)
        await bus.drain(10)
    finally:
        await connector.close()
        await logger.close()
        await bus.close()
        await simulator.close()

    attempts = list((await db.scalars(select(DialAttempt).where(DialAttempt.campaign_id == campaign.id)
                                      .execution_options(populate_existing=True))).all())
    outcomes = {a.outcome for a in attempts}
    assert len(attempts) >= 20
    assert AttemptOutcome.DIALING not in outcomes  # every attempt followed to its end
    assert {AttemptOutcome.CONNECTED, AttemptOutcome.MACHINE, AttemptOutcome.BUSY} <= outcomes
    connected = [a for a in attempts if a.outcome is AttemptOutcome.CONNECTED]
    assert all(a.operator_id in {u.id for u in operators} and a.amd_status == "HUMAN" for a in connected)
    # From the verdict to the operator's answer: the hand-over within the 2 s window, then their phone's 1 s
    # ring (the simulated clock runs fifty times as fast, so a busy test machine's stall can stretch one).
    waits = sorted(a.wait_for_operator_s for a in connected if a.wait_for_operator_s is not None)
    assert len(waits) == len(connected) and waits[len(waits) // 2] < 3.0
    abandoned = [a for a in attempts if a.outcome is AttemptOutcome.ABANDONED]
    live = [a for a in attempts if a.live_at is not None]
    assert len(abandoned) <= max(1, 0.1 * len(live))  # few, this early in a shift: the pacer starts careful
    # The same calls in the call log, once each, outbound, from the campaign's caller id.
    calls = {c.linkedid: c for c in (await db.scalars(select(Call).where(
        Call.linkedid.in_([a.channel_id for a in attempts])))).all()}
    # Every attempt that reached the PBX is a call in the log (one refused before any channel may not be).
    assert {a.channel_id for a in attempts if a.outcome is not AttemptOutcome.FAILED} <= set(calls)
    assert all(c.direction is Direction.OUTBOUND for c in calls.values())
    for a in connected:
        assert calls[a.channel_id].operator_id == a.operator_id and calls[a.channel_id].talk_seconds
    assert await db.scalar(select(func.count()).select_from(Call).where(
        Call.linkedid.in_(list(calls)))) == len(calls)
    # No client was ever dialled twice at once.
    spans = sorted((a.client_id, a.started_at, a.ended_at) for a in attempts)
    for (c1, _s1, e1), (c2, s2, _e2) in zip(spans, spans[1:], strict=False):
        assert c1 != c2 or (e1 is not None and e1 <= s2)
