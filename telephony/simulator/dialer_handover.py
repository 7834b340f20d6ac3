"""A campaign call's live answer handed to an operator, as Asterisk 22 plays it (traces y1, y7, y8, y9):
``Dial(<operator>,20)`` from the Local ``;1`` half, or ``Queue(<queue>,,,,<CRM_CONNECT_S>)``.

Nothing records these calls, so once the operator is in, the Local pair takes itself out
(``LocalOptimizationBegin``/``End``): the client's leg swaps into the operator's bridge and both halves hang
up at once, cause 16; the client and the operator talk on alone. The queue then reports ``AgentComplete`` with
``TalkTime: 0`` for its caller (the ``;1`` half) that left. A queue nobody answers within the window times out:
``AgentRingNoAnswer``, ``QueueCallerAbandon`` with the window as ``HoldTime``, ``QUEUESTATUS=TIMEOUT``.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING

from telephony.simulator.channels import SimChannel
from telephony.simulator.plan import Agent
from telephony.simulator.script import CallScript, event

if TYPE_CHECKING:
    from telephony.simulator.dialer import Fate
    from telephony.simulator.pbx import Pbx

_OPTIMIZATIONS = count(1)
Leg = tuple[Agent, SimChannel]


def _operator_leg(s: CallScript, one: SimChannel, agent: Agent) -> SimChannel:
    leg = s.newchannel(s.factory.pjsip(agent.endpoint, s.now, one.linkedid, caller_num=agent.extension,
                                       caller_name=agent.name, context="from-agents", exten="s",
                                       connected_num=one.caller_num, connected_name=one.caller_name))
    return leg


def _optimize_away(s: CallScript, one: SimChannel, two: SimChannel, carrier: SimChannel, inside: str) -> None:
    """The Local pair leaves the call: the client's leg takes ``;1``'s place in the operator's bridge."""
    ident = ("Id", str(next(_OPTIMIZATIONS)))
    s.emit(event("LocalOptimizationBegin", "call,all", one.snapshot("LocalOne"), two.snapshot("LocalTwo"),
                 carrier.snapshot("Source"), [("DestUniqueId", two.uniqueid), ident]))
    s.bridge_leave(carrier)
    s.bridge_leave(one)
    s.bridge_enter(inside, carrier, swap=one.uniqueid)
    s.emit(event("LocalOptimizationEnd", "call,all", one.snapshot("LocalOne"), two.snapshot("LocalTwo"),
                 [("Success", "No"), ident]))  # what Asterisk 22 says, though the pair did go (trace y1)
    s.bridge_leave(two)
    s.varset(two, "DIALSTATUS", "ANSWER")
    s.channel_event("HangupRequest", one, ("Cause", "16"))
    s.hangup(two, 16)
    s.hangup(one, 16)


async def _connected(s: CallScript, agent: Agent, leg: SimChannel, fate: Fate, one: SimChannel,
                     two: SimChannel, carrier: SimChannel, *, queue: str | None = None, hold: str = "0") -> None:
    """The operator answered: bridge, the Local pair goes, they talk, the client hangs up."""
    inside = s.new_bridge()
    s.bridge_enter(inside, leg)
    s.bridge_enter(inside, one)
    _optimize_away(s, one, two, carrier, inside)
    if queue is not None:
        s.emit(event("AgentComplete", "agent,all", leg.snapshot("Dest"), [
            ("Queue", queue), ("Interface", agent.interface), ("MemberName", agent.name), ("HoldTime", hold),
            ("TalkTime", "0"), ("Reason", "caller")]))
    await s.wait(fate.talk)
    s.channel_event("HangupRequest", carrier, ("Cause", "16"))
    s.bridge_leave(carrier)
    s.bridge_leave(leg)
    s.hangup(carrier, 16)
    s.hangup(leg, 16)


async def dial_operator(s: CallScript, pbx: Pbx, agent: Agent, fate: Fate, one: SimChannel, two: SimChannel,
                        carrier: SimChannel) -> bool:
    """``Dial(<operator>,20)`` from ``;1``: the operator answers and talks; False when their phone is busy."""
    s.newexten(one, "Dial", f"{agent.interface},20")
    leg = _operator_leg(s, one, agent)
    s.dial("DialBegin", one, leg, ("DialString", agent.endpoint))
    member = pbx.queue.members.get(agent.interface)
    if member is not None and member.in_call:
        s.dial("DialEnd", one, leg, ("DialStatus", "BUSY"))
        s.hangup(leg, 17)
        return False
    pbx.queue.busy(agent, True)  # nobody else may take this phone while it rings
    try:
        s.newstate(leg, 5)
        s.dial("DialState", one, leg, ("DialStatus", "RINGING"))
        await s.wait(pbx.config.dial_agent_answer_s)
        leg.connect_to(one)
        s.newstate(leg, 6)
        s.varset(one, "DIALSTATUS", "ANSWER")
        s.dial("DialEnd", one, leg, ("DialStatus", "ANSWER"))
        await _connected(s, agent, leg, fate, one, two, carrier)
    finally:
        pbx.queue.busy(agent, False, at=s.now)
    return True


async def queue_operator(s: CallScript, pbx: Pbx, queue: str, window: float, window_text: str, fate: Fate,
                         one: SimChannel, two: SimChannel, carrier: SimChannel) -> bool:
    """``Queue(<queue>,,,,<window>)`` from ``;1``: every free member rings (ringall); the first to answer within
    the window takes the call. False when nobody did: the queue timed out, the dialplan abandons the call."""
    s.newexten(one, "Queue", f"{queue},,,,{window_text}")
    joined = s.now
    ours = queue == pbx.config.queue
    position = pbx.queue.join(one, joined) if ours else 1
    s.queue_event("QueueCallerJoin", one, ("Queue", queue), ("Position", str(position)),
                  ("Count", str(pbx.queue.count if ours else 1)))
    try:
        return await _queued(s, pbx, queue, window, fate, one, two, carrier, joined, position, ours)
    finally:
        if ours and any(channel is one for channel, _ in pbx.queue.waiting):
            pbx.queue.leave(one, abandoned=True)  # cut short


async def _queued(s: CallScript, pbx: Pbx, queue: str, window: float, fate: Fate, one: SimChannel, two: SimChannel,
                  carrier: SimChannel, joined: float, position: int, ours: bool) -> bool:
    # The queue rings its members for the caller at its head only (trace y12: the second waits, rings nobody).
    free = pbx.queue.available() if ours and position == 1 else []
    legs: list[Leg] = []
    for agent in free:
        leg = _operator_leg(s, one, agent)
        s.agent("AgentCalled", one, leg, queue, agent.name)
        s.dial("DialBegin", one, leg, ("DialString", agent.interface))
        legs.append((agent, leg))
    for _, leg in legs:
        s.newstate(leg, 5)
        s.dial("DialState", one, leg, ("DialStatus", "RINGING"))
    answer = pbx.config.dial_agent_answer_s
    if legs and answer <= window:
        await s.wait(answer)
        (agent, leg), losers = legs[0], legs[1:]
        leg.connect_to(one)
        s.newstate(leg, 6)
        s.dial("DialEnd", one, leg, ("DialStatus", "ANSWER"))
        for status in ("CANCEL", "CANCEL"):
            for _, other in losers:
                s.dial("DialEnd", one, other, ("DialStatus", status))
        for _, other in losers:
            s.hangup(other, 26)
        if ours:
            pbx.queue.leave(one, abandoned=False)
        s.queue_event("QueueCallerLeave", one, ("Queue", queue), ("Position", "1"), ("Count", str(pbx.queue.count)))
        hold = str(round(s.now - joined))
        s.agent("AgentConnect", one, leg, queue, agent.name, ("HoldTime", hold), ("RingTime", hold))
        pbx.queue.busy(agent, True)
        try:
            await _connected(s, agent, leg, fate, one, two, carrier, queue=queue, hold=hold)
        finally:
            pbx.queue.busy(agent, False, at=s.now)
        return True
    await s.wait(window)
    for agent, leg in legs:
        s.agent("AgentRingNoAnswer", one, leg, queue, agent.name, ("RingTime", str(int(window * 1000))))
    for status in ("NOANSWER", "CANCEL"):
        for _, leg in legs:
            s.dial("DialEnd", one, leg, ("DialStatus", status))
    for _, leg in legs:
        s.hangup(leg, 0)
    if ours:
        pbx.queue.leave(one, abandoned=True)
    s.queue_event("QueueCallerAbandon", one, ("Queue", queue), ("Position", str(position)),
                  ("OriginalPosition", str(position)), ("HoldTime", str(round(s.now - joined))))
    s.queue_event("QueueCallerLeave", one, ("Queue", queue), ("Position", str(position)), ("Count", str(pbx.queue.count)))
    s.varset(one, "QUEUESTATUS", "TIMEOUT")
    return False
