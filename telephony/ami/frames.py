"""One AMI frame (an event, a response or an action) as an ordered list of headers.

Asterisk repeats some headers (``ChanVariable:`` several times in one event), so a frame keeps every
header in order; ``get`` answers the first, ``get_all`` all of them. Names are matched without regard
to case, as Asterisk itself reads them. ``output`` holds the lines of a ``Command`` response's output.

A frame keeps its names and values in two parallel lists because that is how the parser cuts them
out of the stream (one split per frame, see ``telephony.ami.protocol``): pairing them up front would
cost a tuple per header on the hot path, for the few readers that want pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

_lower = str.lower


class Frame:
    """An AMI frame; treat it as immutable. Build it from ``(name, value)`` pairs in arrival order."""

    __slots__ = ("names", "values", "output", "_index")

    names: Sequence[str]
    values: Sequence[str]

    def __init__(self, headers: Iterable[tuple[str, str]] = (), output: Iterable[str] = ()) -> None:
        pairs = tuple(headers)
        self.names = [name for name, _ in pairs]
        self.values = [value for _, value in pairs]
        self.output: tuple[str, ...] = tuple(output)
        self._index: dict[str, str] | None = None

    @classmethod
    def from_lists(cls, names: list[str], values: list[str], output: tuple[str, ...] = ()) -> Frame:
        """A frame over the parser's own lists of names and values (same length, taken over, not copied)."""
        frame = cls.__new__(cls)
        frame.names = names
        frame.values = values
        frame.output = output
        frame._index = None
        return frame

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """Every ``(name, value)`` pair, in order."""
        return tuple(zip(self.names, self.values))

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            # Built back to front so that the first of a repeated header wins, all in C.
            index = self._index = dict(zip(map(_lower, reversed(self.names)), reversed(self.values)))
        return index

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (any case), or ``default``."""
        return self._lookup().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        value = self._lookup().get(name.lower())
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def get_all(self, name: str) -> list[str]:
        """Every value of a repeated header, in order."""
        wanted = name.lower()
        return [value for key, value in zip(self.names, self.values) if key.lower() == wanted]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return zip(self.names, self.values)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def event(self) -> str | None:
        """The event name (``Newchannel``), or None when this is not an event."""
        return self.get("Event")

    @property
    def response(self) -> str | None:
        """``Success``, ``Error``, ``Follows``..., or None when this is not a response."""
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Frame) and list(self.names) == list(other.names)
                and list(self.values) == list(other.values) and self.output == other.output)

    def __hash__(self) -> int:
        return hash((tuple(self.names), tuple(self.values), self.output))

    def __repr__(self) -> str:
        head = self.event or self.response or self.get("Action") or "?"
        return f"Frame({head!r}, {len(self.names)} headers)"


def action(name: str, /, **headers: str | int) -> Frame:
    """An action frame: ``action("Originate", Channel="PJSIP/101", ActionID="a1")``."""
    return Frame([("Action", name), *((key, str(value)) for key, value in headers.items())])
