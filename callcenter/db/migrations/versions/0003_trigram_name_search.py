"""Trigram indexes for name-fragment search on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

``LIKE '%fragment%'`` cannot use a b-tree; on a million clients a trigram GIN index turns a
sequential scan into an index scan. SQLite has no such index and does not need one at its sizes.
Where the pg_trgm extension cannot be created (no privilege), search still works, only slower.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

INDEXES = {
    "ix_clients_name_search_trgm": "clients",
    "ix_contact_persons_name_search_trgm": "contact_persons",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm unavailable (%s); name search will not use an index", exc.orig)
        return
    savepoint.commit()
    for name, table in INDEXES.items():
        bind.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (name_search gin_trgm_ops)"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in INDEXES:
        bind.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
