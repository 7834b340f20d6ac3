"""Desk commands carried out on the simulated PBX over TCP: click-to-call rings the operator's device first
and then the number; a pause comes back as the PBX's own ``AgentPaused``; a refusal as ``CommandFailed``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callcenter.bus import EventBus
from callcenter.calls.events import AgentPaused, CallEnded, CallRinging
from callcenter.desk.events import CommandFailed, DialRequested, PauseRequested
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.client import AmiClient
from telephony.commands import subscribe_commands
from telephony.connector import Connector
from telephony.simulator import PbxSimulator, SimulatorConfig
from tests.telephony.fake_ami import wait_for

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


async def test_dial_pause_and_refusals_reach_the_pbx_and_come_back_as_events() -> None:
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=0.01, seed=3, agents=("PJSIP/101", "PJSIP/102")))
    await simulator.start()
    # Paused before the connector logs in: the desks must learn it from QueueStatus.
    simulator.pbx.queue.pause("PJSIP/102", True, "training", simulator.pbx.now())
    bus = EventBus()
    seen: list[Any] = []

    async def record(event: Any) -> None:
        seen.append(event)

    bus.subscribe(record, name="record")
    connector = Connector(AmiClient("127.0.0.1", simulator.port, "crm", "secret", action_timeout=2.0), bus)
    handler, _ = subscribe_commands(connector, bus, "outbound")
    connector.start()
    try:
        await wait_for(lambda: connector.reconciles == 1)
        await wait_for(lambda: any(isinstance(e, AgentPaused) and e.interface == "PJSIP/102" for e in seen))
        assert AgentPaused("PJSIP/102", True, "training", "support", seen[-1].at) in seen
        assert any(isinstance(e, AgentPaused) and e.interface == "PJSIP/101" and not e.paused for e in seen)

        bus.publish(DialRequested("c1", 7, "PJSIP/101", "+15551230001", '"ООО Ромашка" <15551230001>', AT))
        bus.publish(PauseRequested("c2", 7, "PJSIP/101", True, "lunch", AT))
        bus.publish(PauseRequested("c3", 7, "PJSIP/999", True, "lunch", AT))
        await wait_for(lambda: any(isinstance(e, CallEnded) for e in seen), limit=10)
        await wait_for(lambda: handler.done == 2 and handler.failed == 1)
    finally:
        await connector.close()
        await bus.close()
        await simulator.close()
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
