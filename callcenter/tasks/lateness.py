"""How late a task is, in the buckets the manager's figures use for promised callbacks.

``not_due``: its due time has not come; ``late``: overdue by up to ``tails_days`` days; ``tail``: overdue by
more than that. A task without a due time is in no bucket. The dashboard counts with these conditions and the
task list filters with them, so a count and the list it opens always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_

from callcenter.models import Task

Bucket = Literal["not_due", "late", "tail"]
BUCKETS: tuple[Bucket, ...] = ("not_due", "late", "tail")


@dataclass(frozen=True, slots=True)
class Lateness:
    """A bucket as of ``now``, with the tails threshold in days."""

    bucket: Bucket
    now: datetime
    tails_days: int

    def condition(self) -> Any:
        return bucket_condition(self.bucket, now=self.now, tails_days=self.tails_days)


def bucket_condition(bucket: Bucket, *, now: datetime, tails_days: int) -> Any:
    """The SQL condition on :class:`Task` of ``bucket``; rows without a due time never match."""
    threshold = now - timedelta(days=tails_days)
    if bucket == "not_due":
        return Task.due_at >= now
    if bucket == "late":
        return and_(Task.due_at < now, Task.due_at >= threshold)
    if bucket == "tail":
        return Task.due_at < threshold
    raise ValueError(f"unknown bucket {bucket!r}")


def bucket_of(due_at: datetime | None, *, now: datetime, tails_days: int) -> Bucket | None:
    """The bucket of one due time, the same way :func:`bucket_condition` decides it."""
    if due_at is None:
        return None
    if due_at >= now:
        return "not_due"
    return "late" if due_at >= now - timedelta(days=tails_days) else "tail"
