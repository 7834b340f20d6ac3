"""The dialer's commands carried out on the PBX: an attempt's call placed by ``Originate``, and a live answer
waiting in the dialplan handed to an operator by ``Setvar CRM_AGENT``.

A bus subscriber in the process that holds the AMI connection, next to the desk commands
(``telephony.commands``). The call is ``Local/<number digits>@<dialer context>`` with ``ChannelId`` the
attempt's channel id, so the Linkedid of every leg, and of the call events the tracker publishes, is that id;
once the client answers, the Local ``;1`` half runs ``<dialer context>-answered``: AMD, then the queue, the
preview operator or the wait for ``CRM_AGENT`` (docs/asterisk.md, "Campaigns"). A call that cannot be
placed comes back as ``CampaignDialFailed``; what happened to a placed one comes back as the tracker's events.
An ``Originate`` the PBX gives up (busy, no answer) is a ``CampaignDialFailed`` too, published only after the
call's ``CallEnded``, whose outcome is the one to count.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from callcenter.bus import EventBus, Subscription
from callcenter.calls.events import CallEnded, OriginateFailed
from callcenter.campaigns.events import CampaignCallOffered, CampaignDialFailed, CampaignDialRequested
from callcenter.controls import without_controls
from telephony.ami.actions import AmiError
from telephony.ami.frames import Frame, action
from telephony.connector import Connector

log = logging.getLogger(__name__)

_REMEMBERED = 1000
# Asterisk's Originate reasons (the dialled channel's last control frame). A busy client gives 0, not 5: the
# Local channel hangs up before any control frame reaches it (traces e and y5); the CallEnded tells busy.
_REASONS = {0: "refused", 1: "hung up", 3: "no answer", 5: "busy", 8: "congestion"}


def originate_frame(cmd: CampaignDialRequested, context: str) -> Frame:
    """The ``Originate`` that places ``cmd``'s call; ``ValueError`` for a number that is not E.164."""
    digits = cmd.number.removeprefix("+")
    if not digits.isdigit():
        raise ValueError(f"not an E.164 number: {cmd.number!r}")
    window = cmd.connect_window_s
    variables = {
        "CRM_ATTEMPT": str(cmd.attempt_id),
        "CRM_CAMPAIGN": str(cmd.campaign_id),
        "CRM_AMD": "1" if cmd.amd else "0",
        "CRM_MACHINE": "message" if cmd.machine_action == "message" else "hangup",
        "CRM_QUEUE": _plain(cmd.queue or ""),
        "CRM_AGENT": _plain(cmd.agent_interface or ""),
        "CRM_CONNECT_S": str(int(window)) if window == int(window) else f"{window:g}",
    }
    return Frame([
        ("Action", "Originate"), ("ActionID", f"crm-dialer-{cmd.channel_id}"),
        ("Channel", f"Local/{digits}@{context}"), ("Context", f"{context}-answered"), ("Exten", "s"),
        ("Priority", "1"), ("Async", "true"), ("Timeout", str(max(1, cmd.ring_timeout_s) * 1000)),
        ("CallerID", without_controls(cmd.caller_id)), ("ChannelId", cmd.channel_id),
        ("OtherChannelId", f"{cmd.channel_id}-2"),
        # One header per variable, as trace j: Asterisk splits a header's value at commas.
        *(("Variable", f"{name}={value}") for name, value in variables.items()),
    ])


def _plain(value: str) -> str:
    return without_controls(value).replace(",", "")


class DialingHandler:
    """Places the dialer's calls and hands their live answers on; counts what it did for the curious."""

    def __init__(self, connector: Connector, bus: EventBus, *, context: str, timeout: float = 10.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.connector = connector
        self.bus = bus
        self.context = context
        self.timeout = timeout
        self.clock = clock
        self.placed = 0
        self.failed = 0
        self.offered = 0
        self._asked: OrderedDict[str, str] = OrderedDict()  # ActionID -> channel id, until the PBX gives one up
        # channel id -> reason, held until the call's CallEnded has passed
        self._given_up: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, event: Any) -> None:
        if isinstance(event, CampaignDialRequested):
            await self._dial(event)
        elif isinstance(event, CampaignCallOffered):
            await self._offer(event)
        elif isinstance(event, OriginateFailed):
            channel_id = self._asked.pop(event.action_id, None)
            if channel_id is not None:
                meaning = _REASONS.get(event.reason or 0, "failed")
                reason = f"the PBX gave the call up (reason {event.reason}: {meaning})"
                if channel_id in self.connector.tracker.active_calls:
                    # Its channels are still hanging up: the CallEnded that says busy or no answer goes first.
                    self._given_up[channel_id] = reason
                    while len(self._given_up) > _REMEMBERED:
                        self._given_up.popitem(last=False)
                else:
                    self._fail(channel_id, reason, given_up=True)
        elif isinstance(event, CallEnded):
            held = self._given_up.pop(event.summary.linkedid, "")
            if held:
                self._fail(event.summary.linkedid, held, given_up=True)

    async def _dial(self, cmd: CampaignDialRequested) -> None:
        try:
            frame = originate_frame(cmd, self.context)
        except ValueError as exc:
            self._fail(cmd.channel_id, str(exc))
            return
        action_id = frame["ActionID"]
        self._asked[action_id] = cmd.channel_id
        while len(self._asked) > _REMEMBERED:
            self._asked.popitem(last=False)
        try:
            # Through the connector, so that the tracker logs even a call that fails before any channel.
            response = await self.connector.originate(frame, self.timeout)
        except (AmiError, TimeoutError, ValueError) as exc:
            self._asked.pop(action_id, None)
            self._fail(cmd.channel_id, f"the PBX is not reachable: {exc}")
            return
        if (response.get("Response") or "").lower() != "success":
            self._asked.pop(action_id, None)
            self._fail(cmd.channel_id, response.get("Message") or "refused by the PBX")
            return
        self.placed += 1

    async def _offer(self, cmd: CampaignCallOffered) -> None:
        # Nothing is published when this fails: the dialplan stops waiting by itself, plays the abandon
        # message, and the call's CallEnded (abandoned) frees the operator the dialer had set aside.
        channel = self.connector.tracker.answering_channel(cmd.channel_id)
        if channel is None:
            log.warning("call %s is no longer waiting for an operator; %s not offered", cmd.channel_id, cmd.interface)
            return
        frame = action("Setvar", ActionID=f"crm-offer-{cmd.channel_id}", Channel=channel, Variable="CRM_AGENT",
                       Value=_plain(cmd.interface))
        try:
            response = await self.connector.client.send_action(frame, self.timeout)
        except (AmiError, TimeoutError) as exc:
            log.warning("call %s could not be handed to %s: %s", cmd.channel_id, cmd.interface, exc)
            return
        if (response.get("Response") or "").lower() != "success":
            log.warning("call %s could not be handed to %s: %s", cmd.channel_id, cmd.interface,
                        response.get("Message") or "refused by the PBX")
            return
        self.offered += 1

    def _fail(self, channel_id: str, reason: str, *, given_up: bool = False) -> None:
        self.failed += 1
        # A number busy or not answering is the everyday lot of a campaign, not a fault of the PBX.
        log.log(logging.INFO if given_up else logging.WARNING, "campaign call %s not placed: %s", channel_id, reason)
        self.bus.publish(CampaignDialFailed(channel_id, reason, self.clock()))


def subscribe_dialing(connector: Connector, bus: EventBus, context: str) -> tuple[DialingHandler, Subscription]:
    """Carry out the dialer's commands published on ``bus`` through ``connector``."""
    handler = DialingHandler(connector, bus, context=context)
    return handler, bus.subscribe(handler, name="dialer-commands")
