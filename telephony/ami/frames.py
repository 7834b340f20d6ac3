"""One AMI frame (an event, a response or an action) as an ordered list of headers.

Asterisk repeats some headers (``ChanVariable:`` several times in one event), so a frame keeps every
header in order; ``get`` answers the first, ``get_all`` all of them. Names are matched without regard
to case, as Asterisk itself reads them. ``output`` holds the lines of a ``Command`` response's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Frame:
    """An immutable AMI frame. Build it from ``(name, value)`` pairs in the order they arrived."""

    __slots__ = ("headers", "output", "_index")

    def __init__(self, headers: Iterable[tuple[str, str]], output: Iterable[str] = ()) -> None:
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
        self.output: tuple[str, ...] = tuple(output)
        self._index: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self.headers:
                index.setdefault(name.lower(), value)
            self._index = index
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
        return [value for key, value in self.headers if key.lower() == wanted]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.headers)

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
        return isinstance(other, Frame) and self.headers == other.headers and self.output == other.output

    def __hash__(self) -> int:
        return hash((self.headers, self.output))

    def __repr__(self) -> str:
        head = self.event or self.response or self.get("Action") or "?"
        return f"Frame({head!r}, {len(self.headers)} headers)"


def action(name: str, /, **headers: str | int) -> Frame:
    """An action frame: ``action("Originate", Channel="PJSIP/101", ActionID="a1")``."""
    return Frame([("Action", name), *((key, str(value)) for key, value in headers.items())])
