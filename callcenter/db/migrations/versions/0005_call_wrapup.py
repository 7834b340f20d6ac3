"""The wrap-up of a call: when its result was saved, how long it took, and results never set

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

After an answered call the operator sets its result. ``result_at`` is when that was saved,
``wrapup_seconds`` the time from the call's end to the first result, and ``result_missing`` marks a call
whose result window passed without one (metrics count them as "no result set").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("result_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("wrapup_seconds", sa.Integer(), nullable=True))
        # Calls logged before this migration had no result window: they are not "missing" a result.
        batch.add_column(sa.Column("result_missing", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_calls_result_pending", "calls", ["result_missing", "result_at", "answered_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_calls_result_pending", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("result_missing")
        batch.drop_column("wrapup_seconds")
        batch.drop_column("result_at")
