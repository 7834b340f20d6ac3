"""The calls going on, kept in the database as the connector's tracker sees them, so that a process killed
mid-call (a crash, SIGKILL, a lost machine) takes them up again when it starts: each is logged once, with its
operator, its real answer time and its recording, instead of being lost or rebuilt with the restart's time.

The connector saves the calls that changed every ``interval`` (0.2 s): a crash loses at most the changes of
that moment, and those the channel list at the next login still shows. A call is forgotten here once the
logger has written it; a row left behind by a crash in between only closes a call already logged, which the
log's linkedid guard turns into nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import wire
from callcenter.calls.events import CallEnded, CallSummary
from callcenter.models import Call, LiveCall

log = logging.getLogger(__name__)


class CallJournal:
    """Save, forget and load the snapshots of the calls going on (``live_calls``) on the PBX ``pbx``
    (its AMI address: with one telephony process per PBX, each takes up only its own calls)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], pbx: str = "") -> None:
        self.sessions = sessions
        self.pbx = pbx
        self.saved = 0

    async def save(self, changes: Mapping[str, dict[str, Any] | CallSummary | None]) -> None:
        """Write each changed call's snapshot, or its summary once it ended (kept until :meth:`forget`, when it
        is logged); forget those that are gone with nothing to log (None)."""
        if not changes:
            return
        now = datetime.now(UTC)
        async with self.sessions() as db:
            await db.execute(delete(LiveCall).where(LiveCall.pbx == self.pbx, LiveCall.linkedid.in_(list(changes))))
            rows = [{"pbx": self.pbx, "linkedid": linkedid, "state": _text(state), "updated_at": now}
                    for linkedid, state in changes.items() if state is not None]
            if rows:
                db.add_all([LiveCall(**row) for row in rows])
            await db.commit()
        self.saved += len(changes)

    async def forget(self, linkedids: list[str]) -> None:
        """The calls are logged: nothing to take up any more."""
        async with self.sessions() as db:
            await db.execute(delete(LiveCall).where(LiveCall.linkedid.in_(linkedids)))
            await db.commit()

    async def load(self) -> tuple[list[dict[str, Any]], list[CallSummary]]:
        """The calls a previous run left going on, and those it saw end without their being logged; rows of
        calls logged meanwhile are dropped."""
        async with self.sessions() as db:
            rows = list(await db.execute(select(LiveCall.linkedid, LiveCall.state).where(LiveCall.pbx == self.pbx)))
            logged = set(await db.scalars(select(Call.linkedid).where(Call.linkedid.in_([r[0] for r in rows]))))
            if logged:
                await db.execute(delete(LiveCall).where(LiveCall.linkedid.in_(logged)))
                await db.commit()
        going: list[dict[str, Any]] = []
        ended: list[CallSummary] = []
        for linkedid, state in rows:
            if linkedid in logged:
                continue
            try:
                item = json.loads(state)
                if "ended" in item:
                    ended.append(wire.decode(json.dumps(item["ended"])).summary)
                else:
                    going.append(item)
            except (ValueError, AttributeError):
                log.error("the saved state of call %s is unreadable; it is left to the channel list", linkedid)
        return going, ended


def _text(state: dict[str, Any] | CallSummary) -> str:
    if isinstance(state, CallSummary):
        return json.dumps({"ended": json.loads(wire.encode(CallEnded(state)))}, ensure_ascii=True)
    return json.dumps(state, ensure_ascii=True)
