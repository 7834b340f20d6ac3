"""A client's contact history: interactions with results, the telephony facts of calls, and callbacks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from callcenter.seeding import pools as P
from callcenter.seeding.batch import Batch, Context
from callcenter.seeding.clients import MadeClient


def _table(pairs: tuple[tuple[str | None, int], ...]) -> tuple[tuple[str | None, ...], list[int]]:
    return tuple(code for code, _ in pairs), list(accumulate(weight for _, weight in pairs))


_CALL_RESULTS = _table((
    ("sale", 5), ("meeting_set", 7), ("offer_sent", 10), ("callback_promised", 18), ("interested", 14),
    ("info_provided", 16), ("not_interested", 12), ("no_decision_maker", 9), ("wrong_number", 2), ("complaint", 3),
    ("do_not_call", 1),
))
_MEETING_RESULTS = _table((
    ("sale", 20), ("offer_sent", 30), ("interested", 30), ("meeting_set", 10), ("not_interested", 10),
))
_VISITS = {"potential": (0, 6), "one_time": (2, 8), "regular": (4, 14), "lost": (2, 8)}
_SUBJECTS = {"call": P.CALL_SUBJECTS, "meeting": P.MEETING_SUBJECTS, "email": P.EMAIL_SUBJECTS}
_HANGUP = {"answered": 16, "abandoned": 16, "no_answer": 19, "busy": 17, "failed": 34}
_NOTES = (
    "", "", "", "", "Просил перезвонить после обеда", "Секретарь не соединяет", "Интересуется скидками",
    "Сравнивает с конкурентами", "Ждёт решения руководства", "Попросил прислать прайс на почту",
)


@dataclass(slots=True)
class Contact:
    """An interaction as later steps see it."""

    id: int
    at: datetime
    result: str | None
    kind: str
    missed: bool


def work_time(rng: random.Random, moment: datetime, now: datetime) -> datetime:
    """The same day at office hours (06-16 UTC is 09-19 in Moscow), moved off weekends, never in the future."""
    at = moment.replace(hour=rng.randint(6, 15), minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
    weekday = at.weekday()
    if weekday >= 5:
        at -= timedelta(days=weekday - 4)
    while at > now:
        at -= timedelta(days=1)
    return at


def _pick(rng: random.Random, table: tuple[tuple[str | None, ...], list[int]]) -> str | None:
    return rng.choices(table[0], cum_weights=table[1])[0]


def add_contacts(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient) -> list[Contact]:
    """Done interactions over the last year (older for lost clients), oldest first, and maybe one planned."""
    low, high = _VISITS[made.stage]
    count = rng.randint(low, high)
    end = ctx.now - timedelta(days=180) if made.stage == "lost" else ctx.now
    start = max(made.created_at, ctx.now - timedelta(days=365))
    if start >= end:
        start = end - timedelta(days=120)
    span = (end - start).total_seconds()
    moments = sorted(work_time(rng, start + timedelta(seconds=rng.random() * span), end) for _ in range(count))
    done = [_add_one(batch, ctx, rng, made, at, last=i == count - 1) for i, at in enumerate(moments)]
    if made.stage != "lost" and rng.random() < 0.08:
        at = work_time(rng, ctx.now + timedelta(days=rng.uniform(1, 14)), ctx.now + timedelta(days=15))
        _interaction(batch, ctx, made, rng, kind=rng.choice(("call", "meeting")), direction="outbound",
                     status="planned", at=at, result=None, duration=None)
    return done


def _add_one(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, at: datetime, last: bool) -> Contact:
    roll = rng.random()
    if roll < 0.72:
        return _call(batch, ctx, rng, made, at, last)
    if roll < 0.86:
        direction = "outbound" if rng.random() < 0.6 else "inbound"
        if direction == "outbound":
            result = "offer_sent" if rng.random() < 0.4 else None
        else:
            result = "info_provided" if rng.random() < 0.3 else None
        iid = _interaction(batch, ctx, made, rng, kind="email", direction=direction, status="done", at=at,
                           result=result, duration=None)
        return Contact(iid, at, result, "email", False)
    if roll < 0.94:
        result = "not_interested" if last and made.stage == "lost" else _pick(rng, _MEETING_RESULTS)
        iid = _interaction(batch, ctx, made, rng, kind="meeting", direction=None, status="done", at=at,
                           result=result, duration=rng.randrange(1800, 5400, 300))
        return Contact(iid, at, result, "meeting", False)
    iid = _interaction(batch, ctx, made, rng, kind="note", direction=None, status="done", at=at, result=None, duration=None)
    return Contact(iid, at, None, "note", False)


def _call(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, at: datetime, last: bool) -> Contact:
    inbound = rng.random() < 0.4
    roll = rng.random()
    if inbound:
        outcome = "answered" if roll < 0.88 else "abandoned"
    else:
        outcome = "answered" if roll < 0.72 else "no_answer" if roll < 0.92 else "busy" if roll < 0.98 else "failed"
    answered = outcome == "answered"
    if answered:
        result = "not_interested" if last and made.stage == "lost" else _pick(rng, _CALL_RESULTS)
        talk = min(1800, max(15, int(rng.lognormvariate(4.8, 0.7))))
    else:
        result = None if inbound else "no_answer"
        talk = 0
    user_id = _user(rng, ctx, made)
    iid = _interaction(batch, ctx, made, rng, kind="call", direction="inbound" if inbound else "outbound",
                       status="done", at=at, result=result, duration=talk, user_id=user_id)
    # Calls imported from before the PBX was connected have no telephony facts.
    if rng.random() < 0.9:
        call_id = batch.take("calls")
        ring = rng.randint(2, 25)
        wait = rng.randint(0, 90) if inbound else None
        if outcome == "abandoned":
            wait = rng.randint(10, 180)
        answered_at = at + timedelta(seconds=ring + (wait or 0)) if answered else None
        ended = (answered_at + timedelta(seconds=talk)) if answered_at else at + timedelta(seconds=ring + (wait or 0))
        extension = ctx.extensions.get(user_id, "") if answered or not inbound else ""
        client_number = rng.choice(made.phones)  # E.164, as the call logger stores it
        batch.add("calls", {
            "id": call_id, "interaction_id": iid, "linkedid": f"{int(at.timestamp())}.{call_id}",
            "direction": "inbound" if inbound else "outbound",
            "caller": client_number if inbound else extension, "callee": extension if inbound else client_number,
            "queue": rng.choice(("sales", "support")) if inbound else None,
            "operator_id": user_id if answered or not inbound else None,
            "started_at": at, "answered_at": answered_at, "ended_at": ended, "ring_seconds": ring,
            "wait_seconds": wait, "talk_seconds": talk, "hangup_cause": _HANGUP[outcome], "outcome": outcome,
            "recording_path": None, "times_approximate": False,
        })
    return Contact(iid, at, result, "call", outcome == "abandoned")


def _user(rng: random.Random, ctx: Context, made: MadeClient) -> int:
    return made.owner_id if rng.random() < 0.85 else rng.choice(ctx.operator_ids)


def _interaction(
    batch: Batch, ctx: Context, made: MadeClient, rng: random.Random, *, kind: str, direction: str | None,
    status: str, at: datetime, result: str | None, duration: int | None, user_id: int | None = None,
) -> int:
    iid = batch.take("interactions")
    subjects = _SUBJECTS.get(kind, P.NOTE_SUBJECTS)
    batch.add("interactions", {
        "id": iid, "kind": kind, "direction": direction, "status": status, "subject": rng.choice(subjects),
        "occurred_at": at, "duration_seconds": duration, "user_id": user_id or _user(rng, ctx, made),
        "client_id": made.id,
        "contact_id": rng.choice(made.contact_ids) if made.contact_ids and rng.random() < 0.6 else None,
        "disposition_id": ctx.dispositions[result] if result else None, "notes": rng.choice(_NOTES),
        "created_at": min(at, ctx.now), "updated_at": min(at, ctx.now),
    })
    return iid


def add_callbacks(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, contacts: list[Contact]) -> None:
    """A callback for every promise and every missed call: kept by the next contact, or still open (maybe overdue)."""
    for i, contact in enumerate(contacts):
        if contact.result == "callback_promised":
            promised = contact.at + timedelta(days=rng.randint(1, 3))
            origin, due = "promised_callback", work_time(rng, promised, ctx.now + timedelta(days=4))
        elif contact.missed:
            origin, due = "missed_call", contact.at + timedelta(hours=1)
        else:
            continue
        following = contacts[i + 1] if i + 1 < len(contacts) else None
        batch.add("tasks", {
            "id": batch.take("tasks"), "kind": "callback", "title": "Перезвонить клиенту", "description": "",
            "owner_id": made.owner_id, "client_id": made.id, "contact_id": None, "interaction_id": contact.id,
            "due_at": due, "status": "done" if following else "open", "origin": origin,
            "completed_at": following.at if following else None, "created_by_id": made.owner_id,
            "created_at": contact.at, "updated_at": following.at if following else contact.at,
        })
