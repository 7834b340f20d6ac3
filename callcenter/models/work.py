"""Tasks and callbacks, deals and their funnel, sales, and claims."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, IdMixin, TimestampMixin, UTCDateTime
from callcenter.models._types import enum_column_type
from callcenter.models.enums import ClaimStatus, DealStatus, TaskKind, TaskOrigin, TaskStatus


class Task(IdMixin, TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status_due", "status", "due_at"),
        Index("ix_tasks_client_status", "client_id", "status"),
        Index("ix_tasks_owner_status", "owner_id", "status"),
        Index("ix_tasks_interaction_id", "interaction_id"),
        # An unknown number's open callback is found by its title among the tasks with no client.
        Index("ix_tasks_client_title", "client_id", "title"),
    )

    kind: Mapped[TaskKind] = mapped_column(enum_column_type(TaskKind, "task_kind"), default=TaskKind.TASK)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    client_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"), nullable=True)
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="SET NULL"), nullable=True
    )
    interaction_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column_type(TaskStatus, "task_status"), default=TaskStatus.OPEN)
    origin: Mapped[TaskOrigin] = mapped_column(enum_column_type(TaskOrigin, "task_origin"), default=TaskOrigin.MANUAL)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the team's policy last handed an overdue callback on: its lateness counts again from here.
    reassigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class FunnelStage(IdMixin, Base):
    __tablename__ = "funnel_stages"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)


class Deal(IdMixin, TimestampMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_client_status", "client_id", "status"),)

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    stage_id: Mapped[int] = mapped_column(BigId, ForeignKey("funnel_stages.id", ondelete="RESTRICT"), index=True)
    status: Mapped[DealStatus] = mapped_column(enum_column_type(DealStatus, "deal_status"), default=DealStatus.OPEN)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    expected_close: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lost_reason: Mapped[str] = mapped_column(String(300), default="")


class Sale(IdMixin, Base):
    """A completed sale; the input of ABC/XYZ classes."""

    __tablename__ = "sales"
    __table_args__ = (Index("ix_sales_client_date", "client_id", "sold_on"),)

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("deals.id", ondelete="SET NULL"), nullable=True)
    sold_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    margin: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    product: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)


class Claim(IdMixin, TimestampMixin, Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_client_status", "client_id", "status"),)

    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("clients.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contact_persons.id", ondelete="SET NULL"), nullable=True
    )
    interaction_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("interactions.id", ondelete="SET NULL"), nullable=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ClaimStatus] = mapped_column(
        enum_column_type(ClaimStatus, "claim_status"), default=ClaimStatus.OPEN
    )
    investigation: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
