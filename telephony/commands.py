"""Desk commands carried out on the PBX: click-to-call (``Originate``) and pause (``QueuePause``).

The handler is a bus subscriber in the process that holds the AMI connection. A command the PBX refuses,
or one that cannot be sent because the connection is down, comes back on the bus as ``CommandFailed``
for the user who asked; success shows up as the PBX's own events (the operator's phone rings, the
``QueueMemberPause`` that becomes ``AgentPaused``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from callcenter.bus import EventBus, Subscription
from callcenter.desk.events import CommandFailed, DialRequested, PauseRequested
from telephony.ami.actions import AmiError
from telephony.ami.frames import Frame, action
from telephony.connector import Connector

log = logging.getLogger(__name__)


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

    async def __call__(self, event: Any) -> None:
        if isinstance(event, DialRequested):
            await self._run(event.command_id, event.user_id, "dial", self._dial(event))
        elif isinstance(event, PauseRequested):
            await self._run(event.command_id, event.user_id, "pause", self._pause(event))

    def _dial(self, cmd: DialRequested) -> Frame:
        # The operator's own phone rings first; once it is picked up, the dialplan dials the number.
        return action(
            "Originate", ActionID=f"crm-dial-{cmd.command_id}", Channel=cmd.interface, Context=self.dial_context,
            Exten=cmd.number.lstrip("+"), Priority="1", CallerID=cmd.caller_id, Timeout="30000", Async="true",
        )

    def _pause(self, cmd: PauseRequested) -> Frame:
        return action("QueuePause", ActionID=f"crm-pause-{cmd.command_id}", Interface=cmd.interface,
                      Paused="true" if cmd.paused else "false", Reason=cmd.reason)

    async def _run(self, command_id: str, user_id: int, what: str, frame: Frame) -> None:
        try:
            if what == "dial":
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
