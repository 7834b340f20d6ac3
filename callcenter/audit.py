"""Recording writes in the audit log, inside the writer's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.models import AuditEntry
from callcenter.rows import plain as _plain


def changed_fields(obj: object) -> dict[str, list[Any]]:
    """``{column: [old, new]}`` for the columns changed on a loaded ORM object since it was loaded."""
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def entry(
    principal: Principal,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """An audit entry's columns, for :func:`record_many`."""
    return {
        "user_id": principal.user_id or None,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "changes": {k: _plain(v) if not isinstance(v, list) else [_plain(x) for x in v] for k, v in (changes or {}).items()},
        "ip": ip,
    }


def record(
    db: AsyncSession,
    principal: Principal,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Add an audit entry to the session; it commits (or rolls back) with the change it describes."""
    db.add(AuditEntry(**entry(principal, action, entity, entity_id, changes, ip)))


async def record_many(db: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Insert :func:`entry` rows in one statement, inside the writer's transaction."""
    if entries:
        await db.execute(insert(AuditEntry), entries)
