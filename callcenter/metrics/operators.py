"""The operator table: each operator's contacts, calls, durations, result rate and tails over a period.

Definitions (``docs/metrics.md`` has them in full):

- an operator's **contacts** are the interactions done by them (``interactions.user_id``) in the period:
  calls, meetings and e-mails (a note is not a contact; a planned interaction is not one yet); their **calls** are the contacts that are calls: those they answered, and those
  they dialled out whether or not anyone answered;
- **answered** calls are those an operator took (outcome answered or transferred); **missed** are the
  others of theirs (outbound calls nobody picked up, busy or failed). An inbound call nobody answered is
  no operator's: it is counted in the queue figures and leaves a callback task;
- the **result rate** is the share of contacts whose result counts as a result in the catalogue;
- **contacts per client** is contacts with a client over the distinct clients among them;
- **tails** (``overdue_callbacks``) are the open callbacks an operator owns that are more than
  ``tails_days`` days overdue now, whatever the period;
- **lost_at_contact_avg** is, for the deals an operator closed as lost in the period, the average number of
  contacts anyone had with the client up to the close: the contact at which leads are given up;
- **pipeline** is the operator's clients by the stage of their furthest open deal (:mod:`.pipeline`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.metrics.counters import Counters
from callcenter.metrics.period import Period
from callcenter.metrics.pipeline import pipelines
from callcenter.models import Call, CallReview, Client, Deal, Interaction, Task, User
from callcenter.models.enums import (
    CallOutcome,
    DealStatus,
    Direction,
    InteractionKind,
    InteractionStatus,
    Role,
    TaskKind,
    TaskStatus,
)
from callcenter.tasks.lateness import bucket_condition

ANSWERED = (CallOutcome.ANSWERED, CallOutcome.TRANSFERRED)
TAKING_CALLS = (Role.OPERATOR, Role.SUPERVISOR)


def _n(condition: Any) -> Any:
    return func.count().filter(condition)


Ranges = list[tuple[datetime, datetime]]  # [start, end) in UTC


def counted_contacts(ranges: Ranges) -> Any:
    """The contacts that count, done in any of ``ranges``."""
    return and_(
        or_(*[and_(Interaction.occurred_at >= start, Interaction.occurred_at < end) for start, end in ranges]),
        Interaction.status == InteractionStatus.DONE, Interaction.kind != InteractionKind.NOTE,
        Interaction.user_id.is_not(None),
    )


def counter_columns() -> list[Any]:
    """The figures that add up over days, each labelled as :data:`callcenter.models.metrics.COUNTERS` names it."""
    answered = Call.outcome.in_(ANSWERED)
    return [
        func.count().label("contacts"),
        func.count(Interaction.client_id).label("client_contacts"),
        func.count(Call.id).label("calls"),
        _n(Call.direction == Direction.INBOUND).label("calls_inbound"),
        _n(Call.direction == Direction.OUTBOUND).label("calls_outbound"),
        _n(answered).label("calls_answered"),
        _n(and_(Call.id.is_not(None), or_(Call.outcome.is_(None), Call.outcome.not_in(ANSWERED)))).label("calls_missed"),
        func.coalesce(func.sum(Call.talk_seconds).filter(answered), 0).label("talk_total"),
        func.count(Call.talk_seconds).filter(answered).label("talk_n"),
        func.coalesce(func.sum(Call.wait_seconds).filter(answered), 0).label("wait_total"),
        func.count(Call.wait_seconds).filter(answered).label("wait_n"),
        func.coalesce(func.sum(Call.ring_seconds).filter(answered), 0).label("ring_total"),
        func.count(Call.ring_seconds).filter(answered).label("ring_n"),
        func.coalesce(func.sum(Call.wrapup_seconds).filter(answered), 0).label("wrapup_total"),
        func.count(Call.wrapup_seconds).filter(answered).label("wrapup_n"),
    ]


def contact_figures(ranges: Ranges) -> Select[Any]:
    """Per user and result: the counters of their contacts in ``ranges``, from one pass over the contacts."""
    return (
        select(Interaction.user_id.label("user_id"),
               func.coalesce(Interaction.disposition_id, 0).label("result_id"), *counter_columns())
        .select_from(Interaction)
        .outerjoin(Call, Call.interaction_id == Interaction.id)
        .where(counted_contacts(ranges))
        # By the output's name: PostgreSQL sees two differently bound expressions as two.
        .group_by(Interaction.user_id, literal_column("result_id"))
    )


def distinct_clients(ranges: Ranges) -> Select[int | None, int | None]:
    """Per user: (user, client) of their contacts with a client in ``ranges``."""
    return select(Interaction.user_id.label("user_id"), Interaction.client_id.label("client_id")).where(
        counted_contacts(ranges), Interaction.client_id.is_not(None))


def _round(value: Any, digits: int = 1) -> float | None:
    return round(float(value), digits) if value is not None else None


async def _people(db: AsyncSession, team_id: int | None, active_ids: set[int]) -> list[Any]:
    """Everyone who takes calls (operators and supervisors, active), and anyone else with contacts."""
    query = select(User.id, User.login, User.full_name, User.team_id).where(
        or_(and_(User.role.in_(TAKING_CALLS), User.is_active.is_(True)), User.id.in_(active_ids or {0}))
    )
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    return list(await db.execute(query.order_by(User.login)))


async def period_figures(db: AsyncSession, period: Period) -> tuple[dict[int, Counters], dict[int, int]]:
    """Per user: the period's counters and distinct clients, from the kept days where they are up to date."""
    from callcenter.metrics.rollup import kept_figures  # the rollup builds on this module's statements

    return await kept_figures(db, period)


async def operator_table(db: AsyncSession, period: Period, *, now: datetime, tails_days: int,
                         team_id: int | None = None) -> list[dict[str, Any]]:
    """One row per operator with the period's figures (see the module's definitions), by login."""
    figures, clients_of = await period_figures(db, period)
    people = await _people(db, team_id, set(figures))
    ids = [p.id for p in people]
    if not ids:
        return []
    tails = dict(list(await db.execute(
        select(Task.owner_id, func.count())
        .where(Task.kind == TaskKind.CALLBACK, Task.status == TaskStatus.OPEN, Task.owner_id.in_(ids),
               bucket_condition("tail", now=now, tails_days=tails_days))
        .group_by(Task.owner_id)
    )))
    late = dict(list(await db.execute(
        select(Task.owner_id, func.count())
        .where(Task.kind == TaskKind.CALLBACK, Task.status == TaskStatus.OPEN, Task.owner_id.in_(ids),
               Task.due_at < now)
        .group_by(Task.owner_id)
    )))
    reviews = {row[0]: row for row in await db.execute(
        select(Call.operator_id, func.avg(CallReview.total), func.count())
        .join(Call, Call.id == CallReview.call_id)
        .where(Call.started_at >= period.start, Call.started_at < period.end, Call.operator_id.in_(ids))
        .group_by(Call.operator_id)
    )}
    new_clients = dict(list(await db.execute(
        select(Client.owner_id, func.count())
        .where(Client.created_at >= period.start, Client.created_at < period.end, Client.owner_id.in_(ids))
        .group_by(Client.owner_id)
    )))
    won = {row[0]: row for row in await db.execute(
        select(Deal.owner_id, func.count(), func.sum(Deal.amount))
        .where(Deal.status == DealStatus.WON, Deal.closed_at >= period.start, Deal.closed_at < period.end,
               Deal.owner_id.in_(ids))
        .group_by(Deal.owner_id)
    )}
    # Leads closed as "no sale": at which contact with the client (anyone's, up to the close) they were given up.
    contacts_before = (
        select(func.count()).where(Interaction.client_id == Deal.client_id, Interaction.occurred_at <= Deal.closed_at,
                                   Interaction.status == InteractionStatus.DONE, Interaction.kind != InteractionKind.NOTE)
        .correlate(Deal).scalar_subquery()
    )
    lost = {row[0]: row for row in await db.execute(
        select(Deal.owner_id, func.count(), func.avg(contacts_before))
        .where(Deal.status == DealStatus.LOST, Deal.closed_at >= period.start, Deal.closed_at < period.end,
               Deal.owner_id.in_(ids))
        .group_by(Deal.owner_id)
    )}
    stages = await pipelines(db, ids)
    rows = []
    for person in people:
        f = figures.get(person.id) or Counters()
        review = reviews.get(person.id)
        deals = won.get(person.id)
        given_up = lost.get(person.id)
        clients = clients_of.get(person.id, 0)
        rows.append({
            "operator": person.login,
            "user_id": person.id,
            "full_name": person.full_name or "",
            "team_id": person.team_id,
            "contacts": f["contacts"],
            "calls": f["calls"],
            "calls_inbound": f["calls_inbound"],
            "calls_outbound": f["calls_outbound"],
            "calls_answered": f["calls_answered"],
            "calls_missed": f["calls_missed"],
            "calls_without_result": f.without_result,
            "talk_seconds_total": f["talk_total"],
            "talk_seconds_avg": f.average("talk"),
            "wait_seconds_avg": f.average("wait"),
            "ring_seconds_avg": f.average("ring"),
            "wrapup_seconds_avg": f.average("wrapup"),
            "result_contacts": f.result_contacts,
            "result_rate": round(f.result_contacts / f["contacts"], 4) if f["contacts"] else None,
            "clients": clients,
            "contacts_per_client": round(f["client_contacts"] / clients, 2) if clients else None,
            "overdue_callbacks": int(tails.get(person.id, 0)),
            "late_callbacks": int(late.get(person.id, 0)),
            "review_score_avg": _round(review[1]) if review else None,
            "reviews": int(review[2]) if review else 0,
            "new_clients": int(new_clients.get(person.id, 0)),
            "deals_won": int(deals[1]) if deals else 0,
            "deals_won_amount": str(deals[2]) if deals and deals[2] is not None else "0",
            "deals_lost": int(given_up[1]) if given_up else 0,
            "lost_at_contact_avg": _round(given_up[2]) if given_up else None,
            "pipeline": stages[person.id],
        })
    return rows
