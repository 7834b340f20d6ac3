"""Background jobs (transcriptions, scheduled reports): a queue kept in the CRM's own database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow
from callcenter.models._types import JsonDoc, enum_column_type
from callcenter.models.enums import JobStatus


class Job(IdMixin, TimestampMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_after"),)

    kind: Mapped[str] = mapped_column(String(60))
    # One job per key at most (``transcribe:call:42``): enqueueing the same work twice finds the first.
    key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    payload: Mapped[dict[str, object]] = mapped_column(JsonDoc, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column_type(JobStatus, "job_status"), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The worker running it, and until when it holds the job: a worker that stops without a word lets
    # its lease run out, and the job is taken again.
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
