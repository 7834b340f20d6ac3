"""What one generated batch holds, and the id counters that tie its rows together.

Rows get their ids up front so that a batch can be written with plain multi-row inserts, parents
before children, without reading any id back from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

Row = dict[str, Any]

# Parents before children: the order rows are written in.
TABLES = (
    "clients", "contact_persons", "client_contacts", "phones", "emails",
    "interactions", "calls", "tasks", "deals", "sales", "claims",
)


@dataclass(frozen=True, slots=True)
class NextIds:
    """The next free id of every table with a surrogate key."""

    clients: int = 1
    contact_persons: int = 1
    phones: int = 1
    emails: int = 1
    interactions: int = 1
    calls: int = 1
    tasks: int = 1
    deals: int = 1
    sales: int = 1
    claims: int = 1

    def names(self) -> list[str]:
        return [f.name for f in fields(self)]


@dataclass(frozen=True, slots=True)
class Profile:
    """How much data each client gets."""

    # Expected phones per client beyond the first (some of them go to its contact persons).
    extra_phones: float = 0.6
    # Share of clients with a history (interactions, tasks, deals, sales, claims).
    history_share: float = 1.0


@dataclass(frozen=True, slots=True)
class Context:
    """Everything generation needs that is fixed for the whole run."""

    now: datetime
    operator_ids: tuple[int, ...]
    # Operator id → extension, for the caller and callee of demo calls.
    extensions: dict[int, str]
    # Who else creates tasks and handles claims (managers, supervisors).
    creator_ids: tuple[int, ...]
    dispositions: dict[str, int]
    stages: dict[str, int]
    profile: Profile = Profile()
    # The default region phone numbers are read with; other than RU, raw numbers carry +7.
    region: str = "RU"


@dataclass(slots=True)
class Batch:
    """Generated rows by table name, and the counters after them."""

    start: NextIds
    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in TABLES})
    counters: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.counters:
            self.counters = {name: getattr(self.start, name) for name in self.start.names()}

    def take(self, table: str) -> int:
        """Reserve the next id of ``table``."""
        value = self.counters[table]
        self.counters[table] = value + 1
        return value

    def add(self, table: str, row: Row) -> None:
        self.rows[table].append(row)

    @property
    def next_ids(self) -> NextIds:
        return replace(self.start, **self.counters)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}
