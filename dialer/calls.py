"""Following the dialer's calls through the tracker's events, to the attempt rows and to the pacers.

Each attempt's call has the attempt's ChannelId as its Linkedid, so an event belongs to the run whose
flights hold that id. The database is told every step (answered, a person, connected, the end); each of
those writes is idempotent, so an event seen again after a restart changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from callcenter.calls.events import CallAnswered, CallPickedUp, CallRinging, CallSummary, MachineDetection
from callcenter.calls.matching import number_form
from callcenter.campaigns import attempts
from callcenter.desk.events import WrapUpDone
from callcenter.enums import AttemptOutcome, CallOutcome, Direction
from dialer.outcomes import finish_attempt
from dialer.run import CampaignRun, InFlight, Stage

if TYPE_CHECKING:
    from dialer.engine import DialerEngine

log = logging.getLogger(__name__)

_STALE_S = 60.0  # past its ring timeout, an attempt no event has named is taken as never placed


def attempt_outcome(flight: InFlight, summary: CallSummary | None) -> str:
    """The attempt's outcome, from what the dialer saw and how the PBX ended the call."""
    if flight.connected is not None:
        return "connected"
    if flight.outcome is not None:
        return flight.outcome
    if flight.live is not None:
        return "abandoned"
    if summary is None:
        return "failed"
    if summary.outcome is CallOutcome.VOICEMAIL or flight.answered is not None:
        return "machine"
    if summary.outcome in (CallOutcome.BUSY, CallOutcome.NO_ANSWER, CallOutcome.FAILED):
        return summary.outcome.value
    if summary.outcome is CallOutcome.ABANDONED:
        return "abandoned"
    return "failed"


@dataclass(frozen=True, slots=True)
class Ending:
    """An attempt's end, as it is to be written."""

    channel_id: str
    outcome: AttemptOutcome
    ended_at: datetime
    amd_status: str | None


class CallFollower:
    def __init__(self, engine: DialerEngine, region: str = "RU") -> None:
        self.engine = engine
        self.unsaved: dict[str, Ending] = {}
        self.region = region
        # Calls with operators that are not the dialer's: their client is not to be dialled meanwhile.
        self.other_calls: dict[str, str] = {}  # linkedid -> the outside number
        # Calls being wrapped up, by Linkedid: (the outside number, when the wrap-up is over at the latest).
        self.wrapping: dict[str, tuple[str, float]] = {}

    def busy_numbers(self, now: float) -> set[str]:
        """The outside numbers of calls with an operator or in an operator's wrap-up now."""
        for linkedid in [k for k, (_n, until) in self.wrapping.items() if until <= now]:
            del self.wrapping[linkedid]
        return set(self.other_calls.values()) | {number for number, _until in self.wrapping.values()}

    async def ringing(self, event: CallRinging, now: float) -> None:
        if self.engine.run_of(event.linkedid) is None:
            outside = event.caller if event.direction is Direction.INBOUND else event.callee
            self.other_calls[event.linkedid] = number_form(outside, self.region)

    async def answered(self, event: CallAnswered, now: float) -> None:
        agent = self.engine.board.answered(event.interface, event.linkedid, now)
        run = self.engine.run_of(event.linkedid)
        if run is None:
            return
        flight = run.flights[event.linkedid]
        run.connected(flight, agent.user_id if agent else None, now)
        wait = now - flight.live if flight.live is not None else None
        async with self.engine.sessions() as db:
            await attempts.mark_connected(db, event.linkedid, agent.user_id if agent else None, wait, at=event.at)

    async def picked_up(self, event: CallPickedUp, now: float) -> None:
        run = self.engine.run_of(event.linkedid)
        if run is not None:
            run.answered(run.flights[event.linkedid], now)
            async with self.engine.sessions() as db:
                await attempts.mark_answered(db, event.linkedid, at=event.at)

    async def judged(self, event: MachineDetection, now: float) -> None:
        run = self.engine.run_of(event.linkedid)
        if run is None:
            return
        flight = run.flights[event.linkedid]
        if event.status in attempts.PERSON_VERDICTS:
            run.live(flight, now)
        elif event.status == "MACHINE":
            run.machine(flight, now)
        async with self.engine.sessions() as db:
            await attempts.mark_live(db, event.linkedid, event.status, event.cause, at=event.at)

    async def ended(self, summary: CallSummary, now: float) -> None:
        board = self.engine.board
        talked = summary.answered_at is not None and summary.answered_by is not None
        board.ended(summary.answered_by, summary.linkedid, now, talked=talked)
        board.release(summary.linkedid, now)
        number = self.other_calls.pop(summary.linkedid, None)
        if talked:  # any operator's wrap-up, not only a campaign's: the client is theirs until it is saved
            outside = number or number_form(summary.callee if summary.direction is Direction.OUTBOUND
                                             else summary.caller, self.region)
            self.wrapping[summary.linkedid] = (outside, now + self.engine.result_window_s)
        run = self.engine.run_of(summary.linkedid)
        if run is None:
            return
        flight = run.flights[summary.linkedid]
        await self._finish(run, flight, attempt_outcome(flight, summary), now, summary=summary)

    async def failed(self, channel_id: str, reason: str, now: float) -> None:
        run = self.engine.run_of(channel_id)
        if run is not None:
            log.warning("dialer: attempt %s not placed: %s", channel_id, reason)
            await self._finish(run, run.flights[channel_id], "failed", now, summary=None)

    async def _finish(self, run: CampaignRun, flight: InFlight, outcome: str, now: float, *,
                      summary: CallSummary | None) -> None:
        run.ended(flight, now, outcome)
        ending = Ending(flight.channel_id, AttemptOutcome(outcome),
                        summary.ended_at if summary else self.engine.wall(), summary.amd_status if summary else None)
        await self._save(ending)

    async def _save(self, ending: Ending) -> None:
        try:
            async with self.engine.sessions() as db:
                await finish_attempt(db, ending.channel_id, ending.outcome, ended_at=ending.ended_at,
                                     amd_status=ending.amd_status)
        except (DBAPIError, OSError, TimeoutError) as exc:
            # Kept and written again each round: an attempt left open would hold its client for good.
            log.warning("dialer: the end of attempt %s could not be saved (%s); trying again", ending.channel_id, exc)
            self.unsaved[ending.channel_id] = ending

    async def save_unsaved(self) -> None:
        """Write again the ends of attempts a database that was away could not take."""
        for ending in list(self.unsaved.values()):
            del self.unsaved[ending.channel_id]
            await self._save(ending)
            if ending.channel_id in self.unsaved:
                return  # still away: the rest wait for the next round

    def wrap_up_done(self, event: WrapUpDone, now: float) -> None:
        """An operator saved a call's result: their client may be dialled, and they are free."""
        self.wrapping.pop(event.linkedid, None)
        agent = self.engine.board.agents.get(event.user_id)
        began = agent.since if agent is not None else now
        if self.engine.board.wrapped_up(event.user_id, event.linkedid, now) is not None:
            self.wrapped_up(event.user_id, began, now)

    def wrapped_up(self, user_id: int, began: float, now: float) -> None:
        """Tell the pacer of ``user_id``'s campaign that their wrap-up, begun at ``began``, is over."""
        run = self.engine.run_of_agent(user_id)
        agent = self.engine.board.agents.get(user_id)
        if run is not None and agent is not None:
            run.wrapped_up(agent, began, now)

    def lapse(self, run: CampaignRun, now: float) -> None:
        """A person left waiting past the connect window is abandoned (the dialplan plays its message)."""
        for flight in list(run.flights.values()):
            if flight.stage is Stage.WAITING and flight.deadline is not None and now >= flight.deadline:
                run.abandon(flight, now)

    async def sweep(self, now: float) -> None:
        """Close the attempts whose call never showed up (the Originate was lost with a process)."""
        for run in self.engine.runs.values():
            limit = run.config.ring_timeout_s + _STALE_S
            for flight in list(run.flights.values()):
                if flight.stage is Stage.RINGING and now - flight.dialed > limit:
                    await self._finish(run, flight, "failed", now, summary=None)
