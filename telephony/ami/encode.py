"""Serialising frames for the wire: ``Name: value`` lines and a blank line, CRLF throughout."""

from __future__ import annotations

from telephony.ami.frames import Frame

_FORBIDDEN = ("\r", "\n")


def _check(kind: str, text: str) -> None:
    # A CR or LF would end the line (or the whole frame) early: what follows would be read by
    # Asterisk as headers or as a second action of the sender's choosing.
    if "\r" in text or "\n" in text:
        raise ValueError(f"AMI header {kind} may not contain CR or LF: {text[:80]!r}")


def encode(frame: Frame) -> bytes:
    """The bytes of ``frame`` as Asterisk reads them; ``ValueError`` if a name or value could break framing.

    ``frame.output`` (a ``Command`` response's lines) goes out as ``Output:`` lines, as Asterisk 14
    and later send it.
    """
    if not frame.headers and not frame.output:
        raise ValueError("an AMI frame needs at least one header")
    lines = []
    for name, value in frame.headers:
        if not name or ":" in name or name != name.strip():
            raise ValueError(f"bad AMI header name: {name!r}")
        _check("name", name)
        _check("value", value)
        lines.append(f"{name}: {value}\r\n")
    for line in frame.output:
        _check("output line", line)
        lines.append(f"Output: {line}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")
