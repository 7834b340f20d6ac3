"""Desk commands carried out on the PBX: click-to-call (``Originate``), pause (``QueuePause``) and a
supervisor listening in (``Originate`` of ``ChanSpy`` to the supervisor's phone).

The handler is a bus subscriber in the process that holds the AMI connection. A command the PBX refuses,
or one that cannot be sent because the connection is down, comes back on the bus as ``CommandFailed``
for the user who asked; success shows up as the PBX's own events (the operator's phone rings, the
``QueueMemberPause`` that becomes ``AgentPaused``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from callcenter.bus import EventBus, Subscription
from callcenter.calls.events import OriginateFailed
from callcenter.desk.events import CommandFailed, DialRequested, PauseRequested, SpyRequested
from telephony.ami.actions import AmiError
from telephony.ami.frames import Frame, action
from telephony.connector import Connector
from telephony.tracker.rules_spy import SPY_MODE_VARIABLE

log = logging.getLogger(__name__)

# ChanSpy's options per mode: q no beep, E leave when the operator's leg hangs up, w speak to the operator
# only, B speak to both.
SPY_OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}


_REMEMBERED = 1000


def _unreached(reason: int | None) -> str:
    if reason == 3:
        return "your phone was not answered"
    return f"your phone is busy or could not be reached (reason {reason})"


class Unanswerable(Exception):
    """A command that cannot be sent as asked; its message is for the user who asked."""


class CommandHandler:
    def __init__(self, connector: Connector, bus: EventBus, *, dial_context: str, timeout: float = 10.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.connector = connector
        self.bus = bus
        self.dial_context = dial_context
        self.timeout = timeout
        self.clock = clock
        self.done = 0
        self.failed = 0
        # ActionID -> (command id, user id, what) of the Originates sent, until the PBX gives one up: an
        # Originate is accepted at once and fails later, when the operator's own phone is not answered.
        self._asked: OrderedDict[str, tuple[str, int, str]] = OrderedDict()

    async def __call__(self, event: Any) -> None:
        if isinstance(event, DialRequested):
            await self._run(event.command_id, event.user_id, "dial", self._dial(event))
        elif isinstance(event, PauseRequested):
            await self._run(event.command_id, event.user_id, "pause", self._pause(event))
        elif isinstance(event, OriginateFailed):
            asked = self._asked.pop(event.action_id, None)
            if asked is not None:
                self._fail(*asked, _unreached(event.reason))
        elif isinstance(event, SpyRequested):
            try:
                frame = self._spy(event)
            except Unanswerable as exc:
                self._fail(event.command_id, event.user_id, "spy", str(exc))
                return
            await self._run(event.command_id, event.user_id, "spy", frame)

    def _dial(self, cmd: DialRequested) -> Frame:
        # The operator's own phone rings first; once it is picked up, the dialplan dials the number.
        action_id = f"crm-dial-{cmd.command_id}"
        self._remember(action_id, cmd.command_id, cmd.user_id, "dial")
        return action(
            "Originate", ActionID=action_id, Channel=cmd.interface, Context=self.dial_context,
            Exten=cmd.number.lstrip("+"), Priority="1", CallerID=cmd.caller_id, Timeout="30000", Async="true",
        )

    def _spy(self, cmd: SpyRequested) -> Frame:
        # ChanSpy takes a prefix of channel names: the operator's own channel in this call, named in full,
        # so that neither PJSIP/1010 (for PJSIP/101) nor the operator's next call is listened to.
        target = self.connector.tracker.channel_in(cmd.linkedid, cmd.operator_interface)
        if target is None:
            raise Unanswerable("the operator is no longer on this call")
        options = SPY_OPTIONS.get(cmd.mode)
        if options is None:
            raise Unanswerable(f"unknown listening mode {cmd.mode!r}")
        # Not through Connector.originate: the leg is not a call, and a failed one must not be logged as one.
        action_id = f"crm-spy-{cmd.command_id}"
        self._remember(action_id, cmd.command_id, cmd.user_id, "spy")
        return action(
            "Originate", ActionID=action_id, Channel=cmd.interface, Application="ChanSpy",
            Data=f"{target},{options}", CallerID=cmd.caller_id, Timeout="30000", Async="true",
            Variable=f"{SPY_MODE_VARIABLE}={cmd.mode}",
        )

    def _remember(self, action_id: str, command_id: str, user_id: int, what: str) -> None:
        self._asked[action_id] = (command_id, user_id, what)
        while len(self._asked) > _REMEMBERED:
            self._asked.popitem(last=False)

    def _pause(self, cmd: PauseRequested) -> Frame:
        return action("QueuePause", ActionID=f"crm-pause-{cmd.command_id}", Interface=cmd.interface,
                      Paused="true" if cmd.paused else "false", Reason=cmd.reason)

    async def _run(self, command_id: str, user_id: int, what: str, frame: Frame) -> None:
        try:
            if what == "dial":  # the tracker is told, so that even a failure is logged as a call
                response = await self.connector.originate(frame, self.timeout)
            else:
                response = await self.connector.client.send_action(frame, self.timeout)
        except (AmiError, TimeoutError) as exc:
            self._fail(command_id, user_id, what, f"the PBX is not reachable: {exc}")
            return
        if (response.get("Response") or "").lower() != "success":
            self._fail(command_id, user_id, what, response.get("Message") or "refused by the PBX")
            return
        self.done += 1

    def _fail(self, command_id: str, user_id: int, what: str, reason: str) -> None:
        self.failed += 1
        log.warning("%s command %s for user %s failed: %s", what, command_id, user_id, reason)
        self.bus.publish(CommandFailed(command_id, user_id, what, reason, self.clock()))


def subscribe_commands(connector: Connector, bus: EventBus, dial_context: str) -> tuple[CommandHandler, Subscription]:
    """Carry out the desk commands published on ``bus`` through ``connector``."""
    handler = CommandHandler(connector, bus, dial_context=dial_context)
    return handler, bus.subscribe(handler, name="desk-commands")
