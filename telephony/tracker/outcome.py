"""Deciding what a finished call was: its direction, numbers, durations and technical outcome.

Direction:
- outbound: the call was made by an AMI Originate, or started on an operator's device, and some leg
  went out through a trunk;
- inbound: the call's first channel came in on a trunk (and no Originate made it);
- internal: everything else (operator to operator, supervisor legs, originates to a device only).

Outcome, first match wins:
- transferred: answered, then handed to someone else (AttendedTransfer/BlindTransfer);
- answered: an operator answered an inbound or internal call; an outbound call only when the outside party
  answered (an operator picking up their own phone for click-to-call is not that);
- voicemail: the call reached the VoiceMail application;
- abandoned: the caller left the queue (QueueCallerAbandon) or, inbound, hung up while it rang;
- busy: Originate Reason 5, DialStatus BUSY or hangup cause 17;
- no_answer: Originate Reason 3, DialStatus NOANSWER, hangup cause 18/19, or a ring left unanswered;
- failed: anything else (congestion, unavailable, originate failures with no further sign).

A dialer call (a campaign's, see ``rules_dialer``) is outbound from the campaign's caller id to the client's
number. It is answered only when an operator took it; once the client picked up without that, it is
voicemail when AMD said MACHINE, else abandoned (a person, or AMD unsure, left without an operator; a client
who hung up during AMD too: the law counts every live answer not handed on). Its talk time is the operator's,
its wait runs from the pick-up to the operator's answer (or the end).
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import CallSummary
from callcenter.enums import CallOutcome, Direction
from telephony.tracker.channels import Kind
from telephony.tracker.state import Call

_BUSY_CAUSES = frozenset({17})
_NO_ANSWER_CAUSES = frozenset({18, 19})


def direction_of(call: Call) -> Direction:
    if call.dialer:
        return Direction.OUTBOUND
    if call.first_kind is Kind.TRUNK and not call.originated:
        return Direction.INBOUND
    if call.has_trunk_leg:
        return Direction.OUTBOUND
    return Direction.INTERNAL


def _device(call: Call) -> str | None:
    """The operator's device an outbound call started on: click-to-call rings it first, or it dialled out."""
    return call.first_interface if call.first_kind is Kind.OPERATOR else None


def _same_number(one: str, other: str) -> bool:
    return bool(one) and one.lstrip("+") == other.lstrip("+")


def _e164(number: str) -> str:
    """The dialer context gets the E.164 number without its ``+`` (an extension cannot start with one)."""
    return f"+{number}" if number.isdigit() and len(number) >= 7 else number


def caller_and_callee(call: Call, direction: Direction) -> tuple[str, str]:
    if call.dialer:
        return call.dialer_caller or call.caller or "", _e164(call.outside_number or call.callee or "")
    if direction is Direction.OUTBOUND:
        caller = call.operator_ext or call.dialer_caller or call.caller or ""
        callee = call.outside_number or call.callee or ""
        if _same_number(caller, callee):
            # Click-to-call shows the client's number on the operator's phone while it rings, and an endpoint
            # without a caller id of its own keeps it: the call is still the operator's, not the client's.
            caller = _device(call) or ""
        return caller, callee
    return call.caller or "", call.callee or ""


def _answered(call: Call, direction: Direction) -> bool:
    if direction is Direction.OUTBOUND:
        # Only the outside party's answer counts: click-to-call rings the operator's own phone first, and
        # the operator picking it up is not the client answering.
        return call.answered_at is not None
    return call.answered_by is not None or call.answered_at is not None


def _operator(call: Call, direction: Direction) -> str | None:
    if call.answered_by is None and direction is Direction.OUTBOUND and not call.originated:
        return _device(call)  # the operator dialled from their phone: theirs whether the client answered or not
    return call.answered_by


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def _dialer_outcome(call: Call) -> CallOutcome | None:
    if call.answered_by is not None and call.answered_at is not None:
        return CallOutcome.TRANSFERRED if call.transfers else CallOutcome.ANSWERED
    if call.answered_at is None:
        return None  # the client never answered: busy, no answer or failed, as for any outbound call
    return CallOutcome.VOICEMAIL if call.amd_status == "MACHINE" else CallOutcome.ABANDONED


def decide_outcome(call: Call, direction: Direction) -> CallOutcome:
    if call.dialer:
        decided = _dialer_outcome(call)
        if decided is not None:
            return decided
    answered = _answered(call, direction)
    if answered and call.transfers:
        return CallOutcome.TRANSFERRED
    if answered:
        return CallOutcome.ANSWERED
    if call.voicemail:
        return CallOutcome.VOICEMAIL
    if call.abandoned:
        return CallOutcome.ABANDONED
    status = call.last_dial_status
    reason = call.originate_reason
    cause = call.hangup_cause
    if reason == 5 or status == "BUSY" or (reason is None and cause in _BUSY_CAUSES):
        return CallOutcome.BUSY
    if reason == 3 or status == "NOANSWER" or cause in _NO_ANSWER_CAUSES:
        return CallOutcome.NO_ANSWER
    if direction is Direction.INBOUND and (status == "CANCEL" or call.queue_join_at or call.offered):
        return CallOutcome.ABANDONED
    if status == "CANCEL" or (status is None and call.offered and reason is None):
        return CallOutcome.NO_ANSWER
    if direction is Direction.INBOUND and reason is None and status is None:
        return CallOutcome.ABANDONED  # the caller hung up before anyone was rung
    return CallOutcome.FAILED


def summarize(call: Call, ended_at: datetime) -> CallSummary:
    """The CallSummary of a call that has just ended."""
    direction = direction_of(call)
    caller, callee = caller_and_callee(call, direction)
    outbound = direction is Direction.OUTBOUND
    answered_at = call.answered_at if outbound else call.answered_at or call.operator_answered_at
    wait: int | None
    if call.hold_time is not None:
        wait = call.hold_time
    elif call.queue_join_at is not None:
        wait = _seconds(call.queue_join_at, call.operator_answered_at or ended_at)
    else:
        wait = None
    talk = call.talk_time if call.talk_time is not None else _seconds(answered_at, ended_at)
    if call.dialer:
        wait, talk = _dialer_times(call, ended_at)
    # An outbound call rings from when the client's phone does, not the operator's own phone before it.
    ring_start = (call.outside_dial_at if outbound else None) or call.ring_at or call.started_at
    return CallSummary(
        linkedid=call.linkedid,
        direction=direction,
        caller=caller,
        callee=callee,
        queue=call.queue,
        offered_to=tuple(call.offered),
        answered_by=_operator(call, direction),
        started_at=call.started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        ring_seconds=_seconds(ring_start, answered_at or ended_at),
        wait_seconds=wait,
        talk_seconds=talk if answered_at is not None or call.talk_time is not None else None,
        # A cause seen before the end went unseen is some earlier leg's (a losing queue agent's 26), not the call's.
        hangup_cause=None if call.end_unseen else call.hangup_cause,
        outcome=decide_outcome(call, direction),
        recording=call.recording,
        recording_in=call.recording_in,
        recording_out=call.recording_out,
        transfers=tuple(call.transfers),
        times_approximate=call.times_approximate,
        amd_status=call.amd_status,
        amd_cause=call.amd_cause,
    )


def _dialer_times(call: Call, ended_at: datetime) -> tuple[int | None, int | None]:
    """(wait, talk) of a dialer call: the client's wait for an operator after picking up, the operator's talk."""
    if call.answered_by is not None and call.operator_answered_at is not None:
        talk = call.talk_time if call.talk_time is not None else _seconds(call.operator_answered_at, ended_at)
        return _seconds(call.answered_at, call.operator_answered_at), talk
    if call.answered_at is None or call.amd_status == "MACHINE":
        return None, None
    return _seconds(call.answered_at, ended_at), None
