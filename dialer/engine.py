"""The dialer: every half second, for each running campaign, ask its pacer how many calls to place, pick
the leads, open their attempts and publish the calls for the AMI process; hand each live answer to the
operator free the longest; follow every call to its end and record the attempt's outcome.

It runs beside the call tracker (``callcenter telephony``, ``serve``, ``demo``) and hears the same bus:
the tracker's call events tell it how each attempt goes, the desks' wrap-ups when an operator is free.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.bus import EventBus
from callcenter.calls.events import (
    AgentPaused,
    CallAnswered,
    CallEnded,
    CallPickedUp,
    CallRinging,
    MachineDetection,
)
from callcenter.campaigns.events import CampaignDialFailed, PreviewDecision
from callcenter.campaigns.freezing import due_for_refresh, refresh_leads
from callcenter.desk.events import WrapUpDone
from callcenter.models import Campaign
from dialer.agents import AgentBoard
from dialer.calls import CallFollower
from dialer.placing import Placer
from dialer.run import CampaignRun
from dialer.store import campaigns_left_open, running_campaigns

log = logging.getLogger(__name__)

_LEADS_REFRESH_S = 60.0


class DialerEngine:
    """The dialer of one process: ``tick`` it every ``tick_s``; hand it every bus event."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], bus: EventBus, *, wrapup_s: float,
                 max_lines: int = 30, region: str = "RU", amd_false_positives: float = 0.0,
                 result_window_s: float = 300.0, tick_s: float = 0.5, refresh_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions, self.bus = sessions, bus
        self.clock, self.wall = clock, wall
        self.tick_s, self.refresh_s = tick_s, refresh_s
        self.board = AgentBoard(wrapup_s=wrapup_s)
        self.runs: dict[int, CampaignRun] = {}
        self.amd_false_positives = amd_false_positives
        self.result_window_s = result_window_s  # how long any operator's wrap-up may hold their client
        self.placer = Placer(self, max_lines=max_lines)
        self.calls = CallFollower(self, region)
        self._refreshed = self._leads_refreshed = -1e9
        self._lock = asyncio.Lock()

    def run_of(self, channel_id: str) -> CampaignRun | None:
        for run in self.runs.values():
            if channel_id in run.flights:
                return run
        return None

    def run_of_agent(self, user_id: int) -> CampaignRun | None:
        return next((r for r in self.runs.values() if user_id in r.config.operator_ids), None)

    async def __call__(self, event: Any) -> None:
        async with self._lock:
            now = self.clock()
            if isinstance(event, CallRinging):
                self.board.ringing(event.interface, event.linkedid, now)
                await self.calls.ringing(event, now)
            elif isinstance(event, CallAnswered):
                await self.calls.answered(event, now)
            elif isinstance(event, CallEnded):
                await self.calls.ended(event.summary, now)
            elif isinstance(event, WrapUpDone):
                self.calls.wrap_up_done(event, now)
            elif isinstance(event, AgentPaused):
                self.board.paused(event.interface, event.paused, now)
            elif isinstance(event, CampaignDialFailed):
                await self.calls.failed(event.channel_id, event.reason, now)
            elif isinstance(event, PreviewDecision):
                await self.placer.preview_decided(event, now)
            elif isinstance(event, CallPickedUp):
                await self.calls.picked_up(event, now)
            elif isinstance(event, MachineDetection):
                await self.calls.judged(event, now)
            await self.placer.assign_waiting(now)

    async def tick(self) -> None:
        """One round: refresh the campaigns now and then, lapse what timed out, place the calls asked for."""
        async with self._lock:
            now = self.clock()
            if now - self._refreshed >= self.refresh_s:
                await self.refresh(now)
            for agent in self.board.expire(now):
                self.calls.wrapped_up(agent.user_id, agent.since - self.board.wrapup_s, now)
            for run in self.runs.values():
                self.calls.lapse(run, now)
            await self.placer.assign_waiting(now)
            await self.calls.save_unsaved()
            await self.calls.sweep(now)
            await self.placer.place(now)

    async def refresh(self, now: float) -> None:
        """Take up the campaigns started, paused or stopped, and who has joined them."""
        async with self.sessions() as db:
            if now - self._leads_refreshed >= _LEADS_REFRESH_S:
                self._leads_refreshed = now
                await self._refresh_segments(db)
            campaigns = await running_campaigns(db)
            left_open = [] if self._refreshed > -1e9 else await campaigns_left_open(db, {r.campaign.id for r in campaigns})
        self._refreshed = now
        for running in left_open:
            kept = self.runs[running.campaign.id] = await self.placer.start_run(running, now)
            kept.placing = False
        joined: dict[int, str] = {}
        seen = set()
        for running in campaigns:
            seen.add(running.campaign.id)
            joined.update(running.joined)
            run = self.runs.get(running.campaign.id)
            if run is None:
                run = self.runs[running.campaign.id] = await self.placer.start_run(running, now)
                log.info("dialer: campaign %s (%s) running with %d operators", running.campaign.id,
                         running.campaign.mode, len(running.joined))
            else:
                self.placer.update_run(run, running)
        self.board.set_joined(joined, now)
        for campaign_id in [c for c in self.runs if c not in seen]:
            run = self.runs[campaign_id]
            if not run.flights:  # a paused campaign's calls are followed to their end, none placed
                del self.runs[campaign_id]
            else:
                run.placing = False

    async def _refresh_segments(self, db: AsyncSession) -> None:
        """Add the new members of the segments of campaigns that follow theirs (``refresh_minutes``)."""
        wall = self.wall()
        for campaign_id in await due_for_refresh(db, wall):
            campaign = await db.get(Campaign, campaign_id)
            if campaign is not None:
                added = await refresh_leads(db, campaign, wall)
                if added:
                    log.info("dialer: campaign %s has %d new leads from its segment", campaign_id, added)

