"""What an AMI action comes back as, the errors the client raises, and the login frames.

An action is answered by one response frame; an event-list action (``CoreShowChannels``,
``QueueStatus``...) by a response with ``EventList: start``, events carrying the same ``ActionID``,
and a closing event with ``EventList: Complete``. Both come back as one :class:`ActionResult`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from telephony.ami.frames import Frame, action


class AmiError(Exception):
    """Something went wrong talking to Asterisk."""


class NotConnected(AmiError):
    """An action was sent while there was no logged-in connection."""


class ConnectionLost(AmiError):
    """The connection dropped before the action was answered."""


class ActionTimeout(AmiError):
    """Asterisk did not answer an action in time."""


class LoginFailed(AmiError):
    """Asterisk refused the login (wrong user or secret, or an address not permitted)."""


class ActionFailed(AmiError):
    """Asterisk answered an action with ``Response: Error``."""

    def __init__(self, name: str, response: Frame) -> None:
        self.response = response
        super().__init__(f"AMI action {name} failed: {response.get('Message') or 'no message'}")


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The response to one action and, for an event-list action, its events (without the closing one)."""

    response: Frame
    events: tuple[Frame, ...] = ()
    complete: Frame | None = None  # the ``EventList: Complete`` event, when there was a list

    @property
    def ok(self) -> bool:
        return (self.response.response or "").lower() in {"success", "follows", "goodbye"}

    @property
    def output(self) -> tuple[str, ...]:
        """A ``Command`` action's output lines."""
        return self.response.output


@dataclass(slots=True)
class Pending:
    """An action waiting for its answer; ``listing`` once its response said ``EventList: start``."""

    name: str
    response: Frame | None = None
    events: list[Frame] = field(default_factory=list)
    listing: bool = False


@dataclass(frozen=True, slots=True)
class Connected:
    """Queued after every successful login, ahead of that connection's events: time to reconcile."""

    attempt: int  # 1 for the first connection, then one more per reconnect


@dataclass(slots=True)
class Gap:
    """Queued where frames had to be dropped: the tracker's picture is stale and needs a reconcile."""

    dropped: int  # frames lost at this point (grows while the run of drops goes on)


def is_list_start(frame: Frame) -> bool:
    return (frame.get("EventList") or "").lower() == "start"


def is_list_end(frame: Frame) -> bool:
    return (frame.get("EventList") or "").lower() == "complete"


def md5_key(challenge: str, secret: str) -> str:
    """The ``Key`` of an MD5 login: md5(challenge + secret) in hex, as Asterisk computes it."""
    return hashlib.md5((challenge + secret).encode("utf-8"), usedforsecurity=False).hexdigest()


def plain_login(username: str, secret: str) -> Frame:
    # Events stay off until the client has queued its Connected marker (see AmiClient._login).
    return action("Login", Username=username, Secret=secret, Events="off")


def md5_login(username: str, challenge: str, secret: str) -> Frame:
    return action("Login", AuthType="MD5", Username=username, Key=md5_key(challenge, secret), Events="off")
