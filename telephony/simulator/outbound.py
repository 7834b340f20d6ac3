"""Originated calls (traces d2, e, x1 and x3): the PBX dials the target itself (its ``DialBegin`` has no
``Channel`` header), and on answer runs ``Context``/``Exten``: connects an operator, or for click-to-call
(the target is the operator's own device) dials the number.
``OriginateResponse`` follows: ``Success`` with ``Reason: 4`` when answered, ``Failure`` with
``Reason: 0`` (busy) or ``3`` (no answer) and ``Uniqueid: <unknown>`` otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telephony.simulator.channels import UNKNOWN, SimChannel
from telephony.simulator.plan import Agent
from telephony.simulator.script import CallScript, event

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx

_CALLERID = re.compile(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$')


@dataclass(frozen=True, slots=True)
class OriginateRequest:
    channel: str  # PJSIP/carrier/sip:79161234567@host, Local/79161234567@outbound or PJSIP/101
    context: str = "connect-agent"
    exten: str = "s"
    caller_id: str = ""
    timeout: float = 30.0  # seconds
    action_id: str | None = None

    @property
    def caller(self) -> tuple[str, str]:
        """(name, number) of ``"CRM Click2Call" <4000>``."""
        match = _CALLERID.match(self.caller_id)
        if match:
            return match.group(1).strip() or UNKNOWN, match.group(2) or UNKNOWN
        return UNKNOWN, self.caller_id.strip() or UNKNOWN

    @property
    def dial_string(self) -> str:
        return self.channel.split("/", 1)[-1]

    @property
    def number(self) -> str:
        tail = self.dial_string.rsplit("/", 1)[-1]
        return tail.removeprefix("sip:").split("@", 1)[0]


def _response(s: CallScript, req: OriginateRequest, ok: bool, reason: int, uniqueid: str) -> None:
    name, number = req.caller
    head = [("ActionID", req.action_id)] if req.action_id else []
    s.emit(event("OriginateResponse", "call,all", head, [
        ("Response", "Success" if ok else "Failure"), ("Channel", req.channel), ("Context", req.context),
        ("Exten", req.exten), ("Reason", str(reason)), ("Uniqueid", uniqueid),
        ("CallerIDNum", number), ("CallerIDName", name),
    ]))


def _endpoint(pbx: Pbx, req: OriginateRequest) -> tuple[str, Agent | None]:
    """The endpoint the first leg is on, and the agent when that endpoint is an operator's device."""
    if req.channel.startswith("Local/"):
        return pbx.config.carrier, None
    resource = req.dial_string.split("/", 1)[0]
    for agent in pbx.agents:
        if agent.endpoint == resource:
            return resource, agent
    return resource, None


def is_device(pbx: Pbx, req: OriginateRequest) -> bool:
    """The Originate rings an operator's device (click-to-call) rather than dialling out."""
    return _endpoint(pbx, req)[1] is not None


async def originate(s: CallScript, pbx: Pbx, req: OriginateRequest, outcome: str, ring: float, talk: float) -> None:
    """Play one Originate; ``outcome`` is ``answer``, ``busy`` or ``noanswer``: the dialled number's.

    An Originate to an operator's device (click-to-call, trace x1) rings that device first; once it is
    picked up, the dialplan dials the number, and ``outcome`` is what the number does then. An Originate to
    the outside (traces d2, e) dials the number first."""
    name, number = req.caller
    endpoint, device = _endpoint(pbx, req)
    first = s.factory.pjsip(endpoint, s.now, context="from-agents" if device else "from-trunk", exten="s")
    if device is not None:
        # The device's own caller id first, then the Originate's, shown on its screen (NewCallerid).
        first.caller_num, first.caller_name = device.extension, device.name
        s.newchannel(first)
        first.caller_num, first.caller_name = number, name
        s.channel_event("NewCallerid", first, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)"))
    else:
        first.caller_num, first.caller_name = number, name
        s.newchannel(first)
    first.connected_num, first.connected_name = number, name
    s.dial("DialBegin", None, first, ("DialString", req.dial_string))
    if device is None and outcome == "busy":
        await s.wait(0.002)
        s.dial("DialEnd", None, first, ("DialStatus", "BUSY"))
        s.hangup(first, 17, 486)
        _response(s, req, False, 0, UNKNOWN)
        return
    s.newstate(first, 5)
    s.dial("DialState", None, first, ("DialStatus", "RINGING"))
    unattended = device is not None and f"PJSIP/{device.endpoint}" in pbx.config.unattended_devices
    if (device is None and outcome != "answer") or unattended:
        await s.wait(req.timeout)
        _response(s, req, False, 3, UNKNOWN)
        s.hangup(first, 19, 480)
        return
    await s.wait(1.0 if device is not None else min(ring, req.timeout - 0.5))
    s.newstate(first, 6)
    s.dial("DialEnd", None, first, ("DialStatus", "ANSWER"))
    _response(s, req, True, 4, first.uniqueid)
    first.context, first.exten = req.context, req.exten
    recording = f"/var/spool/asterisk/monitor/{first.uniqueid}.wav"
    s.varset(first, "MIXMONITOR_FILENAME", recording)
    second, dial_string = _second_leg(s, pbx, req, first, device)
    s.dial("DialBegin", first, second, ("DialString", dial_string))
    s.newstate(second, 5)
    s.dial("DialState", first, second, ("DialStatus", "RINGING"))
    operator = device or _agent_for(pbx, req.exten)
    pbx.queue.busy(operator, True)
    try:
        if device is not None and outcome != "answer":
            await _client_fails(s, first, second, outcome, ring)
            return
        await s.wait(1.0 if device is None else ring)
        second.connect_to(first)
        s.newstate(second, 6)
        s.dial("DialEnd", first, second, ("DialStatus", "ANSWER"))
        bridge = s.new_bridge()
        s.bridge_enter(bridge, second)
        s.bridge_enter(bridge, first)
        await s.wait(talk)
    finally:
        pbx.queue.busy(operator, False, at=s.now)
    s.bridge_leave(first)
    s.bridge_leave(second)
    s.hangup(first, 16)
    s.hangup(second, 16)


_DIAL_TIMEOUT = 15.0  # the [outbound] dialplan's Dial timeout in the recorded traces (x4)


async def _client_fails(s: CallScript, first: SimChannel, second: SimChannel, outcome: str, ring: float) -> None:
    """The operator picked up, the client's leg did not: ``Dial`` returns and the dialplan hangs up."""
    if outcome == "busy":
        await s.wait(0.5)
        s.dial("DialEnd", first, second, ("DialStatus", "BUSY"))
        s.hangup(second, 17, 486)
        s.hangup(first, 17)
        return
    await s.wait(_DIAL_TIMEOUT)
    s.dial("DialEnd", first, second, ("DialStatus", "NOANSWER"))
    s.hangup(second, 0)  # as trace x4: the unanswered leg goes with cause 0, the operator's with 16
    s.hangup(first, 16)


def _agent_for(pbx: Pbx, exten: str) -> Agent:
    for agent in pbx.agents:
        if exten in (agent.extension, agent.endpoint):
            return agent
    return pbx.agents[0]


def _second_leg(
    s: CallScript, pbx: Pbx, req: OriginateRequest, first: SimChannel, device: Agent | None
) -> tuple[SimChannel, str]:
    """An answered trunk leg is connected to the operator of ``Exten``; an answered operator device
    dials ``Exten`` out through the carrier."""
    if device is None:
        agent = _agent_for(pbx, req.exten)
        leg = s.factory.pjsip(agent.endpoint, s.now, first.linkedid, caller_num=agent.extension,
                              caller_name=agent.name, context="from-agents", exten="s")
        return s.newchannel(leg), agent.endpoint
    leg = s.factory.pjsip(pbx.config.carrier, s.now, first.linkedid, caller_num=req.exten,
                              caller_name=UNKNOWN, context="from-trunk", exten="s")
    return s.newchannel(leg), f"{pbx.config.carrier}/sip:{req.exten}@127.0.0.1:5081"
