"""What a call summary comes to in the CRM: the client and operators behind its numbers and interfaces, and
the columns of its interaction and call rows. Read for many summaries at once, so that a batch of calls
costs a few queries, not a few per call.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.events import CallSummary
from callcenter.calls.matching import find_clients, find_operators, number_form
from callcenter.models.enums import Direction
from callcenter.phones import try_e164


@dataclass(frozen=True, slots=True)
class Facts:
    caller: str
    callee: str
    client_number: str | None  # E.164 of the outside party, when there is one
    client_id: int | None
    contact_id: int | None
    owner_id: int | None  # the client's owner
    operator_id: int | None  # who answered
    user_id: int | None  # whose interaction it is: who answered, or who dialled out
    transfer_users: tuple[tuple[int | None, int | None], ...]  # (from, to) per transfer


def _outside(summary: CallSummary, region: str) -> str | None:
    outside = {Direction.INBOUND: summary.caller, Direction.OUTBOUND: summary.callee}.get(summary.direction)
    return try_e164(outside, region) if outside else None


def _dialler(summary: CallSummary) -> str | None:
    """The interface of an outbound call's operator, for when no known operator answered it."""
    if summary.direction != Direction.OUTBOUND:
        return None
    return summary.offered_to[0] if summary.offered_to else summary.caller


async def gather_facts(db: AsyncSession, summaries: list[CallSummary], region: str) -> list[Facts]:
    """The :class:`Facts` of each summary, in order, from two queries whatever their number."""
    numbers = [_outside(s, region) for s in summaries]
    clients = await find_clients(db, [n for n in numbers if n])
    interfaces: list[str | None] = []
    for s in summaries:
        interfaces += [s.answered_by, _dialler(s)]
        interfaces += [i for t in s.transfers for i in (t.source, t.target)]
    operators = await find_operators(db, interfaces)
    facts = []
    for s, number in zip(summaries, numbers, strict=True):
        client_id, contact_id, owner_id = clients.get(number, (None, None, None)) if number else (None, None, None)
        operator_id = operators.get(s.answered_by)
        facts.append(Facts(
            caller=number_form(s.caller, region), callee=number_form(s.callee, region), client_number=number,
            client_id=client_id, contact_id=contact_id, owner_id=owner_id,
            operator_id=operator_id,
            # An unanswered outbound call is still the dialling operator's work.
            user_id=operator_id if operator_id is not None else operators.get(_dialler(s)),
            transfer_users=tuple((operators.get(t.source), operators.get(t.target)) for t in s.transfers),
        ))
    return facts


def subject(summary: CallSummary) -> str:
    return f"{summary.direction.value.capitalize()} call: {summary.outcome.value.replace('_', ' ')}"


def call_values(summary: CallSummary, facts: Facts) -> dict[str, object]:
    return {
        "direction": summary.direction, "caller": facts.caller[:64], "callee": facts.callee[:64],
        "queue": summary.queue[:80] if summary.queue else None, "operator_id": facts.operator_id,
        "started_at": summary.started_at, "answered_at": summary.answered_at, "ended_at": summary.ended_at,
        "ring_seconds": summary.ring_seconds, "wait_seconds": summary.wait_seconds,
        "talk_seconds": summary.talk_seconds, "hangup_cause": summary.hangup_cause, "outcome": summary.outcome,
        "recording_path": summary.recording[:500] if summary.recording else None,
        "recording_in_path": summary.recording_in[:500] if summary.recording_in else None,
        "recording_out_path": summary.recording_out[:500] if summary.recording_out else None,
        "times_approximate": summary.times_approximate,
    }


def interaction_values(summary: CallSummary, facts: Facts) -> dict[str, object]:
    return {
        "direction": summary.direction, "subject": subject(summary), "occurred_at": summary.started_at,
        "duration_seconds": summary.talk_seconds, "user_id": facts.user_id, "client_id": facts.client_id,
        "contact_id": facts.contact_id,
    }


def transfer_rows(call_id: int, summary: CallSummary, facts: Facts) -> list[dict[str, object]]:
    return [
        {"call_id": call_id, "position": position, "source": t.source[:100], "target": t.target[:100],
         "from_user_id": users[0], "to_user_id": users[1], "at": t.at}
        for position, (t, users) in enumerate(zip(summary.transfers, facts.transfer_users, strict=True))
    ]
