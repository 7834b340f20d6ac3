"""The AMI wire protocol as a sans-IO state machine: bytes in, frames out, no I/O and no asyncio.

The connection feeds whatever the socket gave it to ``AmiParser.feed`` and gets back the complete
frames. The parser works on whole buffers: one ``rfind`` for the last blank line, one ``decode`` and
one ``split`` for all the frames before it, then per frame one ``split_headers`` call that answers its
names and values (in C, ``telephony/ami/_split.c``, or its pure-Python twin ``split_headers_py`` where
the C part was not built). A per-byte or per-line loop in Python is what makes the usual Python AMI
libraries slow; one runs here only for a frame with a malformed line.

What it accepts, since real Asterisk sends all of it:
- the greeting line ``Asterisk Call Manager/X.Y.Z`` (kept in ``greeting``, not a frame);
- ``\\r\\n`` framing, and bare ``\\n`` too;
- ``Output:`` lines of a ``Command`` response (Asterisk 14 and later), gathered into ``Frame.output``;
- the older ``Response: Follows`` form: raw lines up to ``--END COMMAND--``, blank lines included;
- any bytes in values: whole frames are decoded, never a chunk's cut end, and invalid UTF-8 is
  replaced, so a character split across reads survives;
- unknown events: every frame comes out, the parser knows no event names.

Malformed input never raises: a line without a colon is skipped, a frame over ``max_frame`` bytes is
dropped up to the next blank line, and both are counted (``errors``) and logged. A header is split at
its first ``": "`` (``"Name:value"`` is tolerated); a name with a colon in it is not AMI and is not
recognised.

A ``Response: Follows`` frame runs to ``--END COMMAND--``, blank lines and all, but no further than the
next block that reads as a whole frame of its own: a block after a blank line whose first line is
``Event: `` or ``Response: `` and whose every line is a header. Asterisk never writes an event inside
a response, so such a block means the marker was lost (a truncated write, a misbehaving peer); the
body so far is closed as the frame, counted (``unterminated_follows``) and logged, and what follows
parses as usual. One left open with nothing behind it is the connection's to close after a short
wait (``follows_open``, ``close_follows``); the size bound stays the last resort.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterator
from itertools import repeat

from telephony.ami.frames import Frame

log = logging.getLogger(__name__)

GREETING_PREFIX = b"Asterisk Call Manager/"
DEFAULT_MAX_FRAME = 1024 * 1024
_FOLLOWS = b"Response: Follows"
_END_COMMAND = b"--END COMMAND--"
# How a block that ends an unterminated Follows body begins (see the module's docstring).
_FRAME_STARTS = (b"Event: ", b"Response: ")
# The headers a ``Response: Follows`` carries before its raw output starts.
_FOLLOWS_HEADERS = frozenset({"response", "privilege", "actionid", "message"})
_contains = operator.contains
_COLON_SPACE = repeat(": ")  # an endless, stateless argument stream for map()


def split_headers_py(text: str, newline: str) -> tuple[list[str], list[str]] | None:
    """Names and values of a frame whose every line holds ``": "`` (split at the first); else None.

    The pure-Python twin of the C ``telephony.ami._split.split_headers``, with the same results. When
    each line holds exactly one ``": "`` a single split cuts the frame into name, value, name, value...;
    a value holding ``": "`` takes a ``partition`` per line.
    """
    lines = text.split(newline)
    if not all(map(_contains, lines, _COLON_SPACE)):
        return None
    if text.count(": ") == len(lines):
        parts = text.replace(newline, ": ").split(": ")
        return parts[0::2], parts[1::2]
    cut = [line.partition(": ") for line in lines]
    return [name for name, _, _ in cut], [value for _, _, value in cut]


try:  # the C twin, built at install where a compiler is at hand (setup.py)
    # Re-exported by name: the speed benchmark swaps it for the twin to measure a build without C.
    from telephony.ami._split import split_headers as split_headers
except ImportError:  # pragma: no cover - depends on the install
    split_headers = split_headers_py


class AmiParser:
    """Incremental AMI parser. ``feed`` bytes as they arrive; it returns the frames they completed."""

    __slots__ = ("greeting", "max_frame", "malformed_lines", "oversized_frames", "unterminated_follows",
                 "follows_open", "_rest", "_want_greeting", "_skipping")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.greeting: str | None = None
        self.max_frame = max_frame
        self.malformed_lines = 0
        self.oversized_frames = 0
        self.unterminated_follows = 0
        # True while a ``Response: Follows`` waits for its end marker with nothing whole behind it.
        self.follows_open = False
        self._rest = b""
        self._want_greeting = True
        # True while dropping an oversized frame: everything up to the next blank line goes.
        self._skipping = False

    @property
    def errors(self) -> int:
        """How many malformed lines, oversized frames and unterminated Follows bodies were met so far."""
        return self.malformed_lines + self.oversized_frames + self.unterminated_follows

    def feed(self, data: bytes) -> Iterator[Frame]:
        """Take the next bytes from the stream; answer an iterator over the frames they completed.

        The bytes are cut into frames at once; each frame is parsed as the iterator reaches it, so a
        consumer taking frames one by one keeps them hot in the cache. Consume it before the next feed.
        """
        buf = self._rest + data if self._rest else bytes(data)
        if self._want_greeting:
            buf = self._take_greeting(buf)
            if self._want_greeting:
                self._rest = buf
                return iter(())
        cut = buf.rfind(b"\r\n\r\n")
        tail = buf[cut + 4 :] if cut >= 0 else buf
        if self._skipping or _FOLLOWS in buf or b"\n\n" in tail or b"\n\r\n" in tail:
            return self._feed_normalised(buf)
        # The common case, what Asterisk sends: CRLF framing, cut at the last blank line. The part
        # before it holds whole frames only, so it decodes at once without splitting a character.
        limit = self.max_frame
        if len(tail) > limit:
            self._oversized(len(tail))
            self._skipping = True
            tail = tail[-3:]
        self._rest = tail
        if cut < 0:
            return iter(())
        pieces = buf[:cut].decode("utf-8", "replace").split("\r\n\r\n")
        # A character is at most 4 bytes: only a frame this long in characters can be over in bytes.
        if max(map(len, pieces)) * 4 > limit:
            sizes = list(map(len, buf[:cut].split(b"\r\n\r\n")))
            if max(sizes) > limit:
                for size in sizes:
                    if size > limit:
                        self._oversized(size)
                pieces = [piece for piece, size in zip(pieces, sizes) if size <= limit]
        return self._frames(pieces, "\r\n")

    def _feed_normalised(self, buf: bytes) -> Iterator[Frame]:
        """The careful path: bare-LF framing, old-style command output, or an oversized frame to skip."""
        # Normalising line ends lets one split find every frame, whichever ending was used.
        # A lone trailing "\r" stays in the rest and pairs with the next chunk's "\n".
        buf = buf.replace(b"\r\n", b"\n")
        pieces = buf.split(b"\n\n")
        rest = pieces.pop()
        if self._skipping:
            if not pieces:
                self._rest = rest[-2:]
                return iter(())
            self._skipping = False
            del pieces[0]
        if _FOLLOWS in buf:
            rest = self._join_follows(pieces, rest)
            # A Follows left open is always the start of the rest: what came before it was whole.
            self.follows_open = rest.startswith(_FOLLOWS)
        else:
            self.follows_open = False
        limit = self.max_frame
        if pieces and max(map(len, pieces)) > limit:
            for piece in pieces:
                if len(piece) > limit:
                    self._oversized(len(piece))
            pieces = [piece for piece in pieces if len(piece) <= limit]
        if len(rest) > limit:
            self._oversized(len(rest))
            self._skipping = True
            self.follows_open = False
            rest = rest[-2:]
        self._rest = rest
        return self._frames([piece.decode("utf-8", "replace") for piece in pieces], "\n")

    def close_follows(self) -> Iterator[Frame]:
        """Close the open ``Response: Follows`` as a frame without its end marker; parsing goes on after it.

        For the connection, when the marker has not come within a short wait. A block that has begun
        to arrive after a blank line and starts as a frame does stays, to be completed by the next feed.
        """
        if not self.follows_open:
            return iter(())
        body, sep, last = self._rest.rpartition(b"\n\n")
        if sep and last.lstrip(b"\n").startswith(_FRAME_STARTS):
            self._rest = last
        else:
            body, self._rest = self._rest, b""
        self.follows_open = self._rest.startswith(_FOLLOWS)
        body = body.rstrip(b"\r\n")
        self._unterminated(body)
        return self._frames([body.decode("utf-8", "replace")], "\n")

    def _join_follows(self, pieces: list[bytes], rest: bytes) -> bytes:
        """Glue a ``Response: Follows`` frame back together: its raw output may hold blank lines.

        It ends with the piece holding ``--END COMMAND--``, or before a piece that is a frame of its own.
        """
        i = 0
        while i < len(pieces):
            if pieces[i].startswith(_FOLLOWS) and _END_COMMAND not in pieces[i]:
                end = i + 1
                while end < len(pieces) and _END_COMMAND not in pieces[end] and not _is_whole_frame(pieces[end]):
                    end += 1
                if end == len(pieces):
                    # Neither the marker nor a next frame has arrived yet: the whole frame waits in the rest.
                    rest = b"\n\n".join([*pieces[i:], rest])
                    del pieces[i:]
                    break
                if _END_COMMAND in pieces[end]:
                    pieces[i : end + 1] = [b"\n\n".join(pieces[i : end + 1])]
                else:
                    # The marker never came: the body ends where the next frame begins.
                    pieces[i:end] = [b"\n\n".join(pieces[i:end]).rstrip(b"\n")]
                    self._unterminated(pieces[i])
            i += 1
        return rest

    def _frames(self, texts: list[str], newline: str) -> Iterator[Frame]:
        crlf = newline == "\r\n"
        from_lists = Frame.from_lists
        for text in texts:
            if crlf and text.count("\n") > text.count("\r\n"):
                # A bare LF inside CRLF framing: read this part the careful way, maybe as several frames.
                yield from self._frames(text.replace("\r\n", "\n").split("\n\n"), "\n")
                continue
            # Only a response can carry command output: events skip both checks.
            response = text[:1] == "R"
            if response and text.startswith("Response: Follows"):
                yield self._parse_follows(text.replace("\r\n", "\n"))
                continue
            split = split_headers(text, newline)
            if split is not None:
                names, values = split
            else:
                names, values = self._parse_careful(text.split(newline))
                if not names:
                    continue
            if response and "Output" in names:
                output = tuple(value for name, value in zip(names, values) if name == "Output")
                kept = [i for i, name in enumerate(names) if name != "Output"]
                yield from_lists([names[i] for i in kept], [values[i] for i in kept], output)
                continue
            yield from_lists(names, values)

    def _take_greeting(self, buf: bytes) -> bytes:
        end = buf.find(b"\n")
        if end < 0:
            # Wait for the line's end only while it can still become the greeting.
            if (GREETING_PREFIX.startswith(buf) or buf.startswith(GREETING_PREFIX)) and len(buf) <= self.max_frame:
                return buf
            self._want_greeting = False
            return buf
        self._want_greeting = False
        if buf.startswith(GREETING_PREFIX):
            self.greeting = buf[:end].rstrip(b"\r").decode("utf-8", "replace")
            return buf[end + 1 :]
        return buf

    def _oversized(self, size: int) -> None:
        self.oversized_frames += 1
        log.warning("AMI frame of %d bytes exceeds the %d-byte bound; dropped", size, self.max_frame)

    def _parse_careful(self, lines: list[str]) -> tuple[list[str], list[str]]:
        names: list[str] = []
        values: list[str] = []
        for line in lines:
            name, sep, value = line.partition(": ")
            if not sep:
                # "Name:value" and "Name:" are tolerated; a line without any colon is not a header.
                name, sep, value = line.partition(":")
                if not sep:
                    if line:
                        self._malformed(line)
                    continue
            names.append(name)
            values.append(value)
        return names, values

    def _parse_follows(self, text: str) -> Frame:
        body, _, _ = text.partition(_END_COMMAND.decode())
        lines = body.split("\n")
        headers = []
        n = 0
        for line in lines:
            name, sep, value = line.partition(":")
            if not sep or name.lower() not in _FOLLOWS_HEADERS:
                break
            headers.append((name, value[1:] if value.startswith(" ") else value))
            n += 1
        output = lines[n:]
        # The marker sits on its own line; the empty piece before it is not output.
        if output and output[-1] == "":
            output.pop()
        return Frame(headers, output)

    def _unterminated(self, body: bytes) -> None:
        self.unterminated_follows += 1
        log.warning("AMI 'Response: Follows' without %r closed after %d bytes: %r", _END_COMMAND.decode(),
                    len(body), body[:200])

    def _malformed(self, line: str) -> None:
        self.malformed_lines += 1
        log.warning("malformed AMI header line skipped: %r", line[:200])


def _is_whole_frame(piece: bytes) -> bool:
    """Whether a block between blank lines reads as an event or a response of its own: it starts as one
    and every line of it is a header (command output with a blank line is rarely all headers). Extra
    blank lines before it are tolerated, as between any two frames."""
    piece = piece.lstrip(b"\n")
    return piece.startswith(_FRAME_STARTS) and all(b":" in line for line in piece.split(b"\n"))
