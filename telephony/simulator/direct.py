"""Calls from the trunk straight to an operator's extension (traces c and m): a busy device, and an
answered call the operator hands to a colleague with an attended transfer through a Local pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telephony.ami.frames import Frame
from telephony.simulator.channels import SimChannel
from telephony.simulator.plan import Agent, CallPlan
from telephony.simulator.script import CallScript, bridge_headers, event

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx


def _inbound(s: CallScript, pbx: Pbx, plan: CallPlan, agent: Agent) -> tuple[SimChannel, SimChannel]:
    trunk = s.newchannel(
        s.factory.pjsip(pbx.config.trunk, s.now, caller_num=plan.caller, caller_name=plan.caller,
                        context="from-trunk", exten=agent.extension, state=4)
    )
    trunk.priority = 3
    leg = s.newchannel(
        s.factory.pjsip(agent.endpoint, s.now, trunk.linkedid, caller_num=agent.extension,
                        caller_name=agent.name, context="from-agents", exten="s")
    )
    s.dial("DialBegin", trunk, leg, ("DialString", agent.endpoint))
    return trunk, leg


async def direct_busy(s: CallScript, pbx: Pbx, plan: CallPlan) -> None:
    """The operator's phone answers 486 Busy Here: cause 17 on both legs."""
    agent = pbx.agents[plan.agent % len(pbx.agents)]
    trunk, leg = _inbound(s, pbx, plan, agent)
    await s.wait(0.002)
    s.dial("DialEnd", trunk, leg, ("DialStatus", "BUSY"))
    s.hangup(leg, 17, 486)
    s.hangup(trunk, 17, 486)


async def attended_transfer(s: CallScript, pbx: Pbx, plan: CallPlan) -> None:
    """Agent A answers, consults agent B through ``Local/<ext>@internal``, then hangs up: the caller
    and B are bridged (``AttendedTransfer`` with ``DestType: Bridge``)."""
    first = pbx.agents[plan.agent % len(pbx.agents)]
    second = pbx.agents[plan.second % len(pbx.agents)]
    trunk, a = _inbound(s, pbx, plan, first)
    a.exten = trunk.exten
    s.newstate(a, 5)
    s.dial("DialState", trunk, a, ("DialStatus", "RINGING"))
    await s.wait(min(plan.answer_after, 8.0))
    a.connect_to(trunk)
    s.newstate(a, 6)
    s.dial("DialEnd", trunk, a, ("DialStatus", "ANSWER"))
    s.newstate(trunk, 6)
    a.exten = ""
    talk_bridge = s.new_bridge()
    s.bridge_enter(talk_bridge, a)
    s.bridge_enter(talk_bridge, trunk)
    pbx.queue.busy(first, True)
    await s.wait(plan.talk / 3)

    s.channel_event("Hold", a)
    l1, l2 = s.factory.local_pair(second.extension, "internal", s.now, trunk.linkedid)
    s.newchannel(l1)
    s.newchannel(l2)
    consult_bridge = s.new_bridge()
    s.bridge_enter(consult_bridge, l1)
    s.bridge_leave(a)
    s.bridge_enter(consult_bridge, a)
    b = s.newchannel(
        s.factory.pjsip(second.endpoint, s.now, trunk.linkedid, caller_num=second.extension,
                        caller_name=second.name, context="from-agents", exten="s")
    )
    l2.caller_num, l2.caller_name = first.extension, first.name
    s.dial("DialBegin", l2, b, ("DialString", second.endpoint))
    b.exten = second.extension
    s.newstate(b, 5)
    s.dial("DialState", l2, b, ("DialStatus", "RINGING"))
    await s.wait(1.0)
    b.connect_to(l2)
    s.newstate(b, 6)
    s.dial("DialEnd", l2, b, ("DialStatus", "ANSWER"))
    s.newstate(l2, 6)
    l1.caller_num, l1.caller_name = second.extension, second.name
    s.newstate(l1, 6)
    b.exten = ""
    far_bridge = s.new_bridge()
    s.bridge_enter(far_bridge, b)
    s.bridge_enter(far_bridge, l2)
    pbx.queue.busy(second, True)
    await s.wait(plan.consult)

    s.bridge_leave(a)
    s.bridge_leave(l1)
    s.bridge_enter(talk_bridge, l1)
    s.emit(_attended_transfer(a, talk_bridge, consult_bridge, trunk, l1))
    s.hangup(a, 16)
    pbx.queue.busy(first, False, at=s.now)
    # the Local pair optimizes itself away: the caller takes ;2's place beside agent B
    s.bridge_leave(trunk)
    s.bridge_leave(l2)
    s.bridge_enter(far_bridge, trunk, swap=l2.uniqueid)
    s.bridge_leave(l1)
    s.hangup(l1, 16)
    s.hangup(l2, 16)
    try:
        await s.wait(plan.talk2)
    finally:
        pbx.queue.busy(second, False, at=s.now)
    s.bridge_leave(trunk)
    s.hangup(trunk, 16)
    s.bridge_leave(b)
    s.hangup(b, 16)


def _attended_transfer(a: SimChannel, orig: str, second: str, transferee: SimChannel, target: SimChannel) -> Frame:
    def bridge(prefix: str, bridge_id: str, members: int) -> list[tuple[str, str]]:
        return [(prefix + name[6:] if name.startswith("Bridge") else name, value)
                for name, value in bridge_headers(bridge_id, members)]

    return event(
        "AttendedTransfer", "call,all", [("Result", "Success")],
        a.snapshot("OrigTransferer"), bridge("OrigBridge", orig, 2),
        a.snapshot("SecondTransferer"), bridge("SecondBridge", second, 0),
        transferee.snapshot("Transferee"), target.snapshot("TransferTarget"),
        [("IsExternal", "No"), ("DestType", "Bridge"), ("DestBridgeUniqueid", orig)],
    )
