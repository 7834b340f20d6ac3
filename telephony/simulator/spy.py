"""A supervisor listening in (traces k and k2): an ``Originate`` of ``ChanSpy`` to the supervisor's phone.

The supervisor's leg is a call of its own (its own Linkedid). Once it is picked up, ChanSpy looks for a live
channel whose name begins with the first argument of ``Data`` and reports ``ChanSpyStart`` naming both
channels; with option ``E`` it leaves when that channel hangs up (``ChanSpyStop``, then the leg's
``Hangup`` with cause 0). Here ChanSpy always leaves then, ``E`` or not, and gives up at once when no
channel matches (Asterisk would keep scanning). A supervisor's number among the simulator's busy numbers
answers busy, and the Originate fails.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telephony.ami.frames import Frame
from telephony.simulator.channels import UNKNOWN, SimChannel
from telephony.simulator.outbound import OriginateRequest
from telephony.simulator.script import CallScript, event

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx

Header = tuple[str, str]


@dataclass(frozen=True, slots=True)
class SpyRequest:
    """An ``Originate`` with ``Application: ChanSpy``."""

    origin: OriginateRequest  # the supervisor's phone, its caller id and timeout
    data: str  # ChanSpy's arguments as sent: "<channel prefix>,<options>"
    variables: tuple[Header, ...] = ()

    @property
    def prefix(self) -> str:
        return self.data.split(",", 1)[0].strip()

    @property
    def options(self) -> str:
        return self.data.split(",", 1)[1] if "," in self.data else ""


def variables(values: list[str]) -> tuple[Header, ...]:
    """``Variable`` headers (``A=1``, or ``A=1,B=2`` in one header) as pairs."""
    pairs = []
    for value in values:
        for item in value.split(","):
            name, sep, content = item.partition("=")
            if sep and name.strip():
                pairs.append((name.strip(), content))
    return tuple(pairs)


def _target(pbx: Pbx, prefix: str, spyer: SimChannel) -> SimChannel | None:
    """The first live channel ChanSpy would find for ``prefix`` (never a Local channel or the spyer)."""
    wanted = prefix.lower()
    for channel in pbx.factory.live.values():
        if channel is spyer or channel.name.startswith("Local/") or channel.application == "ChanSpy":
            continue
        if wanted and channel.name.lower().startswith(wanted):
            return channel
    return None


def _spy_event(name: str, spyer: SimChannel, spyee: SimChannel) -> Frame:
    return event(name, "call,all", spyer.snapshot("Spyer"), spyee.snapshot("Spyee"))


async def chanspy(s: CallScript, pbx: Pbx, req: SpyRequest, answer_after: float) -> None:
    """Ring the supervisor, then spy until the spied channel (or the supervisor, by AMI Hangup) hangs up."""
    origin = req.origin
    name, number = origin.caller
    endpoint = origin.dial_string
    leg = s.newchannel(s.factory.pjsip(endpoint, s.now, caller_num=number, caller_name=name,
                                       context="from-agents", exten="s"))
    s.newexten(leg, "AppDial2", "(Outgoing Line)")
    for variable, value in req.variables:
        s.varset(leg, variable, value)
    leg.connected_num, leg.connected_name = number, name
    s.dial("DialBegin", None, leg, ("DialString", endpoint))
    head = [("ActionID", origin.action_id)] if origin.action_id else []
    if origin.number in pbx.config.busy_numbers:  # the supervisor's phone is busy: nothing to spy from
        await s.wait(0.002)
        s.dial("DialEnd", None, leg, ("DialStatus", "BUSY"))
        s.hangup(leg, 17, 486)
        s.emit(event("OriginateResponse", "call,all", head, [
            ("Response", "Failure"), ("Channel", origin.channel), ("Application", "ChanSpy"), ("Data", req.data),
            ("Reason", "0"), ("Uniqueid", UNKNOWN), ("CallerIDNum", number), ("CallerIDName", name),
        ]))
        return
    s.newstate(leg, 5)
    s.dial("DialState", None, leg, ("DialStatus", "RINGING"))
    await s.wait(min(answer_after, origin.timeout))
    s.emit(event("OriginateResponse", "call,all", head, [
        ("Response", "Success"), ("Channel", leg.name), ("Application", "ChanSpy"), ("Data", req.data),
        ("Reason", "4"), ("Uniqueid", leg.uniqueid), ("CallerIDNum", number), ("CallerIDName", name),
    ]))
    s.newstate(leg, 6)
    s.dial("DialEnd", None, leg, ("DialStatus", "ANSWER"))
    leg.application, leg.app_data = "ChanSpy", req.data
    await s.wait(0.1)
    target = _target(pbx, req.prefix, leg)
    if target is None:
        s.hangup(leg, 16)
        return
    s.emit(_spy_event("ChanSpyStart", leg, target))
    try:
        while target.name in s.factory.live:
            await s.wait(0.25)
    except asyncio.CancelledError:
        s.emit(_spy_event("ChanSpyStop", leg, target))
        raise  # the supervisor hung up (AMI Hangup): the PBX hangs the leg up
    s.emit(_spy_event("ChanSpyStop", leg, target))
    s.hangup(leg, 0)
