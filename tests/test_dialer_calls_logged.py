"""A campaign's calls in the call log: outbound, the client found by the number dialled, the operator who took
it; a machine or an abandoned answer is no one's callback."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.events import CallSummary
from callcenter.calls.services import record_call
from callcenter.models import Call, Interaction, Task
from callcenter.models.enums import CallOutcome, Direction, Role
from telephony.tracker import CallTracker
from tests.conftest import MakeUser
from tests.telephony import dialer_variants as variants
from tests.telephony.test_tracker import ended, load, replay
from tests.test_calls import add_client


def summary(lines: list[variants.Line]) -> CallSummary:
    [only] = ended(replay(CallTracker(), lines)).values()
    return only


async def test_dialer_calls_are_outbound_to_the_client_of_the_number(db: AsyncSession, make_user: MakeUser) -> None:
    agent = await make_user(Role.OPERATOR, login="agent1", extension="2001", agent_interface="PJSIP/agent1")
    person = await add_client(db, "Ivanov", "8 913 123-45-67", "+79131234567")
    machine = await add_client(db, "Petrov", "+7 913 765 43 21", "+79137654321")
    # A region where the bare digits would not read as a Russian number: the tracker's "+" is what finds them.
    for lines in (load("j_dialer_amd_human"), load("j2_dialer_amd_machine"), variants.abandoned()):
        s = summary(lines)
        if s.outcome is CallOutcome.ABANDONED:
            s = replace(s, linkedid="crm-att-3")
        await record_call(db, s, region="US")
    rows = {c.linkedid: c for c in await db.scalars(select(Call))}
    talked, voicemail, abandoned = rows[variants.LINKEDID], rows["dialer-1795415891-lead1002"], rows["crm-att-3"]
    assert (talked.direction, talked.caller, talked.callee) == (Direction.OUTBOUND, "+74951234567", "+79131234567")
    assert (talked.outcome, talked.operator_id, talked.talk_seconds, talked.wait_seconds) == (
        CallOutcome.ANSWERED, agent.id, 12, 2)
    assert (voicemail.outcome, voicemail.operator_id, voicemail.talk_seconds) == (CallOutcome.VOICEMAIL, None, None)
    assert (abandoned.outcome, abandoned.operator_id) == (CallOutcome.ABANDONED, None)
    interactions = {i.id: i for i in await db.scalars(select(Interaction))}
    assert interactions[talked.interaction_id].client_id == person.id
    assert interactions[talked.interaction_id].user_id == agent.id
    assert interactions[talked.interaction_id].direction == Direction.OUTBOUND
    assert interactions[voicemail.interaction_id].client_id == machine.id
    assert interactions[abandoned.interaction_id].client_id == person.id
    assert await db.scalar(select(func.count()).select_from(Task)) == 0  # no callbacks: the campaign retries
