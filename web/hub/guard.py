"""Open sockets keep to what their login allows now, not only to what it allowed at the handshake.

Every few seconds (``CALLCENTER_WS_RECHECK_SECONDS``), and at once when this process made a change that may
matter (a logout, a user changed, a token revoked, the own-clients-only switch), the guard asks the
database about every socket of the process in one round and:

- closes with 4401 a socket whose session or token has ended, or whose user is no longer active;
- closes with 4403 a live-view socket whose user's role no longer allows the live view;
- gives the others their user's current role, team and own-clients-only restriction, which the next pop
  is looked up with.

Changes made in another web process reach this one's sockets at the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.auth.principal import Permission
from callcenter.auth.standing import Standing, standing
from callcenter.db.engine import create_sessionmaker
from web.hub.sockets import CLOSE_FORBIDDEN, CLOSE_LOGGED_OUT, Socket

log = logging.getLogger(__name__)


def verdict(socket: Socket, now: Standing) -> tuple[int, str] | None:
    """The close code and reason for ``socket`` under ``now``, or None when it may stay open."""
    principal = now.principals.get(socket.user_id)
    if principal is None:
        return CLOSE_LOGGED_OUT, "user deactivated"
    if socket.session_id is not None and socket.session_id not in now.sessions:
        return CLOSE_LOGGED_OUT, "session ended"
    if socket.token_id is not None and socket.token_id not in now.tokens:
        return CLOSE_LOGGED_OUT, "token revoked"
    if socket.live and not principal.can(Permission.USERS_READ):
        return CLOSE_FORBIDDEN, "the live view is for supervisors"
    return None


class Guard:
    """Re-checks the sockets ``sockets()`` lists, through the engine ``engine()`` gives at each round."""

    def __init__(self, sockets: Callable[[], Iterable[Socket]], engine: Callable[[], AsyncEngine], *,
                 every: float, own_default: bool) -> None:
        self.sockets = sockets
        self.engine = engine
        self.every = every
        self.own_default = own_default
        self.closed = 0
        self.rounds = 0
        self._wake = asyncio.Event()

    def soon(self) -> None:
        """Check now rather than at the next round: this process has just changed something that may matter."""
        self._wake.set()

    async def run(self) -> None:
        """Check every ``every`` seconds, or when woken, until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.every)
            self._wake.clear()
            try:
                await self.check()
            except Exception:  # the database being away must not close everyone's socket, nor stop the guard
                log.exception("could not re-check the open sockets")

    async def check(self) -> None:
        """One round over every socket open now."""
        sockets = [s for s in self.sockets() if not s.ending.is_set()]
        self.rounds += 1
        if not sockets:
            return
        async with create_sessionmaker(self.engine())() as db:
            now = await standing(
                db, user_ids={s.user_id for s in sockets},
                session_ids={s.session_id for s in sockets if s.session_id is not None},
                token_ids={s.token_id for s in sockets if s.token_id is not None},
                own_default=self.own_default,
            )
        for socket in sockets:
            found = verdict(socket, now)
            if found is not None:
                log.info("closing a socket of %s: %s", socket.principal.login, found[1])
                socket.end(*found)
                self.closed += 1
            elif (principal := now.principals[socket.user_id]) != socket.principal:
                socket.principal = principal
