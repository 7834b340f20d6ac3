"""Recording, changing, finding and deleting interactions.

Every role with ``work:write`` records interactions. Per-operator metrics count interactions by their user,
so an operator records only their own: naming another ``user_id`` on a new interaction, or changing the
``user_id`` of an existing one, is refused with 403; supervisors and above may record on someone's behalf
and move an interaction between users. An operator deletes only interactions they authored;
an interaction carrying a call (telephony facts from the PBX) is never deleted (409). A promised callback
(``callback_at``) becomes a callback task in the same commit as the interaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import load_attached, visible_attached
from callcenter.auth.principal import Permission, Principal
from callcenter.db.base import utcnow
from callcenter.errors import Conflict, Forbidden
from callcenter.interactions.schemas import InteractionFilter, InteractionIn, InteractionPatch
from callcenter.interactions.serialize import interaction_dicts
from callcenter.models import Call, Disposition, Interaction, Task, User
from callcenter.models.enums import InteractionKind, InteractionStatus, Role, TaskKind, TaskOrigin
from callcenter.ownership import require_own_work
from callcenter.references import Checks
from callcenter.rows import fetch_page, where_equal

REQUIRED = ("kind", "status", "subject", "occurred_at", "notes")
ON_BEHALF = "Operators record their own interactions; only a supervisor or above records one for another user."


async def load_interaction(db: AsyncSession, principal: Principal, interaction_id: int) -> Interaction:
    return await load_attached(db, principal, Interaction, interaction_id, "user_id", "interaction")


async def get_interaction(db: AsyncSession, principal: Principal, interaction_id: int) -> dict[str, Any]:
    principal.require(Permission.WORK_READ)
    found = await load_interaction(db, principal, interaction_id)
    return (await interaction_dicts(db, [found]))[0]


async def list_interactions(
    db: AsyncSession, principal: Principal, flt: InteractionFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first."""
    principal.require(Permission.WORK_READ)
    query = visible_attached(principal, select(Interaction), Interaction.client_id, Interaction.user_id)
    query = where_equal(query, (
        (Interaction.client_id, flt.client_id),
        (Interaction.user_id, flt.user_id),
        (Interaction.kind, flt.kind),
        (Interaction.direction, flt.direction),
        (Interaction.status, flt.status),
        (Interaction.disposition_id, flt.disposition_id),
    ))
    if flt.disposition is not None:
        query = query.where(
            Interaction.disposition_id.in_(select(Disposition.id).where(Disposition.code == flt.disposition))
        )
    if flt.from_ is not None:
        query = query.where(Interaction.occurred_at >= flt.from_)
    if flt.to is not None:
        query = query.where(Interaction.occurred_at < flt.to)
    if flt.team_id is not None:
        query = query.where(Interaction.user_id.in_(select(User.id).where(User.team_id == flt.team_id)))
    if flt.contacts_only:
        query = query.where(Interaction.status == InteractionStatus.DONE, Interaction.kind != InteractionKind.NOTE)
    if flt.has_result is not None:
        query = query.where(Interaction.disposition_id.is_not(None) if flt.has_result
                            else Interaction.disposition_id.is_(None))
    if flt.result_counts is not None:
        counting = Interaction.disposition_id.in_(select(Disposition.id).where(Disposition.counts_as_result))
        query = query.where(counting if flt.result_counts else ~counting | Interaction.disposition_id.is_(None))
    rows, total = await fetch_page(
        db, query, (Interaction.occurred_at.desc(), Interaction.id.desc()), limit=limit, offset=offset
    )
    return await interaction_dicts(db, rows), total


async def create_interaction(
    db: AsyncSession, principal: Principal, data: InteractionIn, ip: str | None = None
) -> dict[str, Any]:
    """Validate every field and reference, then write the interaction (and its callback task) in one commit."""
    principal.require(Permission.WORK_WRITE)
    checks = Checks(db, principal)
    user_id = data.user_id if data.user_id is not None else (principal.user_id or None)
    occurred_at = data.occurred_at or utcnow()
    await checks.client(data.client_id)
    await checks.user(data.user_id, "user_id")
    if principal.role == Role.OPERATOR and user_id != principal.user_id:
        checks.refuse(ON_BEHALF)
    await checks.contact(data.contact_id, data.client_id)
    await checks.disposition(data.disposition_id)
    if data.callback_at is not None:
        if data.client_id is None:
            checks.fail("callback_at", "a callback needs client_id")
        elif data.callback_at < occurred_at:
            checks.fail("callback_at", "must not be earlier than the interaction")
    checks.done()
    interaction = Interaction(
        **data.model_dump(exclude={"callback_at", "user_id", "occurred_at"}), user_id=user_id, occurred_at=occurred_at
    )
    db.add(interaction)
    await db.flush()
    changes = {"kind": data.kind.value, "client_id": data.client_id, "disposition_id": data.disposition_id}
    if data.callback_at is not None:
        task = Task(
            kind=TaskKind.CALLBACK,
            title=f"Call back: {data.subject}" if data.subject else "Call back",
            owner_id=user_id,
            client_id=data.client_id,
            contact_id=data.contact_id,
            interaction_id=interaction.id,
            due_at=data.callback_at,
            origin=TaskOrigin.PROMISED_CALLBACK,
            created_by_id=principal.user_id or None,
        )
        db.add(task)
        await db.flush()
        changes["callback_task_id"] = task.id
        audit.record(db, principal, "create", "task", task.id, {"kind": "callback", "due_at": data.callback_at}, ip)
    audit.record(db, principal, "create", "interaction", interaction.id, changes, ip)
    await db.commit()
    result = (await interaction_dicts(db, [interaction]))[0]
    result["callback_task_id"] = changes.get("callback_task_id")
    return result


async def update_interaction(
    db: AsyncSession, principal: Principal, interaction_id: int, patch: InteractionPatch, ip: str | None = None
) -> dict[str, Any]:
    principal.require(Permission.WORK_WRITE)
    interaction = await load_interaction(db, principal, interaction_id)
    # The wrap-up's rule: the call's operator when there is a call, else the interaction's user.
    operator_id = await db.scalar(select(Call.operator_id).where(Call.interaction_id == interaction.id))
    require_own_work(principal, interaction.user_id if operator_id is None else operator_id,
                     "Operators change only their own interactions; a supervisor changes anyone's.")
    checks = Checks(db, principal)
    checks.not_null(patch, REQUIRED)
    if "user_id" in patch.model_fields_set:
        await checks.user(patch.user_id, "user_id")
        if principal.role == Role.OPERATOR and patch.user_id != interaction.user_id:
            checks.refuse(ON_BEHALF)
    if "contact_id" in patch.model_fields_set:
        await checks.contact(patch.contact_id, interaction.client_id)
    if patch.disposition_id is not None and patch.disposition_id != interaction.disposition_id:
        await checks.disposition(patch.disposition_id)
    checks.done()
    for name in patch.model_fields_set:
        setattr(interaction, name, getattr(patch, name))
    audit.record(db, principal, "update", "interaction", interaction.id, audit.changed_fields(interaction), ip)
    await db.commit()
    return (await interaction_dicts(db, [interaction]))[0]


async def delete_interaction(db: AsyncSession, principal: Principal, interaction_id: int, ip: str | None = None) -> None:
    principal.require(Permission.WORK_WRITE)
    interaction = await load_interaction(db, principal, interaction_id)
    if principal.role == Role.OPERATOR and interaction.user_id != principal.user_id:
        raise Forbidden("Operators delete only the interactions they recorded.")
    if await db.scalar(select(Call.id).where(Call.interaction_id == interaction.id)) is not None:
        raise Conflict("This interaction records a call from the PBX; calls are kept.")
    audit.record(
        db, principal, "delete", "interaction", interaction.id,
        {"kind": interaction.kind.value, "client_id": interaction.client_id, "occurred_at": interaction.occurred_at},
        ip,
    )
    await db.delete(interaction)
    await db.commit()
