"""Generating one batch of clients with everything that hangs off them (pure CPU work, no I/O)."""

from __future__ import annotations

import random

from callcenter.seeding.batch import Batch, Context, NextIds
from callcenter.seeding.clients import add_client
from callcenter.seeding.commerce import add_claims, add_deals, add_sales, add_tasks
from callcenter.seeding.contacts_history import add_callbacks, add_contacts
from callcenter.seeding.pools import Pools


def generate_batch(ctx: Context, pools: Pools, start: NextIds, count: int, seed: int) -> Batch:
    """``count`` clients whose ids start at ``start.clients``.

    The random stream depends on the seed and the first id, so a batch is reproducible, and seeding a
    database that already has clients gives new names rather than repeating the first run's.
    """
    rng = random.Random(f"{seed}:{start.clients}")
    batch = Batch(start)
    shared: list[int] = []
    history_share = ctx.profile.history_share
    for _ in range(count):
        made = add_client(batch, ctx, pools, rng, shared)
        if rng.random() >= history_share:
            continue
        contacts = add_contacts(batch, ctx, rng, made)
        add_callbacks(batch, ctx, rng, made, contacts)
        add_tasks(batch, ctx, rng, made)
        won = add_deals(batch, ctx, rng, made)
        add_sales(batch, ctx, rng, made, won)
        add_claims(batch, ctx, rng, made, contacts)
    return batch
