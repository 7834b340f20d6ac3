"""The tracker's memory: live channels, live calls, recent originates and finished Linkedids."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from callcenter.calls.events import Transfer
from telephony.tracker.channels import Kind, TrackerConfig


@dataclass(slots=True)
class Channel:
    uniqueid: str
    name: str
    linkedid: str
    kind: Kind
    interface: str
    caller: str | None
    exten: str | None
    up: bool = False
    bridge: str | None = None


@dataclass(slots=True)
class Spy:
    """What makes a call a supervisor's spy leg rather than a call to log."""

    mode: str  # listen, whisper, barge, or "spy" when the CRM did not start it
    spied: str | None = None  # Linkedid of the call listened to, once ChanSpy found its channel
    supervisor: str | None = None  # interface of the spying device
    operator: str | None = None  # interface of the device listened to


@dataclass(slots=True)
class Call:
    """One call (one Linkedid) while it is going on."""

    linkedid: str
    started_at: datetime
    first_kind: Kind | None = None  # kind of the channel whose Uniqueid is the Linkedid
    first_interface: str | None = None  # device of that channel
    caller: str | None = None
    callee: str | None = None
    originated: bool = False  # made by an AMI Originate
    has_trunk_leg: bool = False  # some leg other than an inbound first channel went to a trunk
    outside_number: str | None = None  # the external number an outbound leg dialled
    dialer_caller: str | None = None  # caller id of the channel that dialled the outside
    operator_ext: str | None = None  # caller id (extension) of the first operator device seen
    queue: str | None = None
    offered: list[str] = field(default_factory=list)
    rung: set[str] = field(default_factory=set)  # dialled operator channels, for one ringing each
    ring_at: datetime | None = None
    outside_dial_at: datetime | None = None  # when a leg to the outside began to ring
    queue_join_at: datetime | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    operator_answered_at: datetime | None = None
    hold_time: int | None = None
    talk_time: int | None = None
    abandoned: bool = False
    voicemail: bool = False
    last_dial_status: str | None = None
    originate_reason: int | None = None
    hangup_cause: int | None = None
    recording: str | None = None
    recording_in: str | None = None  # the client's side, from MixMonitor's r() or t()
    recording_out: str | None = None  # the operator's side
    transfers: list[Transfer] = field(default_factory=list)
    pending_blind: Transfer | None = None  # sent to an extension by a blind transfer, until someone answers
    live: set[str] = field(default_factory=set)  # uniqueids of channels not yet hung up
    times_approximate: bool = False
    end_unseen: bool = False  # closed because its channels were gone: how it ended (the cause) is not known
    spy: Spy | None = None  # a supervisor's ChanSpy leg: reported as spying, never logged as a call
    dialer: bool = False  # a campaign's call: its ChannelId says so, or the dialplan's CRM_ variables
    picked_up_told: bool = False  # CallPickedUp was published
    amd_status: str | None = None  # AMD()'s verdict on the client's answer
    amd_cause: str | None = None
    amd_at: datetime | None = None  # when MachineDetection was published
    amd_told: bool = False
    # The answered dialplan (on the Local ;1) has stopped waiting for CRM_AGENT: it dials an operator, queues,
    # plays a message or hangs up. A Setvar now is accepted by Asterisk and ignored (trace y10).
    wait_over: bool = False


@dataclass(slots=True)
class Originate:
    """An Originate this connector sent, until its OriginateResponse."""

    action_id: str
    channel: str
    exten: str | None
    at: datetime
    linkedid: str | None = None
    channel_id: str | None = None  # the Originate's ChannelId: the Linkedid its call will have


class TrackerState:
    """Everything the rules read and change. Kept in one place so the rules stay plain functions."""

    __slots__ = ("config", "channels", "by_name", "calls", "bridges", "originates", "dial_targets", "_ended")

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.channels: dict[str, Channel] = {}
        self.by_name: dict[str, Channel] = {}
        self.calls: dict[str, Call] = {}
        self.bridges: dict[str, set[str]] = {}
        self.originates: dict[str, Originate] = {}
        # "<dial string>" of an originate's own DialBegin -> its Linkedid, to match OriginateResponse
        self.dial_targets: OrderedDict[str, str] = OrderedDict()
        self._ended: OrderedDict[str, None] = OrderedDict()

    def is_ended(self, linkedid: str) -> bool:
        return linkedid in self._ended

    def mark_ended(self, linkedid: str) -> None:
        self._ended[linkedid] = None
        while len(self._ended) > self.config.ended_memory:
            self._ended.popitem(last=False)

    def remember_dial_target(self, target: str, linkedid: str) -> None:
        self.dial_targets[target] = linkedid
        while len(self.dial_targets) > 1000:
            self.dial_targets.popitem(last=False)

    def call_of_channel(self, name: str | None) -> Call | None:
        if not name:
            return None
        channel = self.by_name.get(name)
        return self.calls.get(channel.linkedid) if channel else None

    def forget_channel(self, channel: Channel) -> None:
        self.channels.pop(channel.uniqueid, None)
        if self.by_name.get(channel.name) is channel:
            del self.by_name[channel.name]
        self.set_bridge(channel, None)

    def set_bridge(self, channel: Channel, bridge: str | None) -> None:
        """Move ``channel`` into ``bridge`` (None: out of any), keeping the bridges' member sets in step."""
        if channel.bridge == bridge:
            return
        if channel.bridge is not None:
            members = self.bridges.get(channel.bridge)
            if members is not None:
                members.discard(channel.uniqueid)
                if not members:
                    del self.bridges[channel.bridge]
        channel.bridge = bridge
        if bridge is not None:
            self.bridges.setdefault(bridge, set()).add(channel.uniqueid)
