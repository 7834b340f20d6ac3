"""The simulator's campaign calls: an Originate of ``Local/<number>@dialer-out`` played as Asterisk played traces
j and j2, so that the tracker makes the same calls of them; and its seeded fates at the configured rates."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from callcenter.calls.events import CallEvent, CallSummary
from callcenter.models.enums import CallOutcome
from telephony.ami.encode import encode
from telephony.ami.frames import Frame
from telephony.simulator import PbxSimulator
from telephony.simulator.dialer import Fate
from telephony.tracker import CallTracker
from tests.telephony import test_simulator as simulator_tests
from tests.telephony.test_simulator import Client, connect, make_config
from tests.telephony.test_tracker import ended, load, replay


def originate(channel_id: str, number: str, *, agent: str = "", queue: str = "", machine: str = "hangup",
              amd: bool = True, ring_ms: int = 30000, connect: str = "2") -> Frame:
    variables = {"CRM_ATTEMPT": "1001", "CRM_CAMPAIGN": "7", "CRM_AMD": "1" if amd else "0", "CRM_MACHINE": machine,
                 "CRM_QUEUE": queue, "CRM_AGENT": agent, "CRM_CONNECT_S": connect}
    return Frame([
        ("Action", "Originate"), ("ActionID", f"crm-dialer-{channel_id}"), ("Channel", f"Local/{number}@dialer-out"),
        ("Context", "dialer-out-answered"), ("Exten", "s"), ("Priority", "1"), ("Async", "true"),
        ("Timeout", str(ring_ms)), ("CallerID", '"ACME Bank" <+74951234567>'), ("ChannelId", channel_id),
        ("OtherChannelId", f"{channel_id}-2"), *(("Variable", f"{k}={v}") for k, v in variables.items()),
    ])


FACTOR = 0.05  # slower than the other simulator tests: whole seconds are compared with the traces'


@pytest.fixture
async def sim(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[PbxSimulator]:
    monkeypatch.setattr(simulator_tests, "FACTOR", FACTOR)  # the clock the test client stamps frames with
    simulator = PbxSimulator(make_config(agents=("PJSIP/agent1", "PJSIP/agent2"), time_factor=FACTOR))
    await simulator.start()
    yield simulator
    await simulator.close()


async def dialled(sim: PbxSimulator, frame: Frame, fate: Fate) -> tuple[CallSummary, list[CallEvent], Client]:
    sim.pbx.fate = lambda: fate  # type: ignore[method-assign]
    client, _ = await connect(sim)
    try:
        client.writer.write(encode(frame))
        await client.writer.drain()
        linkedid = frame["ChannelId"]
        tracker = CallTracker()
        async with asyncio.timeout(5):
            while not any(f.event == "Hangup" and f.get("Uniqueid") == linkedid for f, _ in client.frames) \
                    or sim.pbx.calls:  # noqa: ASYNC110 (the frames come over TCP: polled, as Client.wait_for does)
                await asyncio.sleep(0.01)
        events = tracker.feed_all(client.frames)
    finally:
        await client.close()
    [summary] = ended(events).values()
    return summary, events, client


def without_times(summary: CallSummary) -> CallSummary:
    return replace(summary, linkedid="", started_at=summary.started_at - summary.started_at,  # type: ignore[arg-type]
                   answered_at=None, ended_at=None)  # type: ignore[arg-type]


def trace_summary(name: str) -> tuple[CallSummary, list[CallEvent]]:
    events = replay(CallTracker(), load(name))
    [summary] = ended(events).values()
    return summary, events


async def test_a_person_handed_to_the_preview_operator_is_trace_js_call(sim: PbxSimulator) -> None:
    # j's timings: rings 2 s, AMD decides after 1.33 s, agent1 answers 1 s later and talks 11.67 s
    fate = Fate("live", ring=2.0, amd_verdict="HUMAN", amd_seconds=1.33, talk=11.67)
    summary, events, client = await dialled(sim, originate("crm-att-1001", "79131234567", agent="PJSIP/agent1"), fate)
    recorded, recorded_events = trace_summary("j_dialer_amd_human")
    assert without_times(summary) == without_times(recorded)
    assert summary.linkedid == "crm-att-1001" and summary.outcome is CallOutcome.ANSWERED
    assert [type(e) for e in events] == [type(e) for e in recorded_events]
    frames = [f for f, _ in client.frames]
    [response] = [f for f in frames if f.event == "OriginateResponse"]
    assert (response["Response"], response["Reason"], response["Uniqueid"]) == ("Success", "4", "crm-att-1001")
    assert {f.get("Linkedid") for f in frames if f.get("Linkedid")} == {"crm-att-1001"}
    assert any(f.get("Uniqueid") == "crm-att-1001-2" for f in frames)  # the OtherChannelId
    amd = [(f["Channel"], f["Value"]) for f in frames if f.event == "VarSet" and f["Variable"].startswith("AMD")]
    assert [value for _, value in amd] == ["HUMAN", "HUMAN-800-800"] and all(c.endswith(";1") for c, _ in amd)


async def test_a_machine_hears_the_message_as_in_trace_j2(sim: PbxSimulator) -> None:
    fate = Fate("machine", ring=2.0, amd_verdict="MACHINE", amd_seconds=1.83, greeting=0.5)
    summary, events, _ = await dialled(sim, originate("crm-att-1002", "79137654321", machine="message"), fate)
    recorded, recorded_events = trace_summary("j2_dialer_amd_machine")
    assert without_times(summary) == without_times(recorded)
    assert [type(e) for e in events] == [type(e) for e in recorded_events]


@pytest.mark.parametrize(("fate", "outcome", "cause"), [
    (Fate("busy"), CallOutcome.BUSY, 17), (Fate("no_answer"), CallOutcome.NO_ANSWER, 19),
    (Fate("failed"), CallOutcome.FAILED, 34), (Fate("live", ring=1.0, amd_seconds=1.0), CallOutcome.ABANDONED, 16),
    (Fate("live", ring=1.0, amd_verdict="MACHINE"), CallOutcome.VOICEMAIL, 16),  # a person AMD took for a machine
])
async def test_the_other_ends_replay_as_the_derived_traces_do(sim: PbxSimulator, fate: Fate, outcome: CallOutcome,
                                                              cause: int) -> None:
    summary, events, client = await dialled(sim, originate("crm-att-5", "79990000005", ring_ms=3000), fate)
    assert (summary.outcome, summary.hangup_cause, summary.callee, summary.caller) == (
        outcome, cause, "+79990000005", "+74951234567")
    assert summary.answered_by is None and summary.talk_seconds is None
    frames = [f for f, _ in client.frames]
    [response] = [f for f in frames if f.event == "OriginateResponse"]
    answered = outcome in (CallOutcome.ABANDONED, CallOutcome.VOICEMAIL)
    assert response["Response"] == ("Success" if answered else "Failure")
    if outcome is CallOutcome.ABANDONED:
        # waited CRM_CONNECT_S in 0.2 s steps for an operator, then the abandon message
        assert sum(f.get("Application") == "Wait" for f in frames) == 10
        assert any(f.get("AppData") == "custom/dialer_abandon" for f in frames)
        assert summary.wait_seconds == round(1.0 + 2.0 + 3.0)  # from the pick-up: AMD, the wait, the message
    if outcome is CallOutcome.NO_ANSWER:
        assert summary.ring_seconds == 3  # the Originate's Timeout


async def test_setvar_names_the_operator_of_a_waiting_call(sim: PbxSimulator) -> None:
    sim.pbx.fate = lambda: Fate("live", ring=1.0, amd_seconds=1.0, talk=5.0)  # type: ignore[method-assign]
    client, _ = await connect(sim)
    try:
        # a long window: the Setvar below must come in time however slowly this machine runs the test
        client.writer.write(encode(originate("crm-att-8", "79990000008", connect="60")))
        await client.wait_for(lambda f: f.get("Application") == "Wait")
        missing = await client.send("Setvar", Channel="Local/1@dialer-out-00000099;1", Variable="CRM_AGENT",
                                    Value="PJSIP/agent2")
        assert (missing.response, missing["Message"]) == ("Error", "No such channel")
        waiting = next(f["Channel"] for f, _ in client.frames if f.get("Application") == "Wait")
        done = await client.send("Setvar", Channel=waiting, Variable="CRM_AGENT", Value="PJSIP/agent2")
        assert (done.response, done["Message"]) == ("Success", "Variable Set")
        # the Local pair goes once agent2 is in (trace y1): the call ends with the operator's leg
        await client.wait_for(lambda f: f.event == "Hangup" and f.get("Channel", "").startswith("PJSIP/agent2"),
                              within=10)
    finally:
        await client.close()
    [summary] = ended(CallTracker().feed_all(client.frames)).values()
    assert (summary.outcome, summary.answered_by, summary.talk_seconds) == (CallOutcome.ANSWERED, "PJSIP/agent2", 5)
    assert summary.wait_seconds is not None and 2 <= summary.wait_seconds < 60  # AMD 1 s, the phone 1 s, the Setvar


def test_fates_follow_the_configured_rates_and_the_seed() -> None:
    config = make_config(dial_live_rate=0.3, dial_machine_rate=0.1, dial_busy_rate=0.1, dial_no_answer_rate=0.45,
                         dial_failed_rate=0.05, dial_amd_false_positive_rate=0.1, dial_talk_mean_s=120.0)
    from telephony.simulator.pbx import Pbx

    draws = [Pbx(config, lambda frame: None).fate() for _ in range(1)]
    pbx = Pbx(config, lambda frame: None)
    fates = [pbx.fate() for _ in range(4000)]
    again = Pbx(config, lambda frame: None)
    assert [again.fate() for _ in range(50)] == fates[:50] and draws[0] == fates[0]  # one seed, one sequence
    counts = Counter(f.kind for f in fates)
    for kind, rate in (("live", 0.3), ("machine", 0.1), ("busy", 0.1), ("no_answer", 0.45), ("failed", 0.05)):
        assert abs(counts[kind] / len(fates) - rate) < 0.03, kind
    people = [f for f in fates if f.kind == "live"]
    mistaken = sum(f.amd_verdict == "MACHINE" for f in people) / len(people)
    assert 0.06 < mistaken < 0.14
    talk = sum(f.talk for f in people) / len(people)
    assert 100 < talk < 140
    assert all(f.amd_verdict == "MACHINE" for f in fates if f.kind == "machine")
    assert timedelta(seconds=min(f.ring for f in fates)) >= timedelta(seconds=1)


# ---------------------------------------------------------------- the hand-over as the real traces y1..y9 show it
_SHAPE = {"LocalOptimizationBegin", "LocalOptimizationEnd", "Hangup", "QueueCallerJoin", "AgentCalled", "AgentConnect",
          "AgentComplete", "AgentRingNoAnswer", "QueueCallerAbandon", "QueueCallerLeave", "OriginateResponse"}


def _role(channel: str) -> str:
    if channel.startswith("Local/"):
        return channel[-2:]
    return channel.split("/", 1)[-1].rsplit("-", 1)[0] if channel else ""


def shape(frames: list[Frame]) -> list[tuple[str, str, str]]:
    """What happened to which leg, order aside (Asterisk's own order of simultaneous hangups varies)."""
    return sorted((f.event or "", _role(f.get("Channel") or f.get("DestChannel") or f.get("LocalOneChannel") or ""),
                   f.get("Cause") or f.get("Reason") or "") for f in frames if f.event in _SHAPE)


def _recorded_frames(name: str) -> list[Frame]:
    return [line.frame for line in load(name) if line.incoming]


@pytest.mark.parametrize(("name", "agent", "queue", "amd", "fate"), [
    ("y1_dialer_handover", "PJSIP/agent1", "", True, Fate("live", ring=2.0, amd_seconds=1.81, talk=5.0)),
    ("y7_dialer_preview", "PJSIP/agent1", "", False, Fate("live", ring=2.0, talk=5.0)),
    ("y8_dialer_queue_answered", "", "support", True, Fate("live", ring=2.0, amd_seconds=1.81, talk=5.0)),
])
async def test_an_operator_takes_the_call_and_the_local_pair_goes_as_on_the_real_asterisk(
        sim: PbxSimulator, name: str, agent: str, queue: str, amd: bool, fate: Fate) -> None:
    frame = originate("crm-att-9", "79130000004" if amd else "79130000001", agent=agent, queue=queue, amd=amd)
    summary, events, client = await dialled(sim, frame, fate)
    recorded, recorded_events = trace_summary(name)
    assert (summary.outcome, summary.answered_by, summary.callee, summary.queue) == (
        recorded.outcome, recorded.answered_by, recorded.callee, recorded.queue)
    assert set(summary.offered_to) == set(recorded.offered_to)
    assert (summary.ring_seconds, summary.wait_seconds, summary.talk_seconds, summary.hangup_cause) == (
        recorded.ring_seconds, recorded.wait_seconds, recorded.talk_seconds, recorded.hangup_cause)
    assert [type(e) for e in events] == [type(e) for e in recorded_events]
    frames = [f for f, _ in client.frames]
    assert shape(frames) == shape(_recorded_frames(name))
    # both Local halves are gone as soon as the operator is in, long before the client and the operator hang up
    local_gone = [at for f, at in client.frames if f.event == "Hangup" and f["Channel"].startswith("Local/")]
    assert len(local_gone) == 2 and max(local_gone) <= summary.ended_at - timedelta(seconds=4)


async def test_a_queue_nobody_answers_in_time_is_abandoned_as_on_the_real_asterisk(sim: PbxSimulator) -> None:
    sim.pbx.config = replace(sim.pbx.config, dial_agent_answer_s=5.0)  # slower than the 2 s window
    fate = Fate("live", ring=2.0, amd_seconds=1.81)
    summary, events, client = await dialled(sim, originate("crm-att-9", "79130000004", queue="support"), fate)
    recorded, recorded_events = trace_summary("y9_dialer_queue_nobody")
    assert without_times(summary) == without_times(replace(recorded, offered_to=summary.offered_to))
    assert set(summary.offered_to) == set(recorded.offered_to)
    assert [type(e) for e in events] == [type(e) for e in recorded_events]
    frames = [f for f, _ in client.frames]
    assert shape(frames) == shape(_recorded_frames("y9_dialer_queue_nobody"))
    assert [f["Value"] for f in frames if f.event == "VarSet" and f["Variable"] == "QUEUESTATUS"] == ["TIMEOUT"]


async def test_two_live_answers_in_queue_mode_the_second_rings_nobody_as_in_trace_y12(sim: PbxSimulator) -> None:
    sim.pbx.fate = lambda: Fate("live", ring=2.0, amd_seconds=1.81, talk=5.0)  # type: ignore[method-assign]
    client, _ = await connect(sim)
    try:
        for channel_id, number in (("crm-att-1", "79130000004"), ("crm-att-2", "79130000014")):
            client.writer.write(encode(originate(channel_id, number, queue="support")))
        await client.writer.drain()
        async with asyncio.timeout(5):
            while sum(f.event == "Hangup" and f.get("Channel", "").startswith("PJSIP/carrier")  # noqa: ASYNC110
                      for f, _ in client.frames) < 2:  # the frames come over TCP: polled, as Client.wait_for does
                await asyncio.sleep(0.01)
    finally:
        await client.close()
    calls = ended(CallTracker().feed_all(client.frames))
    recorded = ended(replay(CallTracker(), load("y12_dialer_product_queue")))
    for linkedid in ("crm-att-1", "crm-att-2"):
        got, real = calls[linkedid], recorded[linkedid]
        assert (got.outcome, got.answered_by, got.queue, got.wait_seconds, got.talk_seconds) == (
            real.outcome, real.answered_by, real.queue, real.wait_seconds, real.talk_seconds)
    assert calls["crm-att-2"].offered_to == ()
    joins = [f["Position"] for f, _ in client.frames if f.event == "QueueCallerJoin"]
    assert joins == ["1", "2"]
