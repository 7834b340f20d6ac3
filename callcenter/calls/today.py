"""Today's figures for the live view, from the call log: per queue and per operator.

"Today" is every call that started at or after ``since``; :func:`day_start` gives the last midnight in a
time zone (``CALLCENTER_TIME_ZONE``, UTC by default). A call counts as answered when an operator took it:
outcome ``answered``, or ``transferred`` (taken, then handed on).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Call, User
from callcenter.models.enums import CallOutcome, Role

ANSWERED = (CallOutcome.ANSWERED, CallOutcome.TRANSFERRED)


def day_start(now: datetime, zone: str = "UTC") -> datetime:
    """The midnight that began ``now``'s day in ``zone``, in UTC."""
    tz = ZoneInfo(zone)
    return datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz).astimezone(UTC)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def queue_day(db: AsyncSession, *, since: datetime, service_level_seconds: int,
                    until: datetime | None = None) -> list[dict[str, Any]]:
    """Per queue, by name: calls, answered, abandoned, service level and waits of the calls since ``since``
    (and before ``until``, when given: the manager's figures use it for a period).

    ``service_level`` is the share of the queue's answered and abandoned calls that were answered within
    ``service_level_seconds`` of waiting (a call answered with no wait recorded counts as answered at once);
    null while there are none. Waits are in seconds, over the calls whose wait is known.
    """
    answered = Call.outcome.in_(ANSWERED)
    abandoned = Call.outcome == CallOutcome.ABANDONED
    in_time = and_(answered, func.coalesce(Call.wait_seconds, 0) <= service_level_seconds)
    rows = await db.execute(
        select(
            Call.queue, func.count(), _count(answered), _count(abandoned), _count(in_time),
            func.avg(Call.wait_seconds), func.max(Call.wait_seconds),
        )
        .where(Call.started_at >= since, Call.started_at < until if until is not None else true(),
               Call.queue.is_not(None))
        .group_by(Call.queue)
        .order_by(Call.queue)
    )
    result: list[dict[str, Any]] = []
    for queue, calls, answered_n, abandoned_n, in_time_n, avg_wait, longest in rows:
        offered = int(answered_n) + int(abandoned_n)
        result.append({
            "queue": queue,
            "calls": int(calls),
            "answered": int(answered_n),
            "abandoned": int(abandoned_n),
            "service_level": round(int(in_time_n) / offered, 4) if offered else None,
            "avg_wait_seconds": round(float(avg_wait), 1) if avg_wait is not None else None,
            "longest_wait_seconds": int(longest) if longest is not None else None,
        })
    return result


async def operators_day(db: AsyncSession, *, since: datetime) -> list[dict[str, Any]]:
    """Every active operator and supervisor with a phone (extension or interface), by name, with the calls
    they answered since ``since`` (after a hand-over, the call is the last taker's) and their talk time."""
    taken = (
        select(Call.operator_id.label("user_id"), func.count().label("calls"),
               func.coalesce(func.sum(Call.talk_seconds), 0).label("talk"))
        .where(Call.started_at >= since, Call.operator_id.is_not(None), Call.outcome.in_(ANSWERED))
        .group_by(Call.operator_id)
        .subquery()
    )
    rows = await db.execute(
        select(User.id, User.login, User.full_name, User.extension, User.agent_interface,
               func.coalesce(taken.c.calls, 0), func.coalesce(taken.c.talk, 0))
        .outerjoin(taken, taken.c.user_id == User.id)
        .where(
            User.is_active.is_(True),
            User.role.in_((Role.OPERATOR, Role.SUPERVISOR)),
            or_(func.coalesce(User.extension, "") != "", func.coalesce(User.agent_interface, "") != ""),
        )
        .order_by(func.lower(func.coalesce(func.nullif(User.full_name, ""), User.login)), User.id)
    )
    return [
        {"user_id": int(uid), "login": login, "full_name": full_name or "", "extension": extension,
         "interface": interface or (f"PJSIP/{extension}" if extension else None),
         "calls_today": int(calls), "talk_seconds_today": int(talk)}
        for uid, login, full_name, extension, interface, calls, talk in rows
    ]
