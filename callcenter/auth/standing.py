"""Whether credentials given earlier still hold: for connections that outlive the request that opened them.

A WebSocket is authenticated once, at its handshake; logging out, revoking a token, deactivating the user,
changing their role or the admin's own-clients-only switch must still reach it. :func:`standing` answers
for every connection of a process at once, in a few statements whatever their number.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.auth.services import operators_own_clients_only
from callcenter.db.base import utcnow
from callcenter.models import ApiToken, User, WebSession
from callcenter.models.enums import Role


@dataclass(frozen=True, slots=True)
class Standing:
    """What holds now: the principal of each active user asked about, the live sessions and tokens."""

    principals: dict[int, Principal]
    sessions: frozenset[str]
    tokens: frozenset[int]


async def standing(
    db: AsyncSession, *, user_ids: Collection[int], session_ids: Collection[str], token_ids: Collection[int],
    own_default: bool = False,
) -> Standing:
    """Which of these users are active (and as what), which of these sessions and tokens still work.

    ``session_ids`` are the stored ids of sessions (the cookie's digest), ``token_ids`` the tokens' row ids.
    """
    now = utcnow()
    principals: dict[int, Principal] = {}
    if user_ids:
        restricted = await operators_own_clients_only(db, own_default)
        rows = await db.execute(
            select(User.id, User.login, User.role, User.team_id)
            .where(User.id.in_(set(user_ids)), User.is_active.is_(True))
        )
        for uid, login, role, team_id in rows:
            principals[uid] = Principal(user_id=uid, login=login, role=role, team_id=team_id,
                                        own_clients_only=restricted and role == Role.OPERATOR)
    sessions: frozenset[str] = frozenset()
    if session_ids:
        sessions = frozenset(await db.scalars(
            select(WebSession.id_hash).where(WebSession.id_hash.in_(set(session_ids)),
                                             WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        ))
    tokens: frozenset[int] = frozenset()
    if token_ids:
        tokens = frozenset(await db.scalars(
            select(ApiToken.id).where(ApiToken.id.in_(set(token_ids)), ApiToken.revoked_at.is_(None))
        ))
    return Standing(principals, sessions, tokens)
