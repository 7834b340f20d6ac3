"""The calls going on, kept for a restarted connector (live_calls), and calls the logger could not write
(unlogged_calls)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_calls",
        sa.Column("pbx", sa.String(length=200), nullable=False),
        sa.Column("linkedid", sa.String(length=150), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pbx", "linkedid", name=op.f("pk_live_calls")),
    )
    op.create_table(
        "unlogged_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("linkedid", sa.String(length=150), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unlogged_calls")),
    )
    op.create_index("ix_unlogged_calls_at", "unlogged_calls", ["at"])


def downgrade() -> None:
    op.drop_index("ix_unlogged_calls_at", table_name="unlogged_calls")
    op.drop_table("unlogged_calls")
    op.drop_table("live_calls")
