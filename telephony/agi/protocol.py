"""The FastAGI protocol as a sans-IO state machine: lines in, events out, no sockets inside.

Asterisk opens a session with ``agi_name: value`` lines ended by a blank line, then answers each
command with one line (``200 result=1 (data) endpos=0``, ``510 Invalid or unknown command``,
``511 ...`` on a dead channel) or, for bad syntax, a ``520-`` block of usage lines closed by a ``520 ``
line. A ``HANGUP`` line may arrive at any moment when the caller hangs up. Anything else is reported
as :class:`Malformed` and otherwise ignored, so one bad line never ends a session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

# Commands and values must stay on one line, and Asterisk's argument parser treats quotes and
# backslashes specially: these are removed from any value sent.
_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f]')
_RESULT = re.compile(r"result=(?P<result>\S*)(?:\s+\((?P<data>.*)\))?(?P<rest>.*)$")
_KEY_VALUE = re.compile(r"(\w+)=(\S*)")
# Every status code Asterisk's res_agi answers with; any other number is noise, not a reply.
REPLY_CODES = frozenset({200, 510, 511, 520})


@dataclass(frozen=True)
class Environment:
    """The ``agi_*`` variables that open a session (keys without the ``agi_`` prefix)."""

    variables: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.variables.get(name, default)


@dataclass(frozen=True)
class Reply:
    """Asterisk's answer to one command."""

    code: int
    result: str | None = None
    data: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    text: str = ""
    usage: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 200


@dataclass(frozen=True)
class Hangup:
    """The channel hung up (``HANGUP`` notification)."""


@dataclass(frozen=True)
class Malformed:
    """A line that fits nowhere; kept for the log."""

    line: str


Event = Environment | Reply | Hangup | Malformed


class State(Enum):
    ENVIRONMENT = "environment"
    READY = "ready"
    AWAITING_REPLY = "awaiting_reply"


class ProtocolError(RuntimeError):
    """The caller used the session out of order (a bug in the script, not bad input)."""


def quote(value: object, limit: int = 200) -> str:
    """``value`` as one double-quoted AGI argument, with characters that would break the line removed."""
    text = _UNSAFE.sub("", str(value))[:limit]
    return f'"{text}"'


def parse_reply(line: str) -> Reply | None:
    """One status line (``200 result=1 (x) endpos=5``) as a :class:`Reply`; None when it is not one."""
    head, _, rest = line.partition(" ")
    if len(head) != 3 or not head.isdigit() or int(head) not in REPLY_CODES:
        return None
    code = int(head)
    match = _RESULT.match(rest) if code == 200 else None
    if match is None:
        return Reply(code=code, text=rest)
    extra = dict(_KEY_VALUE.findall(match.group("rest")))
    return Reply(code=code, result=match.group("result"), data=match.group("data"), extra=extra, text=rest)


class AgiSession:
    """One FastAGI session seen from the server: feed it Asterisk's lines, ask it for command lines."""

    def __init__(self, max_usage_lines: int = 200) -> None:
        self.state = State.ENVIRONMENT
        self._env: dict[str, str] = {}
        self._usage: list[str] | None = None
        self._max_usage_lines = max_usage_lines
        self.hung_up = False

    def feed_line(self, raw: str) -> list[Event]:
        """Events produced by one line from Asterisk (with or without its line ending)."""
        line = raw.rstrip("\r\n")
        if line == "HANGUP":
            self.hung_up = True
            return [Hangup()]
        if self.state is State.ENVIRONMENT:
            return self._environment_line(line)
        if self._usage is not None:
            return self._usage_line(line)
        if line.startswith("520-"):
            self._usage = [line[4:]]
            return []
        reply = parse_reply(line)
        if reply is None or self.state is not State.AWAITING_REPLY:
            return [Malformed(line)]
        self.state = State.READY
        return [reply]

    def command(self, text: str) -> bytes:
        """The bytes to send for ``text``; the session then waits for its reply."""
        if self.state is not State.READY:
            raise ProtocolError(f"cannot send a command while {self.state.value}")
        if "\n" in text or "\r" in text:
            raise ProtocolError("a command must be one line")
        self.state = State.AWAITING_REPLY
        return (text + "\n").encode()

    def _environment_line(self, line: str) -> list[Event]:
        if line == "":
            if not self._env:
                # Stray blank lines before the block are not an empty environment.
                return []
            self.state = State.READY
            return [Environment(dict(self._env))]
        name, sep, value = line.partition(": ")
        if not sep or not name.startswith("agi_"):
            return [Malformed(line)]
        self._env[name[4:]] = value
        return []

    def _usage_line(self, line: str) -> list[Event]:
        assert self._usage is not None
        if line.startswith("520 "):
            usage, self._usage = tuple(self._usage), None
            if self.state is not State.AWAITING_REPLY:
                return [Malformed(line)]
            self.state = State.READY
            return [Reply(code=520, text=line[4:], usage=usage)]
        if len(self._usage) < self._max_usage_lines:
            self._usage.append(line)
        return []
