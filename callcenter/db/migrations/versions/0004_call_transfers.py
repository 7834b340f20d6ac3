"""Who handed a call to whom: one row per transfer

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

A transferred call's row names only the operator who had it last; the hand-overs before, with their
times, are what per-operator talk time and "who passed this call on" are read from.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "call_transfers",
        sa.Column("call_id", BIG_ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("from_user_id", BIG_ID, nullable=True),
        sa.Column("to_user_id", BIG_ID, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name=op.f("fk_call_transfers_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_user_id"], ["users.id"], name=op.f("fk_call_transfers_from_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["to_user_id"], ["users.id"], name=op.f("fk_call_transfers_to_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_transfers")),
    )
    op.create_index("ix_call_transfers_call", "call_transfers", ["call_id", "position"], unique=True)
    op.create_index(op.f("ix_call_transfers_from_user_id"), "call_transfers", ["from_user_id"], unique=False)
    op.create_index(op.f("ix_call_transfers_to_user_id"), "call_transfers", ["to_user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("call_transfers")
