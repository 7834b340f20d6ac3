"""Following the dialer's calls through the tracker's events, to the attempt rows and to the pacers.

Each attempt's call has the attempt's ChannelId as its Linkedid, so an event belongs to the run whose
flights hold that id. The database is told every step (answered, a person, connected, the end); each of
those writes is idempotent, so an event seen again after a restart changes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from callcenter.calls.events import CallAnswered, CallPickedUp, CallRinging, CallSummary, MachineDetection
from callcenter.calls.matching import number_form
from callcenter.campaigns import attempts
from callcenter.enums import AttemptOutcome, CallOutcome, Direction
from dialer.outcomes import finish_attempt
from dialer.run import CampaignRun, InFlight, Stage

if TYPE_CHECKING:
    from dialer.engine import DialerEngine

log = logging.getLogger(__name__)

_PERSON = {"HUMAN", "NOTSURE"}
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


class CallFollower:
    def __init__(self, engine: DialerEngine, region: str = "RU") -> None:
        self.engine = engine
        self.region = region
        # Calls with operators that are not the dialer's: their client is not to be dialled meanwhile.
        self.other_calls: dict[str, str] = {}  # linkedid -> the outside number
        self.wrapping: dict[int, str] = {}  # operator -> the outside number of the call they wrap up

    def busy_numbers(self) -> set[str]:
        return set(self.other_calls.values()) | set(self.wrapping.values())

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

    async def other(self, event: object, now: float) -> None:
        if isinstance(event, CallPickedUp):
            run = self.engine.run_of(event.linkedid)
            if run is not None:
                run.answered(run.flights[event.linkedid], now)
                async with self.engine.sessions() as db:
                    await attempts.mark_answered(db, event.linkedid, at=event.at)
        elif isinstance(event, MachineDetection):
            run = self.engine.run_of(event.linkedid)
            if run is None:
                return
            flight = run.flights[event.linkedid]
            if event.status in _PERSON:
                run.live(flight, now)
            elif event.status == "MACHINE":
                run.machine(flight, now)
            async with self.engine.sessions() as db:
                await attempts.mark_live(db, event.linkedid, event.status, event.cause, at=event.at)

    async def ended(self, summary: CallSummary, now: float) -> None:
        board = self.engine.board
        talked = summary.answered_at is not None and summary.answered_by is not None
        agent = board.ended(summary.answered_by, summary.linkedid, now, talked=talked)
        board.release(summary.linkedid, now)
        number = self.other_calls.pop(summary.linkedid, None)
        if agent is not None and talked:
            outside = number or number_form(summary.callee if summary.direction is Direction.OUTBOUND
                                             else summary.caller, self.region)
            self.wrapping[agent.user_id] = outside
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
        async with self.engine.sessions() as db:
            await finish_attempt(db, flight.channel_id, AttemptOutcome(outcome),
                                 ended_at=summary.ended_at if summary else self.engine.wall(),
                                 amd_status=summary.amd_status if summary else None)

    def wrapped_up(self, user_id: int, began: float, now: float) -> None:
        self.wrapping.pop(user_id, None)
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
