"""A client's deals, sales (two years of them, shaped by its ABC and XYZ class), tasks and claims."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from callcenter.seeding import pools as P
from callcenter.seeding.batch import Batch, Context
from callcenter.seeding.clients import MadeClient
from callcenter.seeding.contacts_history import Contact, work_time

# A typical purchase by ABC class, in roubles.
_TICKET = {"A": (150_000, 600_000), "B": (30_000, 150_000), "C": (3_000, 30_000), None: (20_000, 300_000)}
_OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
_RESOLUTIONS = {"resolved": "Сделан перерасчёт, клиент уведомлён.", "rejected": "Претензия не подтвердилась."}


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def add_deals(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient) -> list[tuple[int, datetime, Decimal]]:
    """Deals at funnel stages that fit the client's stage; returns the won ones (id, closed, amount)."""
    chance = {"potential": 0.3, "one_time": 0.4, "regular": 0.5, "lost": 0.3}[made.stage]
    if not made.is_company or rng.random() >= chance:
        return []
    won: list[tuple[int, datetime, Decimal]] = []
    low, high = _TICKET[made.abc]
    for _ in range(rng.choice((1, 1, 2))):
        if made.stage == "potential":
            stage = rng.choice(_OPEN_STAGES) if rng.random() < 0.8 else "lost"
        elif made.stage == "lost":
            stage = "lost"
        else:
            stage = "won" if rng.random() < 0.7 else rng.choice(_OPEN_STAGES)
        deal_id = batch.take("deals")
        amount = _money(rng.uniform(low, high) * rng.uniform(1, 4) // 1000 * 1000)
        created = ctx.now - timedelta(days=rng.uniform(20, 400))
        closed = created + timedelta(days=rng.uniform(5, 19)) if stage in ("won", "lost") else None
        batch.add("deals", {
            "id": deal_id, "client_id": made.id, "title": f"{rng.choice(P.DEAL_TITLES)}: {rng.choice(P.PRODUCTS)}",
            "stage_id": ctx.stages[stage], "status": stage if stage in ("won", "lost") else "open", "amount": amount,
            "currency": "RUB", "owner_id": made.owner_id,
            "expected_close": (ctx.now + timedelta(days=rng.randint(5, 90))).date() if closed is None else None,
            "closed_at": closed, "lost_reason": rng.choice(P.LOST_REASONS) if stage == "lost" else "",
            "created_at": created, "updated_at": closed or created,
        })
        if stage == "won" and closed is not None:
            won.append((deal_id, closed, amount))
    return won


def _sale_dates(rng: random.Random, made: MadeClient, today: date) -> list[date]:
    """Purchase dates over two years: monthly for X, most months for Y, sporadic for Z; none lately for lost."""
    if made.stage == "one_time":
        return [today - timedelta(days=rng.randint(1, 700))]
    if made.stage == "lost":
        return [today - timedelta(days=rng.randint(270, 720)) for _ in range(rng.randint(2, 6))]
    if made.stage != "regular":
        return []
    if made.xyz == "X":
        return [today - timedelta(days=30 * m + rng.randint(0, 27)) for m in range(24)]
    if made.xyz == "Y":
        return [today - timedelta(days=30 * m + rng.randint(0, 27)) for m in range(24) if m == 0 or rng.random() < 0.6]
    recent = today - timedelta(days=rng.randint(1, 60))
    return [recent] + [today - timedelta(days=rng.randint(1, 720)) for _ in range(rng.randint(5, 11))]


def add_sales(
    batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, won: list[tuple[int, datetime, Decimal]]
) -> None:
    low, high = _TICKET[made.abc]
    base = rng.uniform(low, high)
    spread = {"X": (0.9, 1.1), "Y": (0.6, 1.4), "Z": (0.2, 2.5), None: (0.5, 1.5)}[made.xyz]
    plan: list[tuple[date, int | None, Decimal]] = [(day, None, _money(base * rng.uniform(*spread))) for day in _sale_dates(rng, made, ctx.now.date())]
    plan += [(closed.date(), deal_id, amount) for deal_id, closed, amount in won]
    for sold_on, deal_id, amount in plan:
        sale_id = batch.take("sales")
        batch.add("sales", {
            "id": sale_id, "client_id": made.id, "deal_id": deal_id, "sold_on": sold_on, "amount": amount,
            "margin": _money(float(amount) * rng.uniform(0.12, 0.35)), "product": rng.choice(P.PRODUCTS),
            "external_ref": f"SEED-{sale_id}",
        })


def add_tasks(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient) -> None:
    """Hand-made tasks: some done, some open, a few of those overdue."""
    if rng.random() >= 0.3:
        return
    due = work_time(rng, ctx.now + timedelta(days=rng.uniform(-10, 20)), ctx.now + timedelta(days=21))
    done = rng.random() < 0.35
    created = due - timedelta(days=rng.uniform(1, 10))
    batch.add("tasks", {
        "id": batch.take("tasks"), "kind": "task", "title": rng.choice(P.TASK_TITLES), "description": "",
        "owner_id": made.owner_id, "client_id": made.id,
        "contact_id": rng.choice(made.contact_ids) if made.contact_ids else None, "interaction_id": None,
        "due_at": due, "status": "done" if done else "open", "origin": "manual",
        "completed_at": min(due, ctx.now) if done else None,
        "created_by_id": rng.choice(ctx.creator_ids) if rng.random() < 0.3 else made.owner_id,
        "created_at": min(created, ctx.now), "updated_at": min(due if done else created, ctx.now),
    })


def add_claims(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, contacts: list[Contact]) -> None:
    """Most complaints made on a call become claims; a few clients complain in writing too."""
    sources = [c for c in contacts if c.result == "complaint" and rng.random() < 0.7]
    if rng.random() < 0.02 and contacts:
        sources.append(rng.choice(contacts))
    for contact in sources:
        age = (ctx.now - contact.at).days
        if age > 30:
            status = rng.choices(("resolved", "rejected", "investigating", "open"), weights=(60, 15, 10, 15))[0]
        else:
            status = rng.choice(("open", "investigating"))
        closed = status in ("resolved", "rejected")
        resolved_at = contact.at + timedelta(days=rng.uniform(1, min(age, 30))) if closed else None
        batch.add("claims", {
            "id": batch.take("claims"), "client_id": made.id,
            "contact_id": rng.choice(made.contact_ids) if made.contact_ids else None,
            "interaction_id": contact.id, "subject": rng.choice(P.CLAIM_SUBJECTS), "description": "",
            "status": status,
            "investigation": "Проверены документы отгрузки и запись разговора." if status != "open" else "",
            "resolution": _RESOLUTIONS.get(status, ""),
            "owner_id": rng.choice(ctx.creator_ids), "resolved_at": resolved_at,
            "created_at": contact.at, "updated_at": resolved_at or contact.at,
        })
