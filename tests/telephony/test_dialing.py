"""The dialer's commands through the connector over TCP, against the simulated PBX: a campaign call placed,
picked up, judged by AMD, handed to an operator (or not), and what comes back on the bus."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.bus import EventBus
from callcenter.calls.events import CallAnswered, CallEnded, CallPickedUp, CallRinging, CallSummary, MachineDetection
from callcenter.campaigns.events import (
    CampaignCallOffered,
    CampaignDialFailed,
    CampaignDialRequested,
    attempt_channel_id,
)
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.client import AmiClient
from telephony.ami.frames import Frame
from telephony.connector import Connector
from telephony.dialing import DialingHandler, originate_frame, subscribe_dialing
from telephony.simulator import PbxSimulator, SimulatorConfig
from telephony.simulator.dialer import Fate
from tests.telephony.fake_ami import wait_for

AT = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
FACTOR = 0.02  # real seconds per simulated second


@dataclass
class Wired:
    simulator: PbxSimulator
    bus: EventBus
    connector: Connector
    handler: DialingHandler
    seen: list[Any] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)  # every frame the PBX sent

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.seen if isinstance(e, kind)]

    def ended(self, channel_id: str) -> CallSummary:
        [summary] = [e.summary for e in self.of(CallEnded) if e.summary.linkedid == channel_id]
        return summary


@contextlib.asynccontextmanager
async def wired(fate: Fate | None = None) -> AsyncIterator[Wired]:
    simulator = PbxSimulator(SimulatorConfig(port=0, time_factor=FACTOR, seed=11, agents=("PJSIP/101", "PJSIP/102")))
    await simulator.start()
    if fate is not None:
        simulator.pbx.fate = lambda: fate  # type: ignore[method-assign]
    bus = EventBus()
    loop = asyncio.get_running_loop()
    start = loop.time()

    def simulated() -> datetime:  # the connector stamps events with the simulated clock, so durations are the PBX's
        return AT + timedelta(seconds=(loop.time() - start) / FACTOR)

    client = AmiClient("127.0.0.1", simulator.port, "crm", "secret", action_timeout=2.0)
    connector = Connector(client, bus, clock=simulated)
    handler, _ = subscribe_dialing(connector, bus, "dialer-out")
    w = Wired(simulator, bus, connector, handler)
    emit = simulator.pbx.emit

    def tap(frame: Frame) -> None:
        w.frames.append(frame)
        emit(frame)

    simulator.pbx.emit = tap

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


def request(attempt: int, number: str = "+79131234567", *, window: float = 2.0, machine: str = "hangup",
            agent: str | None = None) -> CampaignDialRequested:
    return CampaignDialRequested(attempt_channel_id(attempt), attempt, 7, number, '"ACME Bank" <+74951234567>', 20,
                                 True, machine, None, agent, window, AT)


def test_the_originate_is_trace_js_with_the_attempts_variables() -> None:
    frame = originate_frame(request(42, window=2.5, agent="PJSIP/101"), "dialer-out")
    assert list(frame.headers[:12]) == [
        ("Action", "Originate"), ("ActionID", "crm-dialer-crm-att-42"), ("Channel", "Local/79131234567@dialer-out"),
        ("Context", "dialer-out-answered"), ("Exten", "s"), ("Priority", "1"), ("Async", "true"),
        ("Timeout", "20000"), ("CallerID", '"ACME Bank" <+74951234567>'), ("ChannelId", "crm-att-42"),
        ("OtherChannelId", "crm-att-42-2"), ("Variable", "CRM_ATTEMPT=42"),
    ]
    assert frame.get_all("Variable") == ["CRM_ATTEMPT=42", "CRM_CAMPAIGN=7", "CRM_AMD=1", "CRM_MACHINE=hangup",
                                         "CRM_QUEUE=", "CRM_AGENT=PJSIP/101", "CRM_CONNECT_S=2.5"]
    with pytest.raises(ValueError, match="E.164"):
        originate_frame(request(43, "+7 913 abc"), "dialer-out")


async def test_a_live_answer_offered_to_an_operator_is_their_answered_call() -> None:
    async with wired(Fate("live", ring=2.0, amd_seconds=1.3, talk=20.0)) as w:
        w.bus.publish(request(1, window=60.0))
        await wait_for(lambda: bool(w.of(MachineDetection)), limit=5)
        assert w.of(CallPickedUp) == [CallPickedUp("crm-att-1", w.of(CallPickedUp)[0].at)]
        [verdict] = w.of(MachineDetection)
        assert (verdict.linkedid, verdict.status, verdict.cause) == ("crm-att-1", "HUMAN", "HUMAN-800-800")
        w.bus.publish(CampaignCallOffered("crm-att-1", "PJSIP/102", AT))
        await wait_for(lambda: bool(w.of(CallEnded)), limit=5)
    [ringing] = w.of(CallRinging)
    assert (ringing.linkedid, ringing.interface, ringing.direction, ringing.caller, ringing.callee) == (
        "crm-att-1", "PJSIP/102", Direction.OUTBOUND, "+74951234567", "+79131234567")
    [answered] = w.of(CallAnswered)
    assert (answered.linkedid, answered.interface) == ("crm-att-1", "PJSIP/102")
    call = w.ended("crm-att-1")
    assert (call.outcome, call.answered_by, call.direction, call.callee) == (
        CallOutcome.ANSWERED, "PJSIP/102", Direction.OUTBOUND, "+79131234567")
    assert call.talk_seconds is not None and 19 <= call.talk_seconds <= 21 and call.ring_seconds == 2
    assert call.amd_status == "HUMAN" and not w.of(CampaignDialFailed)
    [setvar] = [f for f in w.frames if f.event == "VarSet" and f.get("Variable") == "CRM_AGENT" and f.get("Value")]
    assert setvar["Channel"].endswith(";1") and setvar["Uniqueid"] == "crm-att-1"
    assert (w.handler.placed, w.handler.offered, w.handler.failed) == (1, 1, 0)


@pytest.mark.parametrize(("fate", "outcome", "verdict"), [
    (Fate("machine", ring=1.0, amd_verdict="MACHINE", amd_seconds=2.0), CallOutcome.VOICEMAIL, "MACHINE"),
    (Fate("live", ring=1.0, amd_seconds=1.0), CallOutcome.ABANDONED, "HUMAN"),  # nobody offered in 2 s
])
async def test_a_machine_or_an_answer_nobody_took_ends_without_an_operator(fate: Fate, outcome: CallOutcome,
                                                                          verdict: str) -> None:
    async with wired(fate) as w:
        w.bus.publish(request(2, machine="message"))
        await wait_for(lambda: bool(w.of(CallEnded)), limit=5)
    call = w.ended("crm-att-2")
    assert (call.outcome, call.answered_by, call.amd_status, call.talk_seconds) == (outcome, None, verdict, None)
    assert [e.status for e in w.of(MachineDetection)] == [verdict] and len(w.of(CallPickedUp)) == 1
    assert not w.of(CallRinging) and not w.of(CampaignDialFailed)
    message = "custom/dialer_machine_msg" if verdict == "MACHINE" else "custom/dialer_abandon"
    assert any(f.get("Application") == "Playback" and f.get("AppData") == message for f in w.frames)


async def test_a_busy_client_is_a_busy_call_and_a_failed_dial() -> None:
    async with wired(Fate("busy")) as w:
        w.bus.publish(request(3))
        await wait_for(lambda: bool(w.of(CallEnded)) and bool(w.of(CampaignDialFailed)), limit=5)
        # too late: the call is gone, so nothing is sent and nothing published
        w.bus.publish(CampaignCallOffered("crm-att-3", "PJSIP/101", AT))
        await wait_for(lambda: any(isinstance(e, CampaignCallOffered) for e in w.seen))
    call = w.ended("crm-att-3")
    assert (call.outcome, call.hangup_cause, call.answered_at, call.callee) == (CallOutcome.BUSY, 17, None, "+79131234567")
    [failed] = w.of(CampaignDialFailed)
    assert failed.channel_id == "crm-att-3" and "reason 0: refused" in failed.reason
    ending = next(i for i, e in enumerate(w.seen) if isinstance(e, CallEnded))
    assert w.seen.index(failed) > ending  # the outcome (busy) reaches the dialer first
    assert not w.of(CallPickedUp) and not w.of(MachineDetection)
    assert w.handler.offered == 0 and not any(f.event == "VarSet" and f.get("Variable") == "CRM_AGENT"
                                              and f.get("Value") for f in w.frames)


async def test_a_refused_or_unplaceable_originate_is_a_failed_dial() -> None:
    async with wired(Fate("live")) as w:
        long = CampaignDialRequested("crm-att-" + "9" * 150, 9, 7, "+79131234567", "ACME", 20, False, "hangup", None,
                                     None, 2.0, AT)
        w.bus.publish(long)
        w.bus.publish(request(5, "not a number"))
        await wait_for(lambda: len(w.of(CampaignDialFailed)) == 2)
    refused, bad = sorted(w.of(CampaignDialFailed), key=lambda e: len(e.channel_id), reverse=True)
    assert refused.channel_id == long.channel_id and "Uniqueid length exceeds maximum" in refused.reason
    assert bad.channel_id == "crm-att-5" and "E.164" in bad.reason
    assert w.handler.placed == 0 and not w.of(CallEnded)


async def test_an_offer_that_comes_once_the_abandon_message_plays_is_not_sent() -> None:
    # trace y10: Asterisk would accept the Setvar and ignore it; the handler does not send it at all
    async with wired(Fate("live", ring=1.0, amd_seconds=1.0)) as w:
        w.bus.publish(request(6))
        await wait_for(lambda: any(f.get("AppData") == "custom/dialer_abandon" for f in w.frames), limit=5)
        await asyncio.sleep(0.01)  # the Newexten reaches the connector's tracker over TCP
        w.bus.publish(CampaignCallOffered("crm-att-6", "PJSIP/101", AT))
        await wait_for(lambda: bool(w.of(CallEnded)), limit=5)
    assert w.ended("crm-att-6").outcome is CallOutcome.ABANDONED
    assert w.handler.offered == 0 and not w.of(CallRinging)
    assert not any(f.event == "VarSet" and f.get("Variable") == "CRM_AGENT" and f.get("Value") for f in w.frames)
