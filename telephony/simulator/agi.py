"""Calling a FastAGI server as Asterisk's ``AGI(agi://host:port/script)`` does: the ``agi_``
environment block, a blank line, then one ``200 result=1`` reply per command until the server closes
the connection. A server that is down or slow fails the step, never the call. The variables the
script set (``SET VARIABLE``) come back to the caller, which applies them to the channel as Asterisk
would: ``CALLERID(name)`` renames the caller, anything else is a channel variable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from telephony.simulator.channels import SimChannel

# A peer that never acknowledges a close must not hold up shutting down.
CLOSE_TIMEOUT = 2.0

log = logging.getLogger(__name__)


def environment(url: str, channel: SimChannel, dnid: str) -> bytes:
    """The ``agi_*`` block Asterisk 22 sends for ``channel`` (order as in the recorded sessions)."""
    parts = urlsplit(url)
    script = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    pairs = [
        ("network", "yes"), ("network_script", script), ("request", url), ("channel", channel.name),
        ("language", "en"), ("type", "PJSIP"), ("uniqueid", channel.uniqueid), ("version", "22.10.1"),
        ("callerid", channel.caller_num), ("calleridname", channel.caller_name), ("callingpres", "0"),
        ("callingani2", "0"), ("callington", "0"), ("callingtns", "0"), ("dnid", dnid), ("rdnis", "unknown"),
        ("context", channel.context), ("extension", channel.exten), ("priority", str(channel.priority)),
        ("enhanced", "0.0"), ("accountcode", channel.account), ("threadid", "140000000000000"),
    ]
    return "".join(f"agi_{name}: {value}\n" for name, value in pairs).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class AgiOutcome:
    status: str  # SUCCESS or FAILURE, what Asterisk puts in AGISTATUS
    variables: tuple[tuple[str, str], ...] = ()  # (name, value) in the order the script set them


def set_variable(command: str) -> tuple[str, str] | None:
    """``SET VARIABLE NAME "value"`` as ``(NAME, value)``; None for any other command."""
    words = command.split(" ", 3)
    if len(words) < 3 or words[0].upper() != "SET" or words[1].upper() != "VARIABLE":
        return None
    value = words[3] if len(words) == 4 else ""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return words[2], value


async def call_agi(url: str, channel: SimChannel, dnid: str, read_timeout: float = 1.0) -> AgiOutcome:
    """Run one FastAGI session: its status and the variables the script set."""
    parts = urlsplit(url)
    writer: asyncio.StreamWriter | None = None
    variables: list[tuple[str, str]] = []
    try:
        async with asyncio.timeout(read_timeout):
            reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4573)
        writer.write(environment(url, channel, dnid))
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), read_timeout)
            if not line:
                break
            command = line.decode("utf-8", "replace").strip()
            if not command:
                continue
            assignment = set_variable(command)
            if assignment is not None:
                variables.append(assignment)
            writer.write(b"200 result=1\n")
            await writer.drain()
            if command.upper().startswith("HANGUP"):
                break
        return AgiOutcome("SUCCESS", tuple(variables))
    except (OSError, TimeoutError) as exc:
        log.info("FastAGI %s failed: %s", url, exc)
        return AgiOutcome("FAILURE", tuple(variables))
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await writer.wait_closed()
