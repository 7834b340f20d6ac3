"""The telephony connector: AMI events in, call events out on the CRM's bus.

It owns the AMI client, the call tracker and the bus. Every event frame goes through
``tracker.feed(frame, at=now)`` in arrival order and the call events it yields are published. The client
queues a ``Connected`` marker after each login, ahead of that connection's events, and a ``Gap`` marker
after frames had to be dropped; on either the connector lists the live channels (``CoreShowChannels``)
and lets the tracker reconcile: calls that ended unseen are closed, calls that began unseen are taken up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from callcenter.bus import EventBus
from callcenter.calls.events import CallEnded, CallEvent, CallSummary
from callcenter.settings import Settings
from telephony.ami.actions import AmiError, Connected, Gap
from telephony.ami.client import AmiClient
from telephony.ami.frames import Frame, action
from telephony.journal import Journal, keep_saving, restore_calls, save_changes
from telephony.pbx_records import PbxRecords
from telephony.tracker import CallTracker
from telephony.tracker.pbx_record import with_true_times
from telephony.tracker.rules_dial import pauses_from_status

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _report_stop(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the telephony connector stopped: calls are no longer logged", exc_info=task.exception())


def client_from_settings(settings: Settings) -> AmiClient:
    """The AMI client the settings describe (MD5 login, which never sends the secret itself)."""
    return AmiClient(settings.ami_host, settings.ami_port, settings.ami_username, settings.ami_secret)


class Connector:
    """Runs the client and feeds the tracker; :meth:`run` until cancelled, or ``start``/``close``."""

    def __init__(self, client: AmiClient, bus: EventBus, tracker: CallTracker | None = None, *,
                 clock: Clock = utc_now, list_timeout: float = 10.0, journal: Journal | None = None,
                 save_every: float = 0.2, records: PbxRecords | None = None) -> None:
        self.client = client
        self.records = records  # the PBX's own record of calls, for the times of those that ended unseen
        self.journal = journal  # where the calls going on are kept, for a restart to take them up
        self.save_every = save_every
        self._restored = journal is None
        self._ended: dict[str, CallSummary] = {}  # calls published as ended and not yet saved so
        self.bus = bus
        self.tracker = tracker or CallTracker()
        self.clock = clock
        self.list_timeout = list_timeout
        self.frames = 0
        self.reconciles = 0
        self._tasks: list[asyncio.Task[None]] = []

    async def run(self) -> None:
        """Keep the AMI connection and process what it delivers, until cancelled or either side fails."""
        tasks = {asyncio.create_task(self.client.run(), name="ami-client"),
                 asyncio.create_task(self._consume(), name="connector-consume")}
        if self.journal is not None:
            tasks.add(asyncio.create_task(keep_saving(self.tracker, self.journal, self._ended, self.save_every),
                                          name="connector-journal"))
        try:
            # None ends on its own but on a bug; waiting for frames that will never come would hide it.
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            raise RuntimeError("the AMI connector stopped without a reason")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _consume(self) -> None:
        while True:
            item = await self.client.get()
            if isinstance(item, Frame):
                self.frames += 1
                self._publish(self.tracker.feed(item, self.clock()))
            elif isinstance(item, Connected | Gap):
                if not self._restored and self.journal is not None:
                    # Before the first channel list: it closes the calls that ended while no one listened.
                    self._publish(await restore_calls(self.tracker, self.journal))
                    self._restored = True
                await self.reconcile()

    def start(self) -> asyncio.Task[None]:
        """Run in a task of its own; a failure is logged the moment it happens, not only at ``close``."""
        task = asyncio.create_task(self.run(), name="connector")
        task.add_done_callback(_report_stop)
        self._tasks.append(task)
        return task

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.journal is not None and self._restored:
            # The calls still going on are kept for the next start to take up.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await save_changes(self.tracker, self.journal, self._ended)

    async def reconcile(self) -> bool:
        """List the live channels and let the tracker catch up; False when the list could not be had."""
        try:
            result = await self.client.request(action("CoreShowChannels"), self.list_timeout)
        except AmiError as exc:
            # The connection dropped again; the next login queues another Connected marker.
            log.warning("could not list channels to reconcile: %s", exc)
            return False
        if not result.ok:
            log.warning("CoreShowChannels refused: %s", result.response.get("Message"))
            return False
        channels = [frame for frame in result.events if frame.event == "CoreShowChannel"]
        self.reconciles += 1
        events = self.tracker.reconcile(channels, self.clock())
        try:
            events = await self._true_times(events)
        finally:  # stopped while reading the PBX's record: the calls closed are still handed on
            self._publish(events)
        log.info("reconciled with %d live channels; %d calls going on", len(channels), len(self.tracker.active_calls))
        await self._pause_states()
        return True

    async def _true_times(self, events: list[CallEvent]) -> list[CallEvent]:
        """Calls closed with estimated times get the PBX's recorded ones, where it keeps a record."""
        estimated = [e.summary.linkedid for e in events if isinstance(e, CallEnded) and e.summary.times_approximate]
        if self.records is None or not estimated:
            return events
        try:
            async with asyncio.timeout(self.list_timeout):
                recorded = await self.records.events(estimated)
        except Exception as exc:  # the record is a help, never a reason to hold the calls back
            log.warning("the PBX's record of %d calls could not be read (%s); their times stay estimates",
                        len(estimated), exc)
            return events
        out: list[CallEvent] = []
        for event in events:
            if isinstance(event, CallEnded) and event.summary.times_approximate:
                exact = with_true_times(event.summary, recorded)
                event = CallEnded(exact) if exact is not None else event
            out.append(event)
        return out

    async def _pause_states(self) -> None:
        """Who is paused now (``QueueStatus``): pauses made while nobody listened still reach the desks."""
        try:
            result = await self.client.request(action("QueueStatus"), self.list_timeout)
        except AmiError as exc:
            log.warning("could not read the queue members' pause states: %s", exc)
            return
        if result.ok:
            self._publish(pauses_from_status(list(result.events), self.clock()))

    async def originate(self, frame: Frame, timeout: float | None = None) -> Frame:  # noqa: ASYNC109
        """Send an ``Originate``, told to the tracker first so even a failure without channels is logged."""
        if frame.get("Action") != "Originate":
            raise ValueError("originate() sends Originate actions only")
        action_id = frame.action_id or f"originate-{uuid.uuid4().hex}"
        if frame.action_id is None:
            frame = Frame([*frame.headers, ("ActionID", action_id)])
        self.tracker.originated(action_id, frame.get("Channel") or "", frame.get("Exten"), self.clock(),
                                frame.get("ChannelId"))
        return await self.client.send_action(frame, timeout)

    def _publish(self, events: list[CallEvent]) -> None:
        for event in events:
            if self.journal is not None and isinstance(event, CallEnded):
                self._ended[event.summary.linkedid] = event.summary
            self.bus.publish(event)
