"""Indexes for the call logger's callback lookups and for the results sweeper

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Logging a missed call looks for the callback it joins: by the call's interaction, or for an unknown
number by the task's title among callbacks with no client. Without these indexes both lookups walked
every open task, which cost milliseconds a call on a base of a million clients.

The results sweeper looks every 30 seconds for answered calls still waiting for their result. The index
0005 gave it (result_missing, result_at, answered_at) matched every call ever answered without a
``result_at``, which is every call logged before 0005 or imported: a sequential scan of the calls and a
hash of the interactions, 650 ms of a core every round on a base of 800,000 calls. The sweeper now looks
only at calls that ended within a day of their window (``callcenter.calls.wrapup``), through a partial
index on ``ended_at`` of the calls awaiting a result.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


AWAITING_RESULT = "result_missing IS false AND result_at IS NULL AND answered_at IS NOT NULL AND operator_id IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_tasks_interaction_id", "tasks", ["interaction_id"], unique=False)
    op.create_index("ix_tasks_client_title", "tasks", ["client_id", "title"], unique=False)
    op.drop_index("ix_calls_result_pending", table_name="calls")
    op.create_index("ix_calls_awaiting_result", "calls", ["ended_at"], unique=False,
                    postgresql_where=sa.text(AWAITING_RESULT), sqlite_where=sa.text(AWAITING_RESULT))


def downgrade() -> None:
    op.drop_index("ix_calls_awaiting_result", table_name="calls")
    op.create_index("ix_calls_result_pending", "calls", ["result_missing", "result_at", "answered_at"], unique=False)
    op.drop_index("ix_tasks_client_title", table_name="tasks")
    op.drop_index("ix_tasks_interaction_id", table_name="tasks")
