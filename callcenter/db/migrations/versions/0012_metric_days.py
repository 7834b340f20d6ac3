"""The manager's figures kept per operator and day, and an index to find contacts changed since

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "metric_days",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("result_id", BIG_ID, nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in (
            "contacts", "client_contacts", "calls", "calls_inbound", "calls_outbound", "calls_answered", "calls_missed")],
        sa.Column("talk_total", sa.BigInteger(), nullable=False),
        sa.Column("talk_n", sa.Integer(), nullable=False),
        sa.Column("wait_total", sa.BigInteger(), nullable=False),
        sa.Column("wait_n", sa.Integer(), nullable=False),
        sa.Column("ring_total", sa.BigInteger(), nullable=False),
        sa.Column("ring_n", sa.Integer(), nullable=False),
        sa.Column("wrapup_total", sa.BigInteger(), nullable=False),
        sa.Column("wrapup_n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "user_id", "result_id", name=op.f("pk_metric_days")),
    )
    op.create_table(
        "metric_day_clients",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", BIG_ID, nullable=False),
        sa.Column("client_id", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("zone", "day", "user_id", "client_id", name=op.f("pk_metric_day_clients")),
    )
    op.create_table(
        "metric_rollups",
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("rolled_to", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("zone", name=op.f("pk_metric_rollups")),
    )
    op.create_index("ix_interactions_updated", "interactions", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_interactions_updated", table_name="interactions")
    op.drop_table("metric_rollups")
    op.drop_table("metric_day_clients")
    op.drop_table("metric_days")
