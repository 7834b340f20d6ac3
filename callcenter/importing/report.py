"""What an import answers: how many rows came in, which were refused and why, which were there already."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ImportMode(StrEnum):
    ATOMIC = "atomic"  # any bad row: nothing is written
    GOOD_ROWS = "good_rows"  # good rows are written, bad ones reported


class OnDuplicate(StrEnum):
    SKIP = "skip"  # a row that looks like an existing client (or an earlier row) is reported, not written
    CREATE = "create"  # such a row is written anyway


@dataclass(slots=True)
class RowError:
    """One reason a row was refused. ``row`` is the row number a person sees (the header is row 1);
    ``field`` is the canonical column name (``name``, ``tax_id``, ``phones``, ``contact_phone``...)."""

    row: int
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    """``skipped`` counts rows not written: the bad ones and the ``duplicates``, or every row when an atomic
    import is refused. ``duplicates`` are rows that were imported before (a sale whose external_ref is in
    the base): skipped without being errors, so that they never make an atomic import fail."""

    total_rows: int
    imported: int
    skipped: int
    errors: list[RowError]
    committed: bool
    ignored_columns: list[str] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "bad_rows": self.bad_rows,
            "committed": self.committed,
            "errors": [asdict(e) for e in self.errors],
            "ignored_columns": list(self.ignored_columns),
            "duplicates": [asdict(e) for e in self.duplicates],
        }
