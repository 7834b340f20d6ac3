"""CallTracker: AMI event frames in, call events out. No I/O, no clock: the caller passes arrival times
(``manager.conf`` has ``timestampevents = no``, so the time a frame arrived is the only time there is).

About half of all frames are ``VarSet``; the tracker looks at the event name and, for ``VarSet`` and
``Newexten``, at the next-to-last header (``Variable``/``Application``, where Asterisk puts them) so an
uninteresting frame costs a dict lookup or two and never builds the frame's header index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from callcenter.calls.events import (
    CallAnswered,
    CallEnded,
    CallEvent,
    CallPickedUp,
    CallQueued,
    CallRinging,
    MachineDetection,
)
from telephony.ami.frames import Frame
from telephony.tracker import originate as originate_rules
from telephony.tracker import rules_channels as ch
from telephony.tracker import rules_dial as dial
from telephony.tracker import rules_dialer as dialer
from telephony.tracker import rules_spy as spy
from telephony.tracker import rules_transfer as xfer
from telephony.tracker import snapshot as snapshots
from telephony.tracker.channels import TrackerConfig
from telephony.tracker.reconcile import reconcile
from telephony.tracker.state import TrackerState

log = logging.getLogger(__name__)

Handler = Callable[[TrackerState, Frame, datetime, list[CallEvent]], None]

_EVENTS: dict[str, Handler] = {
    "Newchannel": ch.on_newchannel,
    "Newstate": ch.on_newstate,
    "Hangup": ch.on_hangup,
    "BridgeEnter": ch.on_bridge_enter,
    "BridgeLeave": ch.on_bridge_leave,
    "DialBegin": dial.on_dial_begin,
    "DialEnd": dial.on_dial_end,
    "QueueCallerJoin": dial.on_queue_join,
    "QueueCallerAbandon": dial.on_queue_abandon,
    "QueueMemberPause": dial.on_member_pause,
    "AgentCalled": dial.on_agent_called,
    "AgentConnect": dial.on_agent_connect,
    "AgentComplete": dial.on_agent_complete,
    "AttendedTransfer": xfer.on_attended_transfer,
    "BlindTransfer": xfer.on_blind_transfer,
    "OriginateResponse": originate_rules.on_originate_response,
    "ChanSpyStart": spy.on_chanspy_start,
    "ChanSpyStop": spy.on_chanspy_stop,
}
_VARIABLES: dict[str, Handler] = {
    "MIXMONITOR_FILENAME": ch.on_recording, spy.SPY_MODE_VARIABLE: spy.on_spy_mode,
    "AMDSTATUS": dialer.on_amd_status, "AMDCAUSE": dialer.on_amd_cause,
    **dict.fromkeys(dialer.DIALER_VARIABLES, dialer.on_dialer_variable),
}
_APPLICATIONS: dict[str, Handler] = {
    "VoiceMail": ch.on_voicemail, "MixMonitor": ch.on_mixmonitor, "ChanSpy": spy.on_spy_application, "ExtenSpy": spy.on_spy_application,
    **dict.fromkeys(dialer.PAST_THE_WAIT, dialer.on_answered_application),
}
# What a spy leg must not say: it never rings, queues or is answered on anyone's desk.
_NOT_FOR_SPIES = (CallRinging, CallAnswered, CallQueued)
# Headers naming the other calls an event may have changed, besides its own ``Linkedid``: looked up only for
# these few events, since every handled frame passes here.
_OTHER_LINKEDIDS: dict[str, tuple[str, ...]] = {
    "DialBegin": ("DestLinkedid",), "DialEnd": ("DestLinkedid",),
    "AttendedTransfer": ("TransfereeLinkedid", "OrigTransfererLinkedid", "SecondTransfererLinkedid"),
    "BlindTransfer": ("TransfereeLinkedid", "TransfererLinkedid"),
    "ChanSpyStart": ("SpyerLinkedid", "SpyeeLinkedid"), "ChanSpyStop": ("SpyerLinkedid", "SpyeeLinkedid"),
}


def _by_second_last(frame: Frame, header: str, table: dict[str, Handler]) -> Handler | None:
    names = frame.names
    if len(names) >= 2 and names[-2] == header:
        return table.get(frame.values[-2])
    value = frame.get(header)
    return table.get(value) if value else None


class CallTracker:
    """Builds calls (one per Linkedid) from AMI events and says what happened to them."""

    __slots__ = ("_state", "_changed")

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self._state = TrackerState(config or TrackerConfig())
        self._changed: set[str] = set()  # Linkedids whose state may differ from the last snapshot taken

    def feed(self, frame: Frame, at: datetime) -> list[CallEvent]:
        """Consume one frame that arrived at ``at``; return the call events it caused (often none)."""
        names = frame.names
        if not names:
            return []
        name = frame.values[0]
        if names[0] != "Event":
            found = frame.get("Event")
            if found is None:
                return []
            name = found
        if name == "VarSet":
            handler = _by_second_last(frame, "Variable", _VARIABLES)
        elif name == "Newexten":
            handler = _by_second_last(frame, "Application", _APPLICATIONS)
        else:
            handler = _EVENTS.get(name)
        if handler is None:
            return []
        out: list[CallEvent] = []
        try:
            handler(self._state, frame, at, out)
        except Exception:  # one odd frame must never stop call tracking
            log.exception("call tracker skipped a %s frame it could not use", name)
        for header in ("Linkedid", *_OTHER_LINKEDIDS.get(name, ())):
            linkedid = frame.get(header)
            if linkedid:
                self._changed.add(linkedid)
        for event in out:
            self._changed.add(event.summary.linkedid if isinstance(event, CallEnded) else getattr(event, "linkedid", ""))
        if out:
            out = [e for e in out if not self._spy_says(e)]
        return out

    def _spy_says(self, event: CallEvent) -> bool:
        if not isinstance(event, _NOT_FOR_SPIES):
            return False
        call = self._state.calls.get(event.linkedid)
        return call is not None and call.spy is not None

    def feed_all(self, frames: Iterable[tuple[Frame, datetime]]) -> list[CallEvent]:
        """Feed several frames in order; all their call events."""
        out: list[CallEvent] = []
        for frame, at in frames:
            out.extend(self.feed(frame, at))
        return out

    def originated(self, action_id: str, channel: str, exten: str | None, at: datetime,
                   channel_id: str | None = None) -> None:
        """Tell the tracker the connector sent an Originate, so a failure without channels is logged too
        (under ``channel_id``, the Originate's ``ChannelId``, when it gave one)."""
        originate_rules.register(self._state, action_id, channel, exten, at, channel_id)

    def channel_in(self, linkedid: str, interface: str) -> str | None:
        """The name of ``interface``'s live channel in the call ``linkedid`` (``PJSIP/101-0000002a``)."""
        st = self._state
        call = st.calls.get(linkedid)
        if call is None:
            return None
        wanted = interface.lower()  # PJSIP endpoints are matched without regard to case, as the CRM does
        names = sorted(c.name for uid in call.live
                       if (c := st.channels.get(uid)) is not None and c.interface.lower() == wanted)
        return names[-1] if names else None

    def answering_channel(self, linkedid: str) -> str | None:
        """The live channel running a dialer call's answered dialplan (its Local ``;1``), where ``CRM_AGENT``
        is set; None once it is gone or has stopped waiting for an operator."""
        return dialer.answering_channel(self._state, linkedid)

    def reconcile(self, channels: list[Frame], at: datetime) -> list[CallEvent]:
        """After a reconnect: close calls whose channels are gone, take up channels never seen."""
        before = set(self._state.calls)
        out = reconcile(self._state, channels, at)
        self._changed |= before | set(self._state.calls)
        return out

    def take_changes(self) -> dict[str, snapshots.Snapshot | None]:
        """The calls changed since the last call: each one's snapshot, or None for a call no longer going on."""
        changed, self._changed = self._changed, set()
        changed.discard("")
        return {linkedid: snapshots.snapshot(self._state, linkedid) for linkedid in changed}

    def mark_changed(self, linkedids: Iterable[str]) -> None:
        """Report these calls again at the next :meth:`take_changes` (their last save failed)."""
        self._changed.update(linkedids)

    def restore(self, saved: list[snapshots.Snapshot]) -> list[CallEvent]:
        """Take up the calls a previous run was following (before the first reconcile, which then closes
        those that ended meanwhile); the answered ones are told again, so the desks show them in progress, and a
        dialer call's pick-up and AMD verdict too, with their first times: whoever counts them must count
        each Linkedid once."""
        out: list[CallEvent] = []
        for item in saved:
            try:
                call = snapshots.restore(self._state, item)
            except (KeyError, TypeError, ValueError):
                log.exception("a saved call could not be taken up")
                continue
            if call is None:
                continue
            if call.picked_up_told and call.answered_at is not None:
                out.append(CallPickedUp(call.linkedid, call.answered_at))
            if call.amd_told and call.amd_status is not None:
                out.append(MachineDetection(call.linkedid, call.amd_status, call.amd_cause, call.amd_at or call.started_at))
            if call.answered_by is not None and call.spy is None:
                out.append(CallAnswered(call.linkedid, call.answered_by, call.queue,
                                        call.operator_answered_at or call.answered_at or call.started_at))
        return out

    @property
    def active_calls(self) -> tuple[str, ...]:
        """Linkedids of the calls going on now."""
        return tuple(self._state.calls)
