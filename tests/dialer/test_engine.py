"""The dialer engine on a real database, driven by the tracker's events as the bus would bring them: what
it dials, to whom it hands a live answer, and what it stores of every attempt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.bus import EventBus
from callcenter.calls.events import (
    CallAnswered,
    CallEnded,
    CallPickedUp,
    CallRinging,
    CallSummary,
    MachineDetection,
)
from callcenter.campaigns.events import CampaignCallOffered, CampaignDialRequested, PreviewDecision, PreviewOffered
from callcenter.db.engine import create_sessionmaker
from callcenter.desk.events import WrapUpDone
from callcenter.enums import AttemptOutcome, CallOutcome, Direction, LeadState, Role
from callcenter.models import CampaignLead, CampaignOperator, DialAttempt, User
from dialer.engine import DialerEngine
from tests.campaign_world import Members, add_client, dialling_campaign, members

__all__ = ["members"]
NOW = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Moscow


class Recorder(EventBus):
    """A bus that keeps what the engine publishes instead of handing it on."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Any] = []

    def publish(self, event: Any) -> None:
        self.sent.append(event)

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.sent if isinstance(e, kind)]


@dataclass
class Clock:
    t: float = 1000.0
    wall: datetime = NOW

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self.wall += timedelta(seconds=seconds)


@dataclass
class World:
    engine: DialerEngine
    bus: Recorder
    clock: Clock
    db: AsyncSession
    operators: list[User]
    campaign_id: int
    clients: dict[str, int] = field(default_factory=dict)

    async def tick(self, seconds: float = 0.5) -> None:
        self.clock.advance(seconds)
        await self.engine.tick()

    async def feed(self, event: Any) -> None:
        await self.engine(event)

    async def attempt(self, channel_id: str) -> DialAttempt:
        found = await self.db.scalar(select(DialAttempt).where(DialAttempt.channel_id == channel_id)
                                     .execution_options(populate_existing=True))
        assert found is not None
        return found

    async def lead_of(self, attempt: DialAttempt) -> CampaignLead:
        lead = await self.db.scalar(select(CampaignLead).where(CampaignLead.id == attempt.lead_id)
                                    .execution_options(populate_existing=True))
        assert lead is not None
        return lead


def summary(linkedid: str, outcome: CallOutcome, *, number: str, at: datetime, answered_by: str | None = None,
            talk: int | None = None, amd: str | None = None) -> CallSummary:
    return CallSummary(
        linkedid=linkedid, direction=Direction.OUTBOUND, caller="74951234567", callee=number.lstrip("+"),
        queue=None, offered_to=(answered_by,) if answered_by else (), answered_by=answered_by,
        started_at=at - timedelta(seconds=30), answered_at=at - timedelta(seconds=talk or 0) if answered_by else None,
        ended_at=at, ring_seconds=5, wait_seconds=None, talk_seconds=talk, hangup_cause=16, outcome=outcome,
        amd_status=amd)


@pytest.fixture
async def world_of(db: AsyncSession, db_engine: AsyncEngine, members: Members,
                   make_user: Callable[..., Any]) -> Callable[..., Any]:
    async def build(mode: str, operators: int = 2, clients: int = 3, **rules: Any) -> World:
        ops = [await make_user(Role.OPERATOR, extension=f"10{i + 1}") for i in range(operators)]
        made = {f"c{i}": await add_client(db, f"Client {i}", f"+7495111000{i}") for i in range(clients)}
        campaign = await dialling_campaign(db, members, made.values(), [u.id for u in ops], mode=mode, now=NOW,
                                           **rules)
        clock, bus = Clock(), Recorder()
        engine = DialerEngine(create_sessionmaker(db_engine), bus, wrapup_s=20.0, clock=lambda: clock.t,
                              wall=lambda: clock.wall)
        return World(engine, bus, clock, db, ops, campaign.id, {k: c.id for k, c in made.items()})

    return build


async def test_progressive_dials_one_call_per_free_operator_and_hands_a_person_to_the_longest_free(
        world_of: Callable[..., Any]) -> None:
    w: World = await world_of("progressive", operators=2, clients=3)
    await w.tick()
    dials = w.bus.of(CampaignDialRequested)
    assert len(dials) == 2  # two operators free, one call each
    assert {d.channel_id for d in dials} == {f"crm-att-{d.attempt_id}" for d in dials}
    assert all(d.amd and d.caller_id == "+74951234567" and d.queue is None for d in dials)
    await w.tick()
    assert len(w.bus.of(CampaignDialRequested)) == 2  # nothing more while both are in flight

    first, second = dials
    await w.feed(CallPickedUp(first.channel_id, w.clock.wall))
    await w.feed(MachineDetection(first.channel_id, "HUMAN", "HUMAN-800-800", w.clock.wall))
    offers = w.bus.of(CampaignCallOffered)
    assert [o.channel_id for o in offers] == [first.channel_id]
    operator = w.operators[0]  # joined at the same moment: the first listed is the longest free
    assert offers[0].interface == f"PJSIP/{operator.extension}"
    await w.feed(CallRinging(first.channel_id, Direction.OUTBOUND, "74951234567", first.number.lstrip("+"),
                             offers[0].interface, None, w.clock.wall))
    w.clock.advance(1.0)
    await w.feed(CallAnswered(first.channel_id, offers[0].interface, None, w.clock.wall))
    attempt = await w.attempt(first.channel_id)
    assert attempt.operator_id == operator.id and attempt.live_at is not None and attempt.connected_at is not None
    assert attempt.amd_status == "HUMAN" and attempt.wait_for_operator_s == pytest.approx(1.0)

    # The second: busy. It is retried later, not now; the freed line goes to the third client.
    w.clock.advance(2.0)
    await w.feed(CallEnded(summary(second.channel_id, CallOutcome.BUSY, number=second.number, at=w.clock.wall)))
    busy = await w.attempt(second.channel_id)
    assert busy.outcome is AttemptOutcome.BUSY
    lead = await w.lead_of(busy)
    assert lead.state is LeadState.PENDING and lead.next_attempt_at is not None and lead.next_attempt_at > w.clock.wall
    await w.tick()
    third = w.bus.of(CampaignDialRequested)[2:]
    assert len(third) == 1 and third[0].number not in (first.number, second.number)

    # The connected call ends: the attempt is connected, the lead done, the operator wraps up before the next.
    w.clock.advance(60)
    await w.feed(CallEnded(summary(first.channel_id, CallOutcome.ANSWERED, number=first.number, at=w.clock.wall,
                                   answered_by=offers[0].interface, talk=60, amd="HUMAN")))
    done = await w.attempt(first.channel_id)
    assert done.outcome is AttemptOutcome.CONNECTED and (await w.lead_of(done)).state is LeadState.DONE
    assert w.engine.board.agents[operator.id].state.value == "wrapup"
    await w.feed(WrapUpDone(operator.id, first.channel_id, w.clock.wall))
    assert w.engine.board.agents[operator.id].state.value == "idle"


async def test_a_person_no_operator_takes_within_the_window_is_abandoned_and_not_redialled_for_72_hours(
        world_of: Callable[..., Any]) -> None:
    w: World = await world_of("progressive", operators=1, clients=2)
    await w.tick()
    (dial,) = w.bus.of(CampaignDialRequested)
    # The only operator takes an inbound call meanwhile.
    interface = f"PJSIP/{w.operators[0].extension}"
    await w.feed(CallRinging("in-1", Direction.INBOUND, "74997776655", "100", interface, "support", w.clock.wall))
    await w.feed(CallAnswered("in-1", interface, "support", w.clock.wall))
    await w.feed(CallPickedUp(dial.channel_id, w.clock.wall))
    await w.feed(MachineDetection(dial.channel_id, "HUMAN", "HUMAN-800-800", w.clock.wall))
    assert w.bus.of(CampaignCallOffered) == []
    await w.tick(1.0)
    await w.tick(1.5)  # past the 2 s window
    w.clock.advance(3)  # the dialplan's message, then the hang-up
    await w.feed(CallEnded(summary(dial.channel_id, CallOutcome.ABANDONED, number=dial.number, at=w.clock.wall,
                                   amd="HUMAN")))
    attempt = await w.attempt(dial.channel_id)
    assert attempt.outcome is AttemptOutcome.ABANDONED and attempt.connected_at is None
    lead = await w.lead_of(attempt)
    assert lead.next_attempt_at is not None
    assert lead.next_attempt_at >= attempt.ended_at + timedelta(hours=72) - timedelta(seconds=1)  # type: ignore[operator]
    run = w.engine.runs[w.campaign_id]
    assert run.totals["abandoned"] == 1 and run.totals["live"] == 1


async def test_a_machine_is_not_handed_to_anyone_and_is_retried_later(world_of: Callable[..., Any]) -> None:
    w: World = await world_of("progressive", operators=1, clients=1)
    await w.tick()
    (dial,) = w.bus.of(CampaignDialRequested)
    await w.feed(CallPickedUp(dial.channel_id, w.clock.wall))
    await w.feed(MachineDetection(dial.channel_id, "MACHINE", "INITIALSILENCE-2500-2500", w.clock.wall))
    assert w.bus.of(CampaignCallOffered) == []
    w.clock.advance(4)
    await w.feed(CallEnded(summary(dial.channel_id, CallOutcome.VOICEMAIL, number=dial.number, at=w.clock.wall,
                                   amd="MACHINE")))
    attempt = await w.attempt(dial.channel_id)
    assert (attempt.outcome, attempt.amd_status, attempt.live_at) == (AttemptOutcome.MACHINE, "MACHINE", None)
    assert (await w.lead_of(attempt)).state is LeadState.PENDING


async def test_a_paused_campaign_places_nothing_more_but_follows_its_calls_to_the_end(
        world_of: Callable[..., Any], db: AsyncSession) -> None:
    from callcenter.auth.principal import SYSTEM
    from callcenter.campaigns import services

    w: World = await world_of("progressive", operators=2, clients=4)
    await w.tick()
    dials = w.bus.of(CampaignDialRequested)
    await services.pause_campaign(db, SYSTEM, w.campaign_id)
    await w.tick(3.0)  # refreshed: paused
    await w.feed(CallEnded(summary(dials[0].channel_id, CallOutcome.NO_ANSWER, number=dials[0].number,
                                   at=w.clock.wall)))
    await w.tick(3.0)
    assert len(w.bus.of(CampaignDialRequested)) == 2
    assert (await w.attempt(dials[0].channel_id)).outcome is AttemptOutcome.NO_ANSWER


async def test_a_restarted_engine_takes_up_the_open_attempts(world_of: Callable[..., Any],
                                                          db_engine: AsyncEngine) -> None:
    w: World = await world_of("progressive", operators=1, clients=2)
    await w.tick()
    (dial,) = w.bus.of(CampaignDialRequested)
    await w.feed(CallPickedUp(dial.channel_id, w.clock.wall))
    # A new process: the same database, a new engine.
    bus = Recorder()
    again = DialerEngine(create_sessionmaker(db_engine), bus, wrapup_s=20.0, clock=lambda: w.clock.t,
                         wall=lambda: w.clock.wall)
    await again.tick()
    assert bus.of(CampaignDialRequested) == []  # the operator's line is still taken by the open attempt
    await again(CallEnded(summary(dial.channel_id, CallOutcome.NO_ANSWER, number=dial.number, at=w.clock.wall)))
    assert (await w.attempt(dial.channel_id)).outcome is AttemptOutcome.MACHINE  # answered, no verdict: no person
    await again.tick()
    assert len(bus.of(CampaignDialRequested)) == 1


async def test_preview_shows_the_client_first_and_dials_when_the_operator_says(world_of: Callable[..., Any]) -> None:
    w: World = await world_of("preview", operators=1, clients=2)
    await w.tick()
    assert w.bus.of(CampaignDialRequested) == []
    (offer,) = w.bus.of(PreviewOffered)
    assert offer.user_id == w.operators[0].id and offer.client_id in w.clients.values()
    await w.tick()
    assert len(w.bus.of(PreviewOffered)) == 1  # held for them, not offered twice
    await w.feed(PreviewDecision(offer.user_id, offer.lead_id, True, w.clock.wall))
    (dial,) = w.bus.of(CampaignDialRequested)
    assert dial.agent_interface == f"PJSIP/{w.operators[0].extension}" and not dial.amd
    assert dial.number == offer.number
    attempt = await w.attempt(dial.channel_id)
    assert attempt.preview is True


async def test_a_client_on_a_call_or_in_wrap_up_with_any_operator_is_not_dialled(
        world_of: Callable[..., Any], make_user: Callable[..., Any]) -> None:
    w: World = await world_of("progressive", operators=1, clients=1)
    other = await make_user(Role.OPERATOR, extension="199")  # not in the campaign
    number = "74951110000"  # client c0's, as the PBX gives it
    await w.feed(CallRinging("in-7", Direction.INBOUND, number, "100", "PJSIP/199", "support", w.clock.wall))
    await w.feed(CallAnswered("in-7", "PJSIP/199", "support", w.clock.wall))
    await w.tick()
    assert w.bus.of(CampaignDialRequested) == []  # on a call with another operator
    w.clock.advance(30)
    await w.feed(CallEnded(CallSummary(
        linkedid="in-7", direction=Direction.INBOUND, caller=number, callee="100", queue="support",
        offered_to=("PJSIP/199",), answered_by="PJSIP/199", started_at=w.clock.wall - timedelta(seconds=30),
        answered_at=w.clock.wall - timedelta(seconds=28), ended_at=w.clock.wall, ring_seconds=2, wait_seconds=2,
        talk_seconds=28, hangup_cause=16, outcome=CallOutcome.ANSWERED)))
    await w.tick()
    assert w.bus.of(CampaignDialRequested) == []  # their wrap-up holds the client
    await w.feed(WrapUpDone(other.id, "in-7", w.clock.wall))
    await w.tick()
    assert [d.number for d in w.bus.of(CampaignDialRequested)] == ["+74951110000"]


async def test_a_paused_campaigns_call_left_open_by_a_dead_process_is_followed_to_its_end(
        world_of: Callable[..., Any], db_engine: AsyncEngine, db: AsyncSession) -> None:
    from callcenter.auth.principal import SYSTEM
    from callcenter.campaigns import services

    w: World = await world_of("progressive", operators=1, clients=2)
    await w.tick()
    (dial,) = w.bus.of(CampaignDialRequested)
    await services.pause_campaign(db, SYSTEM, w.campaign_id)
    again = DialerEngine(create_sessionmaker(db_engine), Recorder(), wrapup_s=20.0, clock=lambda: w.clock.t,
                         wall=lambda: w.clock.wall)
    await again.tick()
    assert dial.channel_id in again.runs[w.campaign_id].flights
    await again(CallEnded(summary(dial.channel_id, CallOutcome.BUSY, number=dial.number, at=w.clock.wall)))
    assert (await w.attempt(dial.channel_id)).outcome is AttemptOutcome.BUSY


async def test_an_attempts_end_the_database_could_not_take_is_written_later(
        world_of: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from dialer import calls

    w: World = await world_of("progressive", operators=1, clients=1)
    await w.tick()
    (dial,) = w.bus.of(CampaignDialRequested)
    real = calls.finish_attempt

    async def away(*args: Any, **kwargs: Any) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(calls, "finish_attempt", away)
    await w.feed(CallEnded(summary(dial.channel_id, CallOutcome.NO_ANSWER, number=dial.number, at=w.clock.wall)))
    assert (await w.attempt(dial.channel_id)).ended_at is None
    await w.tick()
    assert (await w.attempt(dial.channel_id)).ended_at is None  # still away
    monkeypatch.setattr(calls, "finish_attempt", real)
    await w.tick()
    attempt = await w.attempt(dial.channel_id)
    assert attempt.outcome is AttemptOutcome.NO_ANSWER and attempt.ended_at is not None


async def test_a_client_skipped_in_preview_is_not_offered_again_at_once(world_of: Callable[..., Any]) -> None:
    w: World = await world_of("preview", operators=1, clients=2)
    await w.tick()
    (first,) = w.bus.of(PreviewOffered)
    await w.feed(PreviewDecision(first.user_id, first.lead_id, False, w.clock.wall))
    await w.tick()
    offers = w.bus.of(PreviewOffered)
    assert len(offers) == 2 and offers[1].lead_id != first.lead_id
    await w.feed(PreviewDecision(first.user_id, offers[1].lead_id, False, w.clock.wall))
    await w.tick()
    assert len(w.bus.of(PreviewOffered)) == 2  # both skipped: nothing to offer for an hour
    w.clock.advance(3601)
    await w.tick()
    assert len(w.bus.of(PreviewOffered)) == 3


async def test_an_operator_joining_in_the_middle_of_a_call_is_not_offered_a_preview(
        world_of: Callable[..., Any], db: AsyncSession) -> None:
    w: World = await world_of("preview", operators=1, clients=2)
    interface = f"PJSIP/{w.operators[0].extension}"
    await db.execute(update(CampaignOperator).values(joined_at=None))
    await db.commit()
    await w.tick()
    await w.feed(CallRinging("in-9", Direction.INBOUND, "74997776655", "100", interface, "support", w.clock.wall))
    await w.feed(CallAnswered("in-9", interface, "support", w.clock.wall))
    await db.execute(update(CampaignOperator).values(joined_at=w.clock.wall))
    await db.commit()
    await w.tick(3.0)
    assert w.bus.of(PreviewOffered) == []
    await w.feed(CallEnded(summary("in-9", CallOutcome.ANSWERED, number="+74997776655", at=w.clock.wall,
                                   answered_by=interface, talk=20)))
    await w.feed(WrapUpDone(w.operators[0].id, "in-9", w.clock.wall))
    await w.tick()
    assert len(w.bus.of(PreviewOffered)) == 1
