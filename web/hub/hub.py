"""The hub: call events in, messages out to the sockets of the operators they concern and to watchers.

It is a bus subscriber. State changes happen in event order inside :meth:`handle`; a pop, which needs a
dossier from the database, is built in a task of its own so one slow lookup never holds up the next
event, and whatever follows a pop for the same operator and call (answered, ended) is sent after it.
Messages are only queued on sockets (see :mod:`web.hub.sockets`), never awaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus, Subscription
from callcenter.calls import events as ev
from callcenter.calls.matching import number_form
from callcenter.campaigns.events import PreviewDecision, PreviewOffered
from callcenter.db.engine import create_lookup_engine
from callcenter.desk.events import CommandFailed, WrapUpDone
from callcenter.models.enums import Direction
from callcenter.rows import plain
from callcenter.settings import Settings
from callcenter.tasks.events import CallbackReassigned
from web.hub.directory import Directory, Operator
from web.hub.guard import Guard
from web.hub.live import LiveBoard, LiveCall
from web.hub.pops import build_pop
from web.hub.previews import build_preview, preview_message, still_held
from web.hub.sockets import Socket

log = logging.getLogger(__name__)

LOOKUP_POOL = 10  # database connections for pops and operator lookups, per web process


def utc_now() -> datetime:
    return datetime.now(UTC)


def lookup_engine_for(engine: AsyncEngine) -> AsyncEngine:
    """The engine pops and operator lookups read through.

    On PostgreSQL a pool of its own without the pre-ping: asyncpg's ping is three round trips (BEGIN, a
    query, ROLLBACK) per checkout, more than the lookup itself, and these lookups retry once on a dead
    connection instead. The pool has a fixed size: an overflow connection would be opened for a burst of
    pops and closed right after, and opening one (TLS negotiation, type introspection, a server process
    forked) costs more than the lookups it serves; a pop beyond ``LOOKUP_POOL`` waits for a connection.
    SQLite has no pre-ping, and a second pool on the file would only add locking.
    """
    if engine.dialect.name == "sqlite":
        return engine
    return create_lookup_engine(engine.url.render_as_string(hide_password=False), pool_size=LOOKUP_POOL,
                                max_overflow=0)


class Hub:
    def __init__(self, engine: AsyncEngine, settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.lookups = engine  # the hub's own lookup pool is made in start() and disposed in close()
        self.region = settings.default_region
        self.window = timedelta(seconds=settings.result_window_seconds)
        self.clock = clock
        self.board = LiveBoard()
        self.directory = Directory(self.lookups)
        self.sockets: dict[int, set[Socket]] = {}
        self.watchers: set[Socket] = set()
        self.pops_sent = 0
        self.closed_behind = 0
        self._chains: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._wrap_ups: dict[int, dict[str, Any]] = {}  # user id -> the `ended` message of the call being wrapped up
        self._previews: dict[int, dict[str, Any]] = {}  # user id -> the `preview` waiting for their answer
        self._ticker: asyncio.Task[None] | None = None
        self.guard = Guard(self.all_sockets, lambda: self.lookups, every=settings.ws_recheck_seconds,
                           own_default=settings.operators_own_clients_only)
        self._guarding: asyncio.Task[None] | None = None
        self.closed = False
        self.subscription: Subscription | None = None

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self, bus: EventBus) -> None:
        self.lookups = lookup_engine_for(self.engine)
        self.directory.engine = self.lookups
        self.subscription = bus.subscribe(self.handle, name="hub")
        self._ticker = asyncio.create_task(self._tick(), name="hub-tick")
        self._guarding = asyncio.create_task(self.guard.run(), name="hub-guard")

    async def close(self, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Stop taking events, let pops in flight finish, then release the lookup pool.

        A lookup cancelled mid-query would leave its connection checked out of a pool about to be disposed.
        """
        self.closed = True
        for task in (self._ticker, self._guarding):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        pending = [t for t in self._chains.values() if not t.done()]
        if pending:
            _, stuck = await asyncio.wait(pending, timeout=timeout)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.directory.close()
        if self.lookups is not self.engine:
            lookups, self.lookups = self.lookups, self.engine
            self.directory.engine = self.engine
            await lookups.dispose()

    async def _tick(self, every: float = 5.0) -> None:
        while True:
            await asyncio.sleep(every)
            now = self.clock()
            self.board.forget_stale(now)
            for agent in self.board.agents.values():
                if agent.wrap_up is not None and agent.wrap_up_since and now - agent.wrap_up_since >= self.window:
                    agent.done(agent.wrap_up)
                    self._wrap_ups.pop(agent.user_id, None)
                    self._agent_changed(agent.user_id)

    # -- sockets --------------------------------------------------------------------------------------

    def attach(self, socket: Socket, hello: dict[str, Any]) -> None:
        """Register ``socket``; it is sent ``hello``, its desk state and whatever rings at its user now."""
        uid = socket.user_id
        self.directory.remember(uid, socket.principal.login)
        interface = (hello.get("user") or {}).get("interface")
        if interface and not self.directory.cached(interface)[0]:
            self.directory.warm()  # its first call then finds the operator known
        self.sockets.setdefault(uid, set()).add(socket)
        agent = self.board.agent(uid, socket.principal.login)
        socket.send({**hello, "agent": agent.as_dict(self.clock(), self.window)})
        for call in self.board.ringing_for(uid):
            self._pop(uid, call, only=socket)
        wrap_up = self._wrap_ups.get(uid)
        if wrap_up is not None and agent.state(self.clock(), self.window) == "wrap_up":
            socket.send(wrap_up)
        preview = self._previews.get(uid)
        if preview is not None and still_held(preview, self.clock()):
            socket.send(preview)
        if socket.live:
            self.watchers.add(socket)
            socket.send(self.snapshot())

    def all_sockets(self) -> list[Socket]:
        return [socket for found in self.sockets.values() for socket in found]

    def detach(self, socket: Socket) -> None:
        found = self.sockets.get(socket.user_id)
        if found is not None:
            found.discard(socket)
            if not found:
                del self.sockets[socket.user_id]
        self.watchers.discard(socket)

    def snapshot(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "type": "live.snapshot",
            "calls": [c.as_watched(self.directory.logins) for c in self.board.calls.values()],
            "agents": [a.as_dict(now, self.window) for a in self.board.agents.values()],
            "server_time": plain(now),
        }

    def working_on(self, number: str, client_id: int | None, *, other_than: int) -> tuple[str, str] | None:
        """Who else is working this number or client now, and how ("call" or "wrap_up"): a client worked by one
        operator is not dialled by another at the same time."""
        found = self.board.working_on(number, client_id, other_than=other_than)
        if found is not None:
            return self.directory.logins.get(found[0], str(found[0])), "call"
        now = self.clock()
        for uid, message in self._wrap_ups.items():
            agent = self.board.agents.get(uid)
            ended = message["call"]
            party = ended["callee"] if ended["direction"] == Direction.OUTBOUND.value else ended["caller"]
            if (uid != other_than and agent is not None and agent.state(now, self.window) == "wrap_up"
                    and agent.wrap_up == ended["linkedid"]
                    and (party == number or (client_id is not None and ended["client_id"] == client_id))):
                return self.directory.logins.get(uid, str(uid)), "wrap_up"
        return None

    def _to_user(self, uid: int, message: dict[str, Any], only: Socket | None = None) -> None:
        for socket in [only] if only is not None else list(self.sockets.get(uid, ())):
            socket.send(message)

    def _to_watchers(self, message: dict[str, Any]) -> None:
        for socket in list(self.watchers):
            socket.send(message)

    # -- events ---------------------------------------------------------------------------------------

    async def handle(self, event: Any) -> None:
        """Bus subscriber: one event, in order."""
        if self.closed:
            return  # the bus drains after the hub has let go of its lookup pool
        if isinstance(event, ev.CallRinging):
            await self._ringing(event)
        elif isinstance(event, ev.CallAnswered):
            await self._answered(event)
        elif isinstance(event, ev.CallEnded):
            await self._ended(event.summary)
        elif isinstance(event, ev.CallQueued):
            call = self.board.call(event.linkedid, Direction.INBOUND, number_form(event.caller, self.region), "",
                                   event.queue, event.at)
            self._call_changed(call)
        elif isinstance(event, ev.CallTransferred):
            await self._transferred(event)
        elif isinstance(event, ev.AgentPaused):
            await self._paused(event)
        elif isinstance(event, ev.SpyStarted | ev.SpyStopped):
            await self._spying(event)
        elif isinstance(event, WrapUpDone):
            agent = self.board.agents.get(event.user_id)
            if agent is not None and agent.done(event.linkedid):
                self._wrap_ups.pop(event.user_id, None)
                self._agent_changed(event.user_id)
        elif isinstance(event, CommandFailed):
            self._to_user(event.user_id, {"type": "error", "action": event.action, "reason": event.reason,
                                          "command_id": event.command_id})
        elif isinstance(event, CallbackReassigned):
            self._handed_over(event)
        elif isinstance(event, PreviewOffered):
            self._preview(event)
        elif isinstance(event, PreviewDecision):
            held = self._previews.get(event.user_id)
            if held is not None and held["lead_id"] == event.lead_id:
                del self._previews[event.user_id]

    def _handed_over(self, e: CallbackReassigned) -> None:
        """Tell the operator who lost a callback and the one who got it."""
        message = {"type": "callback", "task_id": e.task_id, "title": e.title, "client_id": e.client_id,
                   "client_name": e.client_name, "due_at": plain(e.due_at), "from": e.from_name, "to": e.to_name,
                   "by": e.by, "at": plain(e.at)}
        self._to_user(e.to_user_id, {**message, "role": "given"})
        if e.from_user_id is not None and e.from_user_id != e.to_user_id:
            self._to_user(e.from_user_id, {**message, "role": "taken"})

    async def _operator(self, interface: str) -> Operator | None:
        try:
            return await self.directory.operator(interface)
        except Exception:  # the database being away must not stop the calls being followed
            log.exception("could not find the operator behind %s", interface)
            return None

    async def _ringing(self, e: ev.CallRinging) -> None:
        call = self.board.call(e.linkedid, e.direction, number_form(e.caller, self.region),
                               number_form(e.callee, self.region), e.queue, e.at)
        if call.state in ("queued", "ringing"):
            call.state = "ringing"
        op = await self._operator(e.interface)
        if op is not None:
            call.ringing[op.user_id] = e.at
            call.touched.add(op.user_id)
            self._pop(op.user_id, call)
        self._call_changed(call)

    async def _answered(self, e: ev.CallAnswered) -> None:
        op = await self._operator(e.interface)
        call = self.board.calls.get(e.linkedid)
        if call is not None:
            call.state, call.answered_at, call.updated_at = "answered", e.at, e.at
            call.answered_by, call.answered_interface = (op.user_id if op else None), e.interface
            call.ringing.clear()
            message = {"type": "answered", "call": call.as_call(self.directory.logins)}
            for uid in call.touched:
                self._after_pop(uid, call.linkedid, {**message, "mine": op is not None and uid == op.user_id})
            self._call_changed(call)
        if op is not None:
            self.board.agent(op.user_id, op.login).start_call(e.linkedid, e.at)
            self._agent_changed(op.user_id)

    async def _transferred(self, e: ev.CallTransferred) -> None:
        source, target = await self._operator(e.from_interface), await self._operator(e.to_interface)
        call = self.board.calls.get(e.linkedid)
        if source is not None:
            # The result is the last operator's to set (the call row names them), so no wrap-up here.
            self.board.agent(source.user_id, source.login).end_call(e.linkedid, e.at, wrap_up=False)
            self._agent_changed(source.user_id)
        if target is not None:
            self.board.agent(target.user_id, target.login).start_call(e.linkedid, e.at)
            self._agent_changed(target.user_id)
        if call is None:
            return
        call.answered_by, call.updated_at = (target.user_id if target else None), e.at
        call.answered_interface = e.to_interface
        if target is not None and target.user_id not in call.touched:
            call.touched.add(target.user_id)
            self._pop(target.user_id, call)  # the dossier follows the call to the colleague
        message = {"type": "transferred", "call": call.as_call(self.directory.logins),
                   "from": source.login if source else None, "to": target.login if target else None}
        for uid in call.touched:
            self._after_pop(uid, call.linkedid, message)
        self._call_changed(call)

    async def _ended(self, s: ev.CallSummary) -> None:
        op = await self._operator(s.answered_by) if s.answered_by else None
        call = self.board.calls.pop(s.linkedid, None)
        if call is None:
            call = LiveCall(s.linkedid, s.direction, number_form(s.caller, self.region),
                            number_form(s.callee, self.region), s.queue, s.started_at)
        call.summary, call.state, call.updated_at = s, "ended", s.ended_at
        call.answered_by = op.user_id if op else None
        call.answered_at = call.answered_at or s.answered_at
        call.ringing.clear()
        message = {"type": "ended", "call": call.as_call(self.directory.logins)}
        for uid in call.touched | ({op.user_id} if op else set()):
            mine = op is not None and uid == op.user_id and s.answered_at is not None
            self._after_pop(uid, call.linkedid, {**message, "wrap_up": mine})
            if mine:
                self._wrap_ups[uid] = {**message, "wrap_up": True}
        if op is not None:
            self.board.agent(op.user_id, op.login).end_call(s.linkedid, s.ended_at, wrap_up=s.answered_at is not None)
            self._agent_changed(op.user_id)
        self._call_changed(call)

    async def _paused(self, e: ev.AgentPaused) -> None:
        op = await self._operator(e.interface)
        if op is None:
            return
        agent = self.board.agent(op.user_id, op.login)
        agent.paused, agent.reason, agent.since = e.paused, e.reason, e.at
        self._agent_changed(op.user_id)

    async def _spying(self, e: ev.SpyStarted | ev.SpyStopped) -> None:
        if isinstance(e, ev.SpyStarted):
            self._not_a_call(e.spy_linkedid, e.at)
        call = self.board.calls.get(e.linkedid)
        if call is None:
            return
        if isinstance(e, ev.SpyStopped):
            call.listening.pop(e.spy_linkedid, None)
        else:
            supervisor = await self._operator(e.supervisor)
            call.listening[e.spy_linkedid] = {
                "login": supervisor.login if supervisor else None, "interface": e.supervisor, "mode": e.mode,
                "since": plain(e.at),
            }
        self._call_changed(call)

    def _not_a_call(self, linkedid: str, at: datetime) -> None:
        """A ChanSpy the CRM did not start is known only once it spies; until then it rang (and may have been
        answered) as a call. It leaves the desks and the board as a call that ended with nothing to wrap up."""
        call = self.board.calls.pop(linkedid, None)
        if call is None:
            return
        call.state, call.updated_at = "ended", at
        call.ringing.clear()
        message = {"type": "ended", "call": call.as_call(self.directory.logins), "wrap_up": False}
        for uid in call.touched:
            self._after_pop(uid, linkedid, message)
        if call.answered_by is not None:
            agent = self.board.agents.get(call.answered_by)
            if agent is not None:
                agent.end_call(linkedid, at, wrap_up=False)
                self._agent_changed(call.answered_by)
        self._call_changed(call)

    def _call_changed(self, call: LiveCall) -> None:
        if self.watchers:
            self._to_watchers({"type": "live.call", "call": call.as_watched(self.directory.logins)})

    def _agent_changed(self, uid: int) -> None:
        agent = self.board.agents.get(uid)
        if agent is None:
            return
        message = agent.as_dict(self.clock(), self.window)
        self._to_user(uid, {"type": "state", "agent": message})
        self._to_watchers({"type": "live.agent", "agent": message})

    # -- pops -----------------------------------------------------------------------------------------

    def _pop(self, uid: int, call: LiveCall, only: Socket | None = None) -> None:
        if self.closed:
            return  # shutting down: a socket attaching now would check a connection out of a disposed pool
        sockets = [only] if only is not None else list(self.sockets.get(uid, ()))
        if not sockets:
            return  # this operator's sockets are in another process (or nowhere): it pops them
        key = (uid, call.linkedid)
        previous = self._chains.get(key)
        seen = call.as_call(self.directory.logins)

        async def deliver() -> None:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            # The user's rights as the guard last found them; any open socket of theirs carries them.
            principal = next((s.principal for s in sockets if not s.ending.is_set()), sockets[0].principal)
            try:
                message = await build_pop(self.lookups, principal, call, seen)
            except Exception:  # the operator still learns that the phone rings, and from whom
                log.exception("pop for %s could not look up the dossier; popping without it", call.linkedid)
                message = {"type": "pop", "call": seen, "number": call.number, "dossier": None, "hidden": False,
                           "dossier_error": True}
            for socket in sockets:
                if socket.send(message):
                    self.pops_sent += 1

        self._chain(key, deliver())

    def _preview(self, e: PreviewOffered) -> None:
        """A campaign's next client for the operator to look at before the call: their dossier, on every socket
        of theirs in this process (a socket that connects while it waits is sent it too)."""
        if self.closed:
            return
        sockets = list(self.sockets.get(e.user_id, ()))
        if not sockets:
            self._previews[e.user_id] = preview_message(e)  # a desk opened in a moment still gets it
            return
        key = (e.user_id, f"preview-{e.lead_id}")

        async def deliver() -> None:
            principal = next((s.principal for s in sockets if not s.ending.is_set()), sockets[0].principal)
            try:
                message = await build_preview(self.lookups, principal, e)
            except Exception:  # the operator still sees whom the campaign calls next
                log.exception("preview of lead %s could not look up the dossier", e.lead_id)
                message = {**preview_message(e), "dossier_error": True}
            self._previews[e.user_id] = message
            for socket in sockets:
                socket.send(message)

        self._chain(key, deliver())

    def _after_pop(self, uid: int, linkedid: str, message: dict[str, Any]) -> None:
        key = (uid, linkedid)
        previous = self._chains.get(key)
        if previous is None or previous.done():
            self._to_user(uid, message)
            return

        async def later() -> None:
            with contextlib.suppress(Exception):
                await previous
            self._to_user(uid, message)

        self._chain(key, later())

    def _chain(self, key: tuple[int, str], work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._chains[key] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._chains.get(key) is done:
                del self._chains[key]

        task.add_done_callback(forget)
