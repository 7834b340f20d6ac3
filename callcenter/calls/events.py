"""Call events on the CRM's bus. The telephony connector publishes them; the CRM core and the web
hub consume them. They speak of calls, operators and numbers, never of Asterisk frames.

Operators are named by their device interface as the PBX knows it (``PJSIP/101``); the CRM maps
interfaces and extensions to users (``User.agent_interface``, ``User.extension``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from callcenter.enums import CallOutcome, Direction


@dataclass(frozen=True, slots=True)
class CallQueued:
    """A caller joined a queue (before any operator's phone rings; all may be busy)."""

    linkedid: str
    caller: str
    queue: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CallRinging:
    """A call is ringing at an operator's device (once per device, per offer)."""

    linkedid: str
    direction: Direction
    caller: str
    callee: str
    interface: str
    queue: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CallAnswered:
    linkedid: str
    interface: str
    queue: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CallTransferred:
    linkedid: str
    from_interface: str
    to_interface: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Transfer:
    """The call handed on by the operator at ``source`` to ``target``, who took it over at ``at``.

    ``target`` is the interface that took the call over, or, for a blind transfer nobody answered, the
    ``exten@context`` it was sent to (``at`` is then the moment it was sent).
    """

    source: str
    target: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CallSummary:
    """Everything known about a finished call: what the CRM logs as an interaction and a call row."""

    linkedid: str
    direction: Direction
    caller: str  # as the PBX gave it; the CRM normalises to E.164 where it can
    callee: str
    queue: str | None
    offered_to: tuple[str, ...]  # device interfaces the call rang at, in order
    answered_by: str | None  # interface of the operator who answered (after a transfer: the last one)
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    ring_seconds: int | None  # until answer, or until the end when never answered
    wait_seconds: int | None  # in queue before answer or abandon
    talk_seconds: int | None
    hangup_cause: int | None
    outcome: CallOutcome
    recording: str | None = None
    # Who handed the call to whom, in order; each operator's share of the talk runs from the answer (or
    # the transfer that gave them the call) to the next transfer (or the end).
    transfers: tuple[Transfer, ...] = field(default_factory=tuple)
    times_approximate: bool = False  # the end was inferred after a lost connection
    # Each side's own file, when MixMonitor keeps the directions apart (its r() and t() options): what the
    # client said, and what the operator said.
    recording_in: str | None = None
    recording_out: str | None = None
    # A dialer call's answering-machine detection: AMD()'s AMDSTATUS (HUMAN, MACHINE, NOTSURE, HANGUP) and
    # AMDCAUSE (``LONGGREETING-1500-1500``); None when AMD did not run.
    amd_status: str | None = None
    amd_cause: str | None = None


@dataclass(frozen=True, slots=True)
class CallPickedUp:
    """The client answered a dialer call (the carrier leg is up): a person or a machine, AMD will say."""

    linkedid: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MachineDetection:
    """``AMD()`` decided about a dialer call: ``status`` HUMAN, MACHINE, NOTSURE or HANGUP, and its ``cause``."""

    linkedid: str
    status: str
    cause: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CallEnded:
    summary: CallSummary


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """An operator's device was paused or unpaused in a queue (from the CRM or from the phone itself)."""

    interface: str
    paused: bool
    reason: str
    queue: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class SpyStarted:
    """A supervisor's phone began listening to (whispering to, barging into) an operator on a call.

    The supervisor's leg is a call of its own on the PBX (``spy_linkedid``) and is never logged as one.
    """

    linkedid: str  # the call listened to
    spy_linkedid: str
    supervisor: str  # the supervisor's device interface
    operator: str  # the device interface listened to
    mode: str  # listen, whisper, barge; "spy" when the PBX was not told by the CRM
    at: datetime


@dataclass(frozen=True, slots=True)
class SpyStopped:
    linkedid: str
    spy_linkedid: str
    supervisor: str
    operator: str
    mode: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OriginateFailed:
    """The PBX gave up an Originate (``OriginateResponse: Failure``): for whoever sent it, by its ActionID."""

    action_id: str
    reason: int | None  # Asterisk's: 3 no answer; 0, 1, 5, 8 busy or unreachable
    at: datetime


CallEvent = (
    CallQueued | CallRinging | CallAnswered | CallTransferred | CallEnded | AgentPaused | SpyStarted | SpyStopped
    | OriginateFailed | CallPickedUp | MachineDetection
)
