"""One operator's figures that add up: over results, over days, over the kept days and the live ones."""

from __future__ import annotations

from typing import Any

from callcenter.models.metrics import COUNTERS


class Counters:
    """The counters of :data:`COUNTERS`, plus what depends on the result set: result contacts, answered calls
    without a result."""

    __slots__ = ("_values", "result_contacts", "without_result")

    def __init__(self) -> None:
        self._values = dict.fromkeys(COUNTERS, 0)
        self.result_contacts = 0
        self.without_result = 0

    def __getitem__(self, name: str) -> int:
        return self._values[name]

    def add(self, row: Any, *, counts_as_result: bool) -> None:
        """Add a row of counters for one result (``row.result_id``, 0 when none was set)."""
        for name in COUNTERS:
            self._values[name] += int(getattr(row, name) or 0)
        if counts_as_result:
            self.result_contacts += int(row.contacts)
        if not row.result_id:
            self.without_result += int(row.calls_answered)

    def average(self, name: str) -> float | None:
        """``<name>_total / <name>_n`` to a tenth; None when nothing was measured."""
        n = self._values[f"{name}_n"]
        return round(self._values[f"{name}_total"] / n, 1) if n else None
