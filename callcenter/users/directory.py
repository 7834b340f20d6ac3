"""The people a client can belong to, for owner filters and selects.

Every signed-in role may read this short list (names only): an operator choosing an owner needs it
without the right to read user records.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import User

MAX_OWNERS = 1000


@dataclass(frozen=True, slots=True)
class Owner:
    id: int
    label: str


async def owner_choices(db: AsyncSession) -> list[Owner]:
    """Active users by name; a call center has tens or hundreds, so one short list serves every select."""
    rows = await db.execute(
        select(User.id, User.login, User.full_name)
        .where(User.is_active.is_(True))
        .order_by(User.full_name, User.login)
        .limit(MAX_OWNERS)
    )
    return [Owner(id=uid, label=f"{full_name} ({login})" if full_name else login) for uid, login, full_name in rows]
