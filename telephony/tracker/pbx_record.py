"""A call's true times from the PBX's own record of it, for the calls whose end (or answer) the connector
did not see: those closed after a lost connection or a restart, which otherwise carry the reconnect time.

Asterisk's Channel Event Logging (CEL) writes every channel's start, answer, bridge and hang-up with the
time it happened, whether or not anyone listened on AMI. The call ends at its ``LINKEDID_END`` (or its last
``HANGUP``); the operator's share begins when their channel entered the bridge with the caller.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from callcenter.calls.events import CallSummary
from callcenter.enums import CallOutcome, Direction
from telephony.tracker.channels import interface_of


@dataclass(frozen=True, slots=True)
class CelEvent:
    """One CEL row, as much of it as the times need."""

    kind: str  # eventtype: CHAN_START, ANSWER, BRIDGE_ENTER, HANGUP, LINKEDID_END, ...
    at: datetime
    channel: str
    uniqueid: str
    linkedid: str
    cause: int | None = None  # a HANGUP's hangupcause, from the event's extra


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def _answer(summary: CallSummary, mine: list[CelEvent]) -> tuple[datetime | None, str | None, CallOutcome]:
    """When the call was answered, by whom, and so its outcome, as the record shows them."""
    if summary.direction is Direction.OUTBOUND:
        # The outside party's answer: a leg other than the first channel and the operators' own phones.
        operators = {summary.answered_by, *summary.offered_to, *(t.source for t in summary.transfers)}
        outside = [e.at for e in mine if e.kind == "ANSWER" and e.uniqueid != summary.linkedid
                   and interface_of(e.channel) not in operators]
        answered = min(outside, default=summary.answered_at)
        outcome = summary.outcome if summary.answered_at is not None or answered is None else CallOutcome.ANSWERED
        return answered, summary.answered_by, outcome
    first_operator = summary.transfers[0].source if summary.transfers else summary.answered_by
    if first_operator is not None:
        entered = [e.at for e in mine if e.kind == "BRIDGE_ENTER" and interface_of(e.channel) == first_operator]
        return min(entered, default=summary.answered_at), summary.answered_by, summary.outcome
    # Answered while no one listened: an operator it rang at entered the bridge.
    taken = sorted((e.at, interface_of(e.channel)) for e in mine
                   if e.kind == "BRIDGE_ENTER" and interface_of(e.channel) in summary.offered_to)
    if taken:
        return taken[0][0], taken[0][1], CallOutcome.ANSWERED
    return summary.answered_at, summary.answered_by, summary.outcome


def _cause(mine: list[CelEvent]) -> int | None:
    """The call's hang-up cause: the last one given when its channels hung up."""
    causes = [(e.at, e.cause) for e in mine if e.kind == "HANGUP" and e.cause]
    return max(causes)[1] if causes else None


def cause_in(extra: str | None) -> int | None:
    """``hangupcause`` from a CEL HANGUP's extra (``{"hangupcause":16,"hangupsource":...}``), if there."""
    if not extra or "hangupcause" not in extra:
        return None
    try:
        value = json.loads(extra).get("hangupcause")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def with_true_times(summary: CallSummary, events: list[CelEvent]) -> CallSummary | None:
    """``summary`` with its start, answer and end as the PBX recorded them; None when the record does not
    show the call over (or at all), and the estimate stands."""
    mine = [e for e in events if e.linkedid == summary.linkedid]
    ends = [e.at for e in mine if e.kind == "LINKEDID_END"] or [e.at for e in mine if e.kind in ("HANGUP", "CHAN_END")]
    if not ends:
        return None
    ended = max(ends)
    started = min((e.at for e in mine if e.kind == "CHAN_START" and e.uniqueid == summary.linkedid),
                  default=summary.started_at)
    answered, answered_by, outcome = _answer(summary, mine)
    answered = min(answered, ended) if answered is not None else None
    # What ran on to the estimated end (ringing, waiting) ran only to the true one.
    overrun = max(0.0, (summary.ended_at - ended).total_seconds())

    def trimmed(value: int | None) -> int | None:
        return None if value is None else max(0, round(value - overrun))

    unanswered = answered is None
    return replace(
        summary, started_at=started, answered_at=answered, ended_at=ended, answered_by=answered_by, outcome=outcome,
        ring_seconds=trimmed(summary.ring_seconds) if unanswered else summary.ring_seconds,
        wait_seconds=trimmed(summary.wait_seconds) if unanswered else summary.wait_seconds,
        talk_seconds=None if answered is None else _seconds(answered, ended), times_approximate=False,
        hangup_cause=_cause(mine) or summary.hangup_cause,
    )
