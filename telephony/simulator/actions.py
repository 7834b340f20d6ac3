"""Answering AMI actions as Asterisk 22 does (responses copied from the recorded traces)."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from telephony.ami.actions import md5_key
from telephony.ami.frames import Frame
from telephony.simulator.dialer import DialerOriginate
from telephony.simulator.outbound import OriginateRequest
from telephony.simulator.spy import SpyRequest, variables

if TYPE_CHECKING:
    from telephony.simulator.pbx import Pbx

Header = tuple[str, str]


class Session(Protocol):
    """What an action may change on the connection it came in on."""

    logged_in: bool
    events: bool
    challenge: str  # the last MD5 challenge handed out on this connection, "" before any

    def send(self, frame: Frame) -> None: ...


def _id(frame: Frame) -> list[Header]:
    action_id = frame.action_id
    return [("ActionID", action_id)] if action_id is not None else []


def respond(session: Session, frame: Frame, response: str, *headers: Header) -> None:
    session.send(Frame([("Response", response), *_id(frame), *headers]))


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def challenge(session: Session, frame: Frame) -> bool:
    """``Challenge`` (allowed before login, as in Asterisk): a random number to hash the secret with."""
    if (frame.get("AuthType") or "").lower() != "md5":
        respond(session, frame, "Error", ("Message", "Must specify AuthType"))
        return True
    session.challenge = str(secrets.randbelow(10**9))
    respond(session, frame, "Success", ("Challenge", session.challenge))
    return True


def _authentic(pbx: Pbx, session: Session, frame: Frame) -> bool:
    if frame.get("Username") != pbx.config.username:
        return False
    if (frame.get("AuthType") or "").lower() == "md5":
        if not session.challenge:
            return False
        # Bytes, since compare_digest refuses a str with non-ASCII characters (a hostile key).
        key = (frame.get("Key") or "").encode()
        return hmac.compare_digest(key, md5_key(session.challenge, pbx.config.secret).encode())
    return frame.get("Secret") == pbx.config.secret


def login(pbx: Pbx, session: Session, frame: Frame) -> bool:
    """Plain or MD5 login; a wrong secret is answered and the connection closed, as Asterisk does."""
    if not _authentic(pbx, session, frame):
        respond(session, frame, "Error", ("Message", "Authentication failed"))
        return False
    session.logged_in = True
    session.events = (frame.get("Events") or "on").strip().lower() not in ("off", "no", "0", "false")
    respond(session, frame, "Success", ("Message", "Authentication accepted"))
    if session.events:
        session.send(Frame([("Event", "FullyBooted"), ("Privilege", "system,all"), ("Uptime", "1"),
                            ("LastReload", "1"), ("Status", "Fully Booted")]))
    return True


async def _ping(pbx: Pbx, session: Session, frame: Frame) -> bool:
    respond(session, frame, "Success", ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))
    return True


async def _logoff(pbx: Pbx, session: Session, frame: Frame) -> bool:
    respond(session, frame, "Goodbye", ("Message", "Thanks for all the fish."))
    return False


async def _events(pbx: Pbx, session: Session, frame: Frame) -> bool:
    session.events = (frame.get("EventMask") or "on").strip().lower() not in ("off", "no", "0", "false")
    respond(session, frame, "Success", ("Events", "On" if session.events else "Off"))
    return True


_MAX_PUBLIC_UNIQUEID = 149  # Asterisk's AST_MAX_PUBLIC_UNIQUEID: longer ChannelIds are refused


async def _originate(pbx: Pbx, session: Session, frame: Frame) -> bool:
    channel = frame.get("Channel")
    if not channel:
        respond(session, frame, "Error", ("Message", "Channel not specified"))
        return True
    try:
        timeout = int(frame.get("Timeout") or "30000") / 1000
    except ValueError:
        timeout = 30.0
    request = OriginateRequest(channel, frame.get("Context") or "default", frame.get("Exten") or "s",
                               frame.get("CallerID") or "", timeout, frame.action_id)
    application = frame.get("Application")
    ids = (frame.get("ChannelId") or "", frame.get("OtherChannelId") or "")
    if any(len(given) > _MAX_PUBLIC_UNIQUEID for given in ids):
        respond(session, frame, "Error", ("Message", f"Uniqueid length exceeds maximum of {_MAX_PUBLIC_UNIQUEID}"))
        return True
    if application and application.lower() != "chanspy":
        respond(session, frame, "Error", ("Message", f"The simulator does not run {application} from an Originate"))
        return True
    respond(session, frame, "Success", ("Message", "Originate successfully queued"))
    if not application and channel.startswith("Local/") and channel.endswith(f"@{pbx.config.dialer_context}"):
        pbx.dial_campaign(DialerOriginate(request, frame.get("ChannelId"), frame.get("OtherChannelId"),
                                          variables(frame.get_all("Variable"))))
    elif application:
        pbx.spy(SpyRequest(request, frame.get("Data") or "", variables(frame.get_all("Variable"))))
    else:
        pbx.originate(request)
    return True


async def _redirect(pbx: Pbx, session: Session, frame: Frame) -> bool:
    name = frame.get("Channel") or ""
    if name in pbx.factory.live:
        respond(session, frame, "Success", ("Message", "Redirect successful"))
    else:
        respond(session, frame, "Error", ("Message", f"Channel does not exist: {name}"))
    return True


async def _hangup(pbx: Pbx, session: Session, frame: Frame) -> bool:
    name = frame.get("Channel") or ""
    if name in pbx.factory.live:
        respond(session, frame, "Success", ("Message", "Channel Hungup"))
        await pbx.hangup(name)
    else:
        respond(session, frame, "Error", ("Message", "No such channel"))
    return True


async def _setvar(pbx: Pbx, session: Session, frame: Frame) -> bool:
    """``Setvar`` on a channel (a global without one): the channel's dialplan sees it, and a VarSet says so."""
    variable = frame.get("Variable")
    if not variable:
        respond(session, frame, "Error", ("Message", "No variable specified"))
        return True
    name = frame.get("Channel")
    channel = pbx.factory.live.get(name) if name else None
    if name and channel is None:
        respond(session, frame, "Error", ("Message", "No such channel"))
        return True
    respond(session, frame, "Success", ("Message", "Variable Set"))
    if channel is not None:
        value = frame.get("Value") or ""
        channel.variables[variable] = value
        pbx.emit(Frame([("Event", "VarSet"), ("Privilege", "dialplan,all"), *channel.snapshot(),
                        ("Variable", variable), ("Value", value)]))
    return True


async def _queue_pause(pbx: Pbx, session: Session, frame: Frame) -> bool:
    paused = _true(frame.get("Paused"))
    queue = frame.get("Queue")
    update = None
    if not queue or queue == pbx.config.queue:
        update = pbx.queue.pause(frame.get("Interface") or "", paused, frame.get("Reason") or "", pbx.now())
    if update is None:
        respond(session, frame, "Error", ("Message", "Interface not found"))
        return True
    word = "paused" if paused else "unpaused"
    respond(session, frame, "Success", ("Message", f"Interface {word} successfully"))
    pbx.emit(update)
    return True


def _list(session: Session, frame: Frame, message: str, items: list[Frame], complete: str) -> None:
    respond(session, frame, "Success", ("EventList", "start"), ("Message", message))
    for item in items:
        session.send(item)
    session.send(Frame([("Event", complete), *_id(frame), ("EventList", "Complete"), ("ListItems", str(len(items)))]))


async def _core_show_channels(pbx: Pbx, session: Session, frame: Frame) -> bool:
    now = pbx.now()
    items = []
    for channel in pbx.factory.live.values():
        seconds = max(0, int(now - channel.created))
        duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        items.append(Frame([
            ("Event", "CoreShowChannel"), *_id(frame), *channel.snapshot(), ("Application", channel.application),
            ("ApplicationData", channel.app_data), ("Duration", duration), ("BridgeId", channel.bridge),
        ]))
    _list(session, frame, "Channels will follow", items, "CoreShowChannelsComplete")
    return True


async def _queue_status(pbx: Pbx, session: Session, frame: Frame) -> bool:
    queue = frame.get("Queue")
    wanted = not queue or queue == pbx.config.queue
    items = pbx.queue.status_events(frame.action_id, pbx.now()) if wanted else []
    _list(session, frame, "Queue status will follow", items, "QueueStatusComplete")
    return True


ACTIONS: dict[str, Callable[[Pbx, Session, Frame], Awaitable[bool]]] = {
    "ping": _ping,
    "logoff": _logoff,
    "events": _events,
    "originate": _originate,
    "redirect": _redirect,
    "hangup": _hangup,
    "setvar": _setvar,
    "queuepause": _queue_pause,
    "coreshowchannels": _core_show_channels,
    "queuestatus": _queue_status,
}


async def handle(pbx: Pbx, session: Session, frame: Frame) -> bool:
    """Answer one action; False when the connection must close afterwards."""
    name = frame.get("Action") or ""
    if name.lower() == "login":
        return login(pbx, session, frame)
    if name.lower() == "challenge":
        return challenge(session, frame)
    if not session.logged_in:
        respond(session, frame, "Error", ("Message", "Authentication Required"))
        return True
    action = ACTIONS.get(name.lower())
    if action is None:
        message = f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."
        respond(session, frame, "Error", ("Message", message))
        return True
    return await action(pbx, session, frame)
