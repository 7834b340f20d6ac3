"""Desk commands carried out on the simulated PBX over TCP: click-to-call rings the operator's device first
and then the number; a pause comes back as the PBX's own ``AgentPaused``; a refusal as ``CommandFailed``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callcenter.bus import EventBus
from callcenter.calls.events import AgentPaused, CallAnswered, CallEnded, CallRinging, SpyStarted, SpyStopped
from callcenter.desk.events import CommandFailed, DialRequested, PauseRequested, SpyRequested
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.client import AmiClient
from telephony.ami.frames import Frame
from telephony.commands import CommandHandler, subscribe_commands
from telephony.connector import Connector
from telephony.simulator import CallPlan, PbxSimulator, Scenario, SimulatorConfig
from tests.telephony.fake_ami import wait_for

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@dataclass
class Wired:
    simulator: PbxSimulator
    bus: EventBus
    connector: Connector
    handler: CommandHandler
    seen: list[Any] = field(default_factory=list)  # every event on the bus


@contextlib.asynccontextmanager
async def wired(simulator: PbxSimulator) -> AsyncIterator[Wired]:
    """A started simulator, a connector logged in to it with the command handler, and the bus they share."""
    bus = EventBus()
    connector = Connector(AmiClient("127.0.0.1", simulator.port, "crm", "secret", action_timeout=2.0), bus)
    handler, _ = subscribe_commands(connector, bus, "outbound")
    w = Wired(simulator, bus, connector, handler)

    async def record(event: Any) -> None:
        w.seen.append(event)

    bus.subscribe(record, name="record")
    connector.start()
    try:
        await wait_for(lambda: connector.reconciles == 1)
        yield w
    finally:
        await connector.close()
        await bus.close()
        await simulator.close()


async def test_dial_pause_and_refusals_reach_the_pbx_and_come_back_as_events() -> None:
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=0.01, seed=3, agents=("PJSIP/101", "PJSIP/102")))
    await simulator.start()
    # Paused before the connector logs in: the desks must learn it from QueueStatus.
    simulator.pbx.queue.pause("PJSIP/102", True, "training", simulator.pbx.now())
    async with wired(simulator) as w:
        bus, seen, handler = w.bus, w.seen, w.handler
        await wait_for(lambda: any(isinstance(e, AgentPaused) and e.interface == "PJSIP/102" for e in seen))
        assert AgentPaused("PJSIP/102", True, "training", "support", seen[-1].at) in seen
        assert any(isinstance(e, AgentPaused) and e.interface == "PJSIP/101" and not e.paused for e in seen)

        bus.publish(DialRequested("c1", 7, "PJSIP/101", "+15551230001", '"ООО Ромашка" <15551230001>', AT))
        bus.publish(PauseRequested("c2", 7, "PJSIP/101", True, "lunch", AT))
        bus.publish(PauseRequested("c3", 7, "PJSIP/999", True, "lunch", AT))
        await wait_for(lambda: any(isinstance(e, CallEnded) for e in seen), limit=10)
        await wait_for(lambda: handler.done == 2 and handler.failed == 1)
    ringing = next(e for e in seen if isinstance(e, CallRinging))
    assert ringing.interface == "PJSIP/101" and ringing.direction is Direction.OUTBOUND
    summary = next(e for e in seen if isinstance(e, CallEnded)).summary
    assert (summary.direction, summary.callee, summary.answered_by) == (Direction.OUTBOUND, "15551230001", "PJSIP/101")
    assert summary.outcome in (CallOutcome.ANSWERED, CallOutcome.BUSY, CallOutcome.NO_ANSWER)
    assert AgentPaused("PJSIP/101", True, "lunch", "support", next(
        e.at for e in seen if isinstance(e, AgentPaused) and e.reason == "lunch")) in seen
    [failed] = [e for e in seen if isinstance(e, CommandFailed)]
    assert (failed.command_id, failed.user_id, failed.action) == ("c3", 7, "pause")
    assert "Interface not found" in failed.reason


async def test_a_supervisor_listens_in_on_the_operators_own_channel_and_the_leg_is_no_call() -> None:
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=0.01, seed=5, agents=("PJSIP/101", "PJSIP/1010"),
                                             busy_numbers=frozenset({"2901"})))
    await simulator.start()
    frames: list[Frame] = []
    emit = simulator.pbx.emit

    def tap(frame: Frame) -> None:
        frames.append(frame)
        emit(frame)

    simulator.pbx.emit = tap
    async with wired(simulator) as w:
        bus, seen, handler, connector = w.bus, w.seen, w.handler, w.connector
        # A call on PJSIP/1010 first: a prefix of PJSIP/101 alone would let ChanSpy pick it.
        simulator.pbx.start_call(CallPlan(Scenario.QUEUE_ANSWERED, caller="+79161234567", agent=1, greeting=0.1,
                                          answer_after=0.5, talk=300.0))
        await wait_for(lambda: any(isinstance(e, CallAnswered) and e.interface == "PJSIP/1010" for e in seen), 10)
        simulator.pbx.start_call(CallPlan(Scenario.QUEUE_ANSWERED, caller="+79161112233", agent=0, greeting=0.1,
                                          answer_after=0.5, talk=60.0))
        await wait_for(lambda: any(isinstance(e, CallAnswered) and e.interface == "PJSIP/101" for e in seen), 10)
        call = next(e.linkedid for e in seen if isinstance(e, CallAnswered) and e.interface == "PJSIP/101")
        bus.publish(SpyRequested("s1", 9, "PJSIP/2900", call, "PJSIP/101", "whisper", '"Whisper: Anna" <101>', AT))
        bus.publish(SpyRequested("s2", 9, "PJSIP/2900", "1.1", "PJSIP/101", "listen", '"Listen" <101>', AT))
        bus.publish(SpyRequested("s3", 8, "PJSIP/2901", call, "PJSIP/101", "barge", '"Barge" <101>', AT))
        # The spied call ends after its 60 s of talk; ChanSpy (option E) leaves with it.
        await wait_for(lambda: any(isinstance(e, SpyStopped) for e in seen), limit=15)
        await wait_for(lambda: len(connector.tracker.active_calls) == 1, limit=5)  # only the PJSIP/1010 call
    [started] = [e for e in seen if isinstance(e, SpyStarted)]
    assert (started.linkedid, started.supervisor, started.operator, started.mode) == (
        call, "PJSIP/2900", "PJSIP/101", "whisper")
    [spy_start] = [f for f in frames if f.event == "ChanSpyStart"]
    assert spy_start.get("SpyeeLinkedid") == call and spy_start.get("SpyeeChannel", "").startswith("PJSIP/101-")
    [busy, response] = sorted((f for f in frames if f.event == "OriginateResponse"), key=lambda f: f.get("Response"))
    assert response.get("ActionID") == "crm-spy-s1" and response.get("Data", "").endswith(",qwE")
    assert response.get("Data", "").split(",")[0] == spy_start.get("SpyeeChannel")  # the channel, named in full
    [stopped] = [e for e in seen if isinstance(e, SpyStopped)]
    assert stopped.spy_linkedid == started.spy_linkedid and stopped.at >= started.at
    ended = [e.summary for e in seen if isinstance(e, CallEnded)]
    assert [s.linkedid for s in ended] == [call]  # the supervisor's leg is not a call
    assert not any(isinstance(e, CallRinging | CallAnswered) and e.interface == "PJSIP/2900" for e in seen)
    assert busy.get("Response") == "Failure" and busy.get("ActionID") == "crm-spy-s3"
    failed = sorted((e.command_id, e.user_id, e.action, e.reason) for e in seen if isinstance(e, CommandFailed))
    assert failed == [("s2", 9, "spy", "the operator is no longer on this call"),
                      ("s3", 8, "spy", "your phone is busy or could not be reached (reason 0)")]
    assert handler.done == 2  # both Originates were accepted; one phone was busy


async def test_click_to_call_to_a_busy_number_is_busy_with_no_wrap_up_and_an_unanswered_phone_tells_the_desk() -> None:
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=0.01, seed=3, agents=("PJSIP/101", "PJSIP/102"),
                                             unattended_devices=frozenset({"PJSIP/102"})))
    await simulator.start()
    async with wired(simulator) as w:
        w.bus.publish(DialRequested("b1", 7, "PJSIP/101", "+15551230002", '"ООО Ромашка" <15551230002>', AT))
        w.bus.publish(DialRequested("b2", 8, "PJSIP/102", "+15551230001", '"ООО Ромашка" <15551230001>', AT))
        await wait_for(lambda: sum(isinstance(e, CallEnded) for e in w.seen) == 2, limit=10)
        await wait_for(lambda: any(isinstance(e, CommandFailed) for e in w.seen))
    ended = {e.summary.answered_by or e.summary.offered_to[0]: e.summary for e in w.seen if isinstance(e, CallEnded)}
    busy = ended["PJSIP/101"]
    assert (busy.outcome, busy.answered_at, busy.talk_seconds) == (CallOutcome.BUSY, None, None)
    assert (busy.caller, busy.callee) == ("101", "15551230002")  # the operator's extension, not the client's number
    assert any(isinstance(e, CallAnswered) and e.interface == "PJSIP/101" for e in w.seen)  # picked up own phone
    unanswered = ended["PJSIP/102"]
    assert (unanswered.outcome, unanswered.answered_by) == (CallOutcome.NO_ANSWER, None)
    [failed] = [e for e in w.seen if isinstance(e, CommandFailed)]
    assert (failed.command_id, failed.user_id, failed.action) == ("b2", 8, "dial")
    assert failed.reason == "your phone was not answered"
