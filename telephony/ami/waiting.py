"""Actions sent on an AMI connection and waiting for their answers, matched by ``ActionID``.

An answer is the response frame, and for an event-list action (``EventList: start``) every event of the
list up to the one that says ``Complete``; the action's future gets them together as one
:class:`ActionResult`. Frames no action waits for are the caller's to route (they are events).
"""

from __future__ import annotations

import asyncio

from telephony.ami.actions import ActionResult, AmiError, Pending, is_list_end, is_list_start
from telephony.ami.frames import Frame


class Waiting:
    """The actions of one client that have been sent and not yet answered."""

    def __init__(self) -> None:
        self._pending: dict[str, Pending] = {}
        self._futures: dict[str, asyncio.Future[ActionResult]] = {}

    def __bool__(self) -> bool:
        return bool(self._pending)

    def __contains__(self, action_id: str) -> bool:
        return action_id in self._pending

    def expect(self, action_id: str, name: str) -> asyncio.Future[ActionResult]:
        """Register an action about to be sent; its future completes with the whole answer."""
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = Pending(name)
        self._futures[action_id] = future
        return future

    def forget(self, action_id: str) -> None:
        """The sender stopped waiting (answered, timed out, cancelled): a late answer is ignored."""
        self._pending.pop(action_id, None)
        self._futures.pop(action_id, None)

    def answer(self, frame: Frame, action_id: str) -> bool:
        """Route ``frame`` to the action waiting for it; False when nobody waits for it."""
        pending = self._pending.get(action_id)
        future = self._futures.get(action_id)
        if pending is None or future is None or future.done():
            return False
        if frame.response is not None and pending.response is None:
            pending.response = frame
            if is_list_start(frame):
                pending.listing = True
            else:
                future.set_result(ActionResult(frame))
            return True
        if pending.listing and frame.event is not None:
            if is_list_end(frame):
                assert pending.response is not None
                future.set_result(ActionResult(pending.response, tuple(pending.events), frame))
            else:
                pending.events.append(frame)
            return True
        return False

    def fail_all(self, exc: AmiError) -> None:
        """The connection is gone: every action still waiting fails with ``exc``."""
        for future in self._futures.values():
            if not future.done():
                future.set_exception(exc)
        # Nobody may be awaiting a failed future any more; mark the exceptions as seen.
        for future in self._futures.values():
            if future.done() and not future.cancelled():
                future.exception()
