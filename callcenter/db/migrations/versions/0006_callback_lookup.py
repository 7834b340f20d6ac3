"""Indexes for finding a missed call's open callback

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Logging a missed call looks for the callback it joins: by the call's interaction, or for an unknown
number by the task's title among callbacks with no client. Without these indexes both lookups walked
every open task, which cost milliseconds a call on a base of a million clients.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tasks_interaction_id", "tasks", ["interaction_id"], unique=False)
    op.create_index("ix_tasks_client_title", "tasks", ["client_id", "title"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_client_title", table_name="tasks")
    op.drop_index("ix_tasks_interaction_id", table_name="tasks")
