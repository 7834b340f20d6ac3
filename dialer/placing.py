"""Placing a campaign's calls and handing its live answers to operators.

Predictive campaigns place what their pacer asks for; progressive ones keep one call in flight per free
operator; preview ones show the next client to a free operator first and dial when told (or when the
countdown runs out), the operator chosen before the call. A live answer goes to the operator of the
campaign free the longest.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from callcenter.calls.matching import find_clients
from callcenter.campaigns import attempts
from callcenter.campaigns.errors import LeadNotDue
from callcenter.campaigns.events import (
    CampaignCallOffered,
    CampaignDialRequested,
    PreviewDecision,
    PreviewOffered,
    attempt_channel_id,
)
from callcenter.campaigns.figures import REGULATOR_WINDOWS, attempt_counts
from callcenter.campaigns.schemas import MAX_ABANDON_RATE
from callcenter.enums import DialMode
from callcenter.models import Campaign, DialAttempt
from dialer.agents import AgentState
from dialer.leads import LeadChoice, next_leads
from dialer.pacing import PredictivePacer, ProgressivePacer
from dialer.run import CampaignRun, InFlight, RunConfig, Stage
from dialer.snapshot import Pacer
from dialer.store import RunningCampaign

if TYPE_CHECKING:
    from dialer.engine import DialerEngine

log = logging.getLogger(__name__)

_OFFER_MARGIN_S = 0.2  # an offer this close to the deadline would reach the dialplan too late
_PREVIEW_HOLD_S = 300.0  # a preview no one answers is taken back after this long
PREVIEW_SKIP = timedelta(hours=1)  # a client an operator skipped in preview waits this long


def run_config(running: RunningCampaign) -> RunConfig:
    c, rules = running.campaign, running.rules
    return RunConfig(
        campaign_id=c.id, mode=c.mode.value, queue=c.queue, caller_id=c.caller_id,
        connect_window_s=rules.connect_window_s, abandon_target=min(MAX_ABANDON_RATE, rules.abandon_target),
        max_lines=rules.max_lines or 1000, amd=c.mode is not DialMode.PREVIEW, machine_action=rules.machine_action,
        ring_timeout_s=rules.ring_timeout_s, preview_countdown_s=float(rules.preview_countdown_s),
        operator_ids=frozenset(running.joined),
    )


class Placer:
    def __init__(self, engine: DialerEngine, *, max_lines: int) -> None:
        self.engine = engine
        self.max_lines = max_lines
        self.previews: dict[int, tuple[int, LeadChoice, float]] = {}  # user -> (campaign, lead, offered at)

    async def start_run(self, running: RunningCampaign, now: float) -> CampaignRun:
        config = run_config(running)
        async with self.engine.sessions() as db:
            since = self.engine.wall() - REGULATOR_WINDOWS[running.rules.regulator_window]
            spent = await attempt_counts(db, running.campaign.id, since)
            left_open = await attempts.open_attempts(db, running.campaign.id)
        pacer: Pacer
        if config.mode == "predictive":
            # What the regulator's window has spent already is the budget this run starts from.
            pacer = PredictivePacer(abandon_target=config.abandon_target, connect_window_s=config.connect_window_s,
                                    window="us" if running.rules.regulator_window == "us_30d" else "uk",
                                    prior_live=spent["live"], prior_abandoned=spent["abandoned"])
        else:
            pacer = ProgressivePacer()
        run = CampaignRun(config=config, pacer=pacer, started=now, tick_s=self.engine.tick_s,
                          amd_fp_estimate=self.engine.amd_false_positives if config.amd else 0.0)
        for attempt in left_open:
            run.flights[attempt.channel_id] = self._taken_up(attempt, now)
        return run

    def _taken_up(self, attempt: DialAttempt, now: float) -> InFlight:
        """An attempt a previous run of the process left open: followed on from where its row stands."""
        ago = (self.engine.wall() - attempt.started_at).total_seconds()
        flight = InFlight(attempt.channel_id, attempt.id, attempt.client_id, dialed=now - max(0.0, ago))
        if attempt.connected_at is not None:
            flight.stage, flight.connected, flight.agent_id = Stage.CONNECTED, now, attempt.operator_id
            flight.answered = flight.live = now
        elif attempt.live_at is not None:  # its connect window has passed: abandoned unless an operator has it
            flight.stage, flight.answered, flight.live, flight.deadline = Stage.WAITING, now, now, now
        elif attempt.answered_at is not None:
            flight.stage, flight.answered = Stage.AMD, now
        return flight

    def update_run(self, run: CampaignRun, running: RunningCampaign) -> None:
        run.config, run.placing = run_config(running), True

    def lines_free(self, run: CampaignRun) -> int:
        in_flight = sum(len(r.flights) for r in self.engine.runs.values())
        return max(0, min(run.config.max_lines - len(run.flights), self.max_lines - in_flight))

    async def place(self, now: float) -> None:
        for run in list(self.engine.runs.values()):
            if not run.placing:
                continue
            try:
                if run.config.mode == "preview":
                    await self._offer_previews(run, now)
                    continue
                wanted = min(run.pacer.calls_to_place(run.snapshot(self.engine.board, now, self.lines_free(run))),
                             self.lines_free(run))
                if wanted > 0:
                    await self._dial(run, wanted, now)
            except Exception:
                log.exception("dialer: campaign %s could not place its calls this round", run.config.campaign_id)

    async def _busy_clients(self, db: Any) -> frozenset[int]:
        numbers = sorted(self.engine.calls.busy_numbers(self.engine.clock()))
        found = await find_clients(db, numbers) if numbers else {}
        dialling = {f.client_id for r in self.engine.runs.values() for f in r.flights.values()}
        previewed = {lead.client_id for _c, lead, _t in self.previews.values()}
        return frozenset({c for c, _contact, _owner in found.values()} | dialling | previewed)

    async def _choose(self, run: CampaignRun, limit: int) -> list[LeadChoice]:
        async with self.engine.sessions() as db:
            campaign = await db.get(Campaign, run.config.campaign_id)
            if campaign is None:
                return []
            return await next_leads(db, campaign, limit, now=self.engine.wall(),
                                    busy_client_ids=await self._busy_clients(db))

    async def _dial(self, run: CampaignRun, wanted: int, now: float, *, agent_interface: str | None = None,
                    leads: list[LeadChoice] | None = None) -> list[str]:
        """Place ``wanted`` calls (or those of ``leads``); the channel ids of the calls placed."""
        chosen = leads if leads is not None else await self._choose(run, wanted)
        placed = []
        for lead in chosen:
            async with self.engine.sessions() as db:
                try:
                    attempt = await attempts.open_attempt(db, lead.lead_id, lead.number,
                                                          preview=agent_interface is not None, now=self.engine.wall())
                except LeadNotDue:
                    continue  # taken meanwhile (another process, another campaign): the next round picks others
                attempt_id = attempt.id
            channel_id = attempt_channel_id(attempt_id)
            run.dialed(InFlight(channel_id, attempt_id, lead.client_id, dialed=now))
            c = run.config
            self.engine.bus.publish(CampaignDialRequested(
                channel_id=channel_id, attempt_id=attempt_id, campaign_id=c.campaign_id, number=lead.number,
                caller_id=c.caller_id, ring_timeout_s=c.ring_timeout_s, amd=c.amd and agent_interface is None,
                machine_action=c.machine_action, queue=c.queue, agent_interface=agent_interface,
                connect_window_s=c.connect_window_s, at=self.engine.wall()))
            placed.append(channel_id)
        return placed

    async def assign_waiting(self, now: float) -> None:
        """Send each person waiting to the operator of their campaign free the longest."""
        board = self.engine.board
        for run in self.engine.runs.values():
            if run.config.queue:
                continue  # the queue hands them out
            waiting = sorted((f for f in run.flights.values() if f.stage is Stage.WAITING and f.deadline is not None
                              and f.deadline - now > _OFFER_MARGIN_S), key=lambda f: f.dialed)
            if not waiting:
                continue
            free = board.in_state(AgentState.IDLE, run.config.operator_ids)
            for flight, agent in zip(waiting, free, strict=False):
                board.offered(agent.user_id, flight.channel_id, now)
                run.offered(flight, agent)
                self.engine.bus.publish(CampaignCallOffered(flight.channel_id, agent.interface, self.engine.wall()))

    async def _offer_previews(self, run: CampaignRun, now: float) -> None:
        board = self.engine.board
        countdown = run.config.preview_countdown_s
        for user_id, (campaign_id, lead, offered) in list(self.previews.items()):
            if campaign_id != run.config.campaign_id:
                continue
            if countdown > 0 and now - offered >= countdown:
                await self._dial_preview(run, user_id, lead, now)
            elif now - offered >= max(countdown, _PREVIEW_HOLD_S):
                self._take_back(user_id, now)
        free = [a for a in board.in_state(AgentState.IDLE, run.config.operator_ids) if a.user_id not in self.previews]
        if not free:
            return
        leads = await self._choose(run, len(free))
        for agent, lead in zip(free, leads, strict=False):
            self.previews[agent.user_id] = (run.config.campaign_id, lead, now)
            board.offered(agent.user_id, f"preview-{lead.lead_id}", now, hold_s=_PREVIEW_HOLD_S + countdown)
            self.engine.bus.publish(PreviewOffered(agent.user_id, run.config.campaign_id, lead.lead_id, lead.client_id,
                                                   lead.number, countdown, self.engine.wall()))

    def _take_back(self, user_id: int, now: float) -> None:
        self.previews.pop(user_id, None)
        self.engine.board.withdraw(user_id, now)

    async def _dial_preview(self, run: CampaignRun, user_id: int, lead: LeadChoice, now: float) -> None:
        self.previews.pop(user_id, None)
        agent = self.engine.board.agents.get(user_id)
        if agent is None:
            return
        placed = await self._dial(run, 1, now, agent_interface=agent.interface, leads=[lead])
        if placed:
            agent.linkedid = placed[0]  # the call their phone will ring for
        else:
            self.engine.board.withdraw(user_id, now)

    async def preview_decided(self, event: PreviewDecision, now: float) -> None:
        held = self.previews.get(event.user_id)
        if held is None or held[1].lead_id != event.lead_id:
            return
        run = self.engine.runs.get(held[0])
        if event.dial and run is not None:
            await self._dial_preview(run, event.user_id, held[1], now)
            return
        self._take_back(event.user_id, now)
        # Skipped: offered again later, not at the next round to the same operator.
        async with self.engine.sessions() as db:
            await attempts.put_off_lead(db, held[1].lead_id, self.engine.wall() + PREVIEW_SKIP, "skipped")
