"""Inbound queue calls as Asterisk 22 plays them (traces a, b and h): the trunk channel answers,
MixMonitor starts, FastAGI looks the caller up, a greeting plays, then ``Queue(support)`` rings every
free member (ringall) in rounds of ``ring_timeout`` with ``retry`` between them.

Habits kept from the traces: each losing agent gets two ``DialEnd`` with ``CANCEL``, a timed-out one
``NOANSWER`` then ``CANCEL``; ``QueueCallerLeave`` comes before ``AgentConnect`` and
``QueueCallerAbandon`` before ``QueueCallerLeave``; ``AgentConnect`` carries ``HoldTime``,
``AgentComplete`` ``TalkTime``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telephony.simulator.channels import SimChannel
from telephony.simulator.plan import Agent, CallPlan
from telephony.simulator.script import CallScript

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx


async def answer_inbound(s: CallScript, pbx: Pbx, plan: CallPlan) -> SimChannel:
    """The trunk channel up to the ``Queue`` application: answer, record, look up, greet."""
    cfg = pbx.config
    trunk = s.newchannel(
        s.factory.pjsip(cfg.trunk, s.now, caller_num=plan.caller, caller_name=plan.caller,
                        context="from-trunk", exten=cfg.did, state=4)
    )
    trunk.priority = 4
    s.newexten(trunk, "Answer", "")
    s.newstate(trunk, 6)
    recording = f"/var/spool/asterisk/monitor/{trunk.uniqueid}.wav"
    trunk.priority = 5
    s.newexten(trunk, "MixMonitor", recording)
    s.varset(trunk, "MIXMONITOR_FILENAME", recording)
    if cfg.agi_url:
        trunk.priority = 6
        url = f"{cfg.agi_url}?callerid={plan.caller}"
        s.newexten(trunk, "AGI", url)
        outcome = await pbx.run_agi(url, trunk, cfg.did)
        for name, value in outcome.variables:
            if name.upper() == "CALLERID(NAME)":
                trunk.caller_name = value
                s.channel_event("NewCallerid", trunk, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
            else:
                s.varset(trunk, name, value)
        s.varset(trunk, "AGISTATUS", outcome.status)
    trunk.priority = 8
    s.newexten(trunk, "Playback", "custom/greeting")
    await s.wait(plan.greeting)
    s.varset(trunk, "PLAYBACKSTATUS", "SUCCESS")
    trunk.priority = 9
    s.newexten(trunk, "Queue", f"{cfg.queue},,,,300")
    return trunk


def _ring(s: CallScript, pbx: Pbx, caller: SimChannel, agents: list[Agent]) -> list[tuple[Agent, SimChannel]]:
    legs = []
    for agent in agents:
        leg = s.newchannel(
            s.factory.pjsip(agent.endpoint, s.now, caller.linkedid, caller_num=agent.extension,
                            caller_name=agent.name, context="from-agents", exten="s")
        )
        leg.exten = caller.exten
        leg.connected_num, leg.connected_name = caller.caller_num, caller.caller_name
        s.agent("AgentCalled", caller, leg, pbx.config.queue, agent.name)
        s.dial("DialBegin", caller, leg, ("DialString", agent.interface))
        legs.append((agent, leg))
    for _, leg in legs:
        s.newstate(leg, 5)
        s.dial("DialState", caller, leg, ("DialStatus", "RINGING"))
    return legs


def _cancel(s: CallScript, caller: SimChannel, legs: list[tuple[Agent, SimChannel]]) -> None:
    for _ in range(2):
        for _, leg in legs:
            s.dial("DialEnd", caller, leg, ("DialStatus", "CANCEL"))


def _no_answer(s: CallScript, pbx: Pbx, caller: SimChannel, legs: list[tuple[Agent, SimChannel]]) -> None:
    ring_ms = str(int(pbx.config.ring_timeout * 1000))
    for agent, leg in legs:
        s.agent("AgentRingNoAnswer", caller, leg, pbx.config.queue, agent.name, ("RingTime", ring_ms))
    for _, leg in legs:
        s.dial("DialEnd", caller, leg, ("DialStatus", "NOANSWER"))
    for _, leg in legs:
        s.dial("DialEnd", caller, leg, ("DialStatus", "CANCEL"))
    for _, leg in legs:
        s.hangup(leg, 0)


def _leave(s: CallScript, pbx: Pbx, caller: SimChannel, joined: float, abandon: bool) -> None:
    queue = pbx.config.queue
    position = pbx.queue.leave(caller, abandoned=abandon)
    if abandon:
        s.queue_event("QueueCallerAbandon", caller, ("Queue", queue), ("Position", str(position)),
                      ("OriginalPosition", str(position)), ("HoldTime", str(round(s.now - joined))))
    s.queue_event("QueueCallerLeave", caller, ("Queue", queue), ("Position", str(position)),
                  ("Count", str(pbx.queue.count)))
    s.hangup(caller, 0 if abandon else 16)


async def _connect(s: CallScript, pbx: Pbx, caller: SimChannel, legs: list[tuple[Agent, SimChannel]],
                   winner: int, joined: float, rang: float, plan: CallPlan) -> None:
    queue = pbx.config.queue
    agent, leg = legs[winner]
    losers = [pair for i, pair in enumerate(legs) if i != winner]
    leg.connect_to(caller)
    s.newstate(leg, 6)
    s.dial("DialEnd", caller, leg, ("DialStatus", "ANSWER"))
    _cancel(s, caller, losers)
    position = pbx.queue.leave(caller, abandoned=False)
    s.queue_event("QueueCallerLeave", caller, ("Queue", queue), ("Position", str(position)),
                  ("Count", str(pbx.queue.count)))
    hold = str(round(s.now - joined))
    s.agent("AgentConnect", caller, leg, queue, agent.name, ("HoldTime", hold), ("RingTime", str(round(s.now - rang))))
    for _, other in losers:
        s.hangup(other, 26)
    bridge = s.new_bridge()
    s.bridge_enter(bridge, leg)
    s.bridge_enter(bridge, caller)
    pbx.queue.busy(agent, True)
    answered = s.now
    try:
        await s.wait(plan.talk)
    finally:
        pbx.queue.busy(agent, False, at=s.now)
    s.agent("AgentComplete", caller, leg, queue, agent.name, ("HoldTime", hold),
            ("TalkTime", str(round(s.now - answered))), ("Reason", "caller"))
    s.bridge_leave(caller)
    s.bridge_leave(leg)
    s.hangup(leg, 16)
    s.hangup(caller, 16)


async def queue_call(s: CallScript, pbx: Pbx, plan: CallPlan, *, abandon: bool) -> None:
    """A queue call: answered at ``answer_after`` (when someone rings then), else the caller leaves
    at ``leave_after`` (abandoning, or the queue timing out when ``abandon`` is False)."""
    cfg = pbx.config
    caller = await answer_inbound(s, pbx, plan)
    joined = s.now
    position = pbx.queue.join(caller, joined)
    s.queue_event("QueueCallerJoin", caller, ("Queue", cfg.queue), ("Position", str(position)),
                  ("Count", str(pbx.queue.count)))
    answer_at = plan.answer_after if plan.scenario.value == "queue_answered" else None
    elapsed = 0.0
    while True:
        agents = pbx.queue.available()
        if plan.scenario.value == "queue_answered" and agents and answer_at is not None:
            preferred = pbx.agents[plan.agent % len(pbx.agents)]
            if preferred in agents:  # the planned operator answers when free
                agents.remove(preferred)
                agents.insert(0, preferred)
        legs = _ring(s, pbx, caller, agents) if agents else []
        round_end = elapsed + cfg.ring_timeout
        rang = s.now
        if legs and answer_at is not None and answer_at <= round_end and answer_at < plan.leave_after:
            await s.wait(max(0.0, answer_at - elapsed))
            await _connect(s, pbx, caller, legs, 0, joined, rang, plan)
            return
        if plan.leave_after <= round_end:
            await s.wait(max(0.0, plan.leave_after - elapsed))
            _cancel(s, caller, legs)
            for _, leg in legs:
                s.hangup(leg, 0)
            _leave(s, pbx, caller, joined, abandon)
            return
        await s.wait(round_end - elapsed)
        elapsed = round_end
        if legs:
            _no_answer(s, pbx, caller, legs)
        retry_end = elapsed + cfg.retry
        if plan.leave_after <= retry_end:
            await s.wait(max(0.0, plan.leave_after - elapsed))
            _leave(s, pbx, caller, joined, abandon)
            return
        if answer_at is not None and answer_at <= retry_end:
            answer_at = retry_end + 1.0  # nobody rang at that moment: the next round's first second
        await s.wait(cfg.retry)
        elapsed = retry_end
