"""Campaign calls as Asterisk 22 plays them (traces j and j2, and trace e for the failures): an ``Originate`` of
``Local/<number>@<dialer context>`` whose ``;1`` half has the ``ChannelId`` as Uniqueid (so every leg's
Linkedid) and ``;2`` the ``OtherChannelId``; ``;2`` dials the client through the carrier, and once the client
answers, ``;1`` runs the answered context: ``AMD()``, then per ``CRM_`` variable the queue, the preview
operator, or a wait in 0.2 s steps for the dialer's ``Setvar CRM_AGENT``, else the abandon message
(``dialer_handover``: the operator's leg, and the Local pair optimizing itself away, as traces y1..y9 show).

The dialplan is docs/asterisk/extensions.conf's ``[dialer-out]`` and ``[dialer-out-answered]``; the
causes and reasons are the recorded ones: busy 17 and Reason 0, no answer 19 and Reason 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from telephony.simulator.channels import UNKNOWN, SimChannel
from telephony.simulator.dialer_handover import dial_operator, queue_operator
from telephony.simulator.outbound import OriginateRequest
from telephony.simulator.plan import Agent
from telephony.simulator.script import CallScript, event

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx

Header = tuple[str, str]
_CALLERID_PRES = ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")
MACHINE_MESSAGE = "custom/dialer_machine_msg"
ABANDON_MESSAGE = "custom/dialer_abandon"


@dataclass(frozen=True, slots=True)
class DialerOriginate:
    request: OriginateRequest
    channel_id: str | None
    other_channel_id: str | None
    variables: tuple[Header, ...]

    def variable(self, name: str) -> str:
        return next((value for key, value in self.variables if key == name), "")


@dataclass(frozen=True, slots=True)
class Fate:
    """What the dialled number does: ``live``, ``machine``, ``busy``, ``no_answer`` or ``failed``."""

    kind: str
    ring: float = 5.0  # before the answer
    amd_verdict: str = "HUMAN"  # what AMD says of the answer (MACHINE for a machine, or a person taken for one)
    amd_seconds: float = 1.3
    greeting: float = 4.0  # a machine's greeting, until the beep
    talk: float = 60.0


def _response(s: CallScript, req: DialerOriginate, channel: str, ok: bool, reason: int, uniqueid: str) -> None:
    r = req.request
    name, number = r.caller
    head = [("ActionID", r.action_id)] if r.action_id else []
    s.emit(event("OriginateResponse", "call,all", head, [
        ("Response", "Success" if ok else "Failure"), ("Channel", channel), ("Context", r.context),
        ("Exten", r.exten), ("Reason", str(reason)), ("Uniqueid", uniqueid), ("CallerIDNum", number),
        ("CallerIDName", name),
    ]))


async def campaign_call(s: CallScript, pbx: Pbx, req: DialerOriginate, fate: Fate) -> None:
    """Play one campaign call to its end."""
    r = req.request
    digits = r.number
    context = r.channel.split("@", 1)[-1]
    one, two = s.factory.local_pair(digits, context, s.now, req.channel_id or "")
    if req.channel_id:
        one.uniqueid = req.channel_id
    one.linkedid = two.linkedid = one.uniqueid
    if req.other_channel_id:
        two.uniqueid = req.other_channel_id
    two.state = 4
    s.newchannel(one)
    s.newchannel(two)
    s.newexten(one, "AppDial2", "(Outgoing Line)")
    for leg in (one, two):
        for name, value in req.variables:
            s.varset(leg, name, value)
    name, number = r.caller
    for leg in (one, two):
        leg.caller_num, leg.caller_name = number, name
        leg.connected_num, leg.connected_name = number, name
        s.channel_event("NewCallerid", leg, _CALLERID_PRES)
    s.dial("DialBegin", None, one, ("DialString", f"{digits}@{context}"))
    s.newexten(two, "Set", "CDR(userfield)=dialer")
    target = f"{pbx.config.carrier}/sip:+{digits}@127.0.0.1:5060"
    two.priority = 2
    s.newexten(two, "Dial", f"PJSIP/{target},120")
    carrier = s.newchannel(s.factory.pjsip(pbx.config.carrier, s.now, one.linkedid, caller_num=digits,
                                           caller_name=name, context="from-trunk", exten=digits,
                                           connected_num=number, connected_name=name))
    s.dial("DialBegin", two, carrier, ("DialString", target))
    local = f"Local/{digits}@{context}"
    if fate.kind in ("busy", "failed"):
        await _refused(s, req, fate.kind, one, two, carrier, local)
        return
    s.newstate(carrier, 5)
    s.newstate(one, 5)
    s.dial("DialState", two, carrier, ("DialStatus", "RINGING"))
    s.dial("DialState", None, one, ("DialStatus", "RINGING"))
    if fate.kind == "no_answer" or fate.ring >= r.timeout:
        await s.wait(r.timeout)
        s.channel_event("HangupRequest", two, ("Cause", "19"))
        s.dial("DialEnd", two, carrier, ("DialStatus", "CANCEL"))
        s.varset(two, "DIALSTATUS", "CANCEL")
        _response(s, req, local, False, 3, UNKNOWN)
        for leg in (carrier, one, two):
            s.hangup(leg, 19)
        return
    await s.wait(fate.ring)
    await _answered(s, pbx, req, fate, one, two, carrier)


async def _refused(s: CallScript, req: DialerOriginate, kind: str, one: SimChannel, two: SimChannel,
                   carrier: SimChannel, local: str) -> None:
    """Busy (486, trace e) or a carrier that cannot place the call (congestion): no channel is ever up."""
    await s.wait(0.004)
    status, cause, reason = ("BUSY", 17, 0) if kind == "busy" else ("CONGESTION", 34, 8)
    s.channel_event("HangupRequest", carrier, ("Cause", str(cause)))
    s.dial("DialEnd", two, carrier, ("DialStatus", status))
    _response(s, req, local, False, reason, UNKNOWN)
    s.varset(two, "DIALSTATUS", status)
    s.hangup(carrier, cause, 486 if kind == "busy" else 503)
    s.newexten(two, "Hangup", "")
    s.hangup(two, cause)
    s.dial("DialEnd", None, one, ("DialStatus", status))
    s.hangup(one, cause)


async def _answered(s: CallScript, pbx: Pbx, req: DialerOriginate, fate: Fate, one: SimChannel,
                    two: SimChannel, carrier: SimChannel) -> None:
    s.newstate(carrier, 6)
    s.varset(two, "DIALSTATUS", "ANSWER")
    s.dial("DialEnd", two, carrier, ("DialStatus", "ANSWER"))
    s.newstate(two, 6)
    outside = s.new_bridge()
    s.bridge_enter(outside, carrier)
    _response(s, req, one.name, True, 4, one.uniqueid)
    s.newstate(one, 6)
    s.dial("DialEnd", None, one, ("DialStatus", "ANSWER"))
    one.context, one.exten, one.priority = req.request.context, "s", 1
    s.newexten(one, "NoOp", f"Dialer: attempt {req.variable('CRM_ATTEMPT')} answered")
    s.bridge_enter(outside, two)
    verdict = "HUMAN"
    if req.variable("CRM_AMD") == "1":
        one.priority = 2
        s.newexten(one, "AMD", "")
        await s.wait(fate.amd_seconds)
        verdict = fate.amd_verdict
        cause = {"HUMAN": "HUMAN-800-800", "MACHINE": "LONGGREETING-1500-1500"}.get(verdict, "TOOLONG-5000")
        s.varset(one, "AMDSTATUS", verdict)
        s.varset(one, "AMDCAUSE", cause)
    if verdict == "MACHINE":
        if req.variable("CRM_MACHINE") == "message":
            s.newexten(one, "WaitForSilence", "1500,1,20")
            await s.wait(fate.greeting if fate.kind == "machine" else 1.5)
            s.varset(one, "WAITSTATUS", "SILENCE")
            await _play(s, one, MACHINE_MESSAGE, 5.0)
        await _hang_up_from_the_dialplan(s, one, two, carrier)
        return
    queue = req.variable("CRM_QUEUE")
    if queue:
        window = req.variable("CRM_CONNECT_S")
        taken = await queue_operator(s, pbx, queue, _seconds(window, 2.0), window, fate, one, two, carrier)
    else:
        agent = await _operator_for(s, pbx, req, one)
        taken = agent is not None and await dial_operator(s, pbx, agent, fate, one, two, carrier)
    if not taken:
        await _play(s, one, ABANDON_MESSAGE, 3.0)
        await _hang_up_from_the_dialplan(s, one, two, carrier)


async def _play(s: CallScript, channel: SimChannel, sound: str, seconds: float) -> None:
    s.newexten(channel, "Playback", sound)
    await s.wait(seconds)
    s.varset(channel, "PLAYBACKSTATUS", "SUCCESS")


async def _hang_up_from_the_dialplan(s: CallScript, one: SimChannel, two: SimChannel, carrier: SimChannel) -> None:
    """``Hangup()`` on ``;1``: the Local pair goes, then the client's leg (trace j2's ending)."""
    s.newexten(one, "Hangup", "")
    s.channel_event("SoftHangupRequest", one, ("Cause", "16"))
    s.channel_event("HangupRequest", two, ("Cause", "16"))
    s.hangup(one, 16)
    s.bridge_leave(two)
    s.hangup(two, 16)
    s.bridge_leave(carrier)
    s.hangup(carrier, 16)


async def _operator_for(s: CallScript, pbx: Pbx, req: DialerOriginate, one: SimChannel) -> Agent | None:
    """The preview operator, or the one the dialer names in time; None: nobody, abandon."""
    window = _seconds(req.variable("CRM_CONNECT_S"), 2.0)
    waited = 0.0
    while True:
        wanted = (one.variables.get("CRM_AGENT") or "").strip()
        if wanted:
            return next((a for a in pbx.agents if a.interface.lower() == wanted.lower()), None)
        if waited >= window - 1e-9:
            return None
        s.newexten(one, "Wait", "0.2")
        await s.wait(0.2)
        waited += 0.2


def _seconds(value: str, default: float) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return default
