"""Dialer commands on the CRM's bus, for the process that holds the AMI connection.

The dialer (``dialer.engine``) decides what to dial and to whom a live answer goes; the AMI process
(``telephony.commands``) turns these into ``Originate`` and ``Setvar`` actions. What happens to the call
comes back as the tracker's call events, keyed by the call's Linkedid, which is ``channel_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ATTEMPT_CHANNEL_PREFIX = "crm-att-"


def attempt_channel_id(attempt_id: int) -> str:
    """The ChannelId an attempt's Originate asks for, so the Linkedid of its call."""
    return f"{ATTEMPT_CHANNEL_PREFIX}{attempt_id}"


@dataclass(frozen=True, slots=True)
class CampaignDialRequested:
    """Place one attempt's call: ``Originate Local/<number>@<dialer context>`` with ``ChannelId=channel_id``."""

    channel_id: str
    attempt_id: int
    campaign_id: int
    number: str  # E.164
    caller_id: str  # what the client's phone shows
    ring_timeout_s: int
    amd: bool  # run AMD() once the client answers
    machine_action: str  # "hangup" or "message": what the dialplan does with an answering machine
    queue: str | None  # hand live answers to this queue; None: the dialer names the operator
    agent_interface: str | None  # preview: the operator is chosen before dialling
    connect_window_s: float  # a live answer with no operator this long after the greeting is abandoned
    at: datetime


@dataclass(frozen=True, slots=True)
class CampaignCallOffered:
    """Hand a live answer waiting in the dialplan to an operator's device."""

    channel_id: str
    interface: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CampaignDialFailed:
    """The AMI process could not place the call (the PBX refused it or is not reachable)."""

    channel_id: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PreviewOffered:
    """Preview mode: the next client of a campaign, shown on an operator's desk before dialling.

    ``countdown_s`` 0: dialled only when the operator says so (``PreviewDecision``); else dialled by itself
    once the countdown has run out."""

    user_id: int
    campaign_id: int
    lead_id: int
    client_id: int
    number: str
    countdown_s: float
    at: datetime


@dataclass(frozen=True, slots=True)
class PreviewDecision:
    """The operator's answer to a preview: dial it now, or skip it."""

    user_id: int
    lead_id: int
    dial: bool
    at: datetime
