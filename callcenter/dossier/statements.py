"""The SQL of the dossier: one statement that finds the number's owner and assembles the whole dossier.

Every part of the dossier is a scalar subquery aggregating its rows into JSON inside the database
(see :mod:`callcenter.db.jsonsql`), so the cost does not grow with round trips or with the size of
the client's history. The client is chosen inside the statement too: among the clients owning the
number (directly, or through a contact person), the viewer's own come first, then the oldest phone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from callcenter.db.jsonsql import json_arr, obj
from callcenter.models import (
    Call,
    Claim,
    Client,
    ClientContact,
    ContactPerson,
    Deal,
    Disposition,
    Email,
    FunnelStage,
    Interaction,
    Phone,
    Task,
    User,
)
from callcenter.models.enums import ClaimStatus, DealStatus, TaskStatus

LAST_INTERACTIONS = 10
OPEN_ITEMS = 20
MAX_MATCHES = 10

_owner = aliased(User)
_actor = aliased(User)
_task_owner = aliased(User)
_match_client = aliased(Client)


def _list(columns: Any, source: Any) -> Any:
    """A scalar subquery aggregating ``columns`` over the rows of ``source`` (a subquery)."""
    return select(json_arr(obj(**{name: source.c[name] for name in columns}))).select_from(source).scalar_subquery()


def _interactions(client_id: Any) -> Any:
    rows = (
        select(
            Interaction.id,
            Interaction.kind,
            Interaction.direction,
            Interaction.status,
            Interaction.subject,
            Interaction.occurred_at,
            Interaction.duration_seconds,
            Interaction.notes,
            _actor.login.label("user_login"),
            _actor.full_name.label("user_name"),
            Disposition.code.label("result_code"),
            Disposition.name.label("result_name"),
            Disposition.counts_as_result.label("result_counts"),
            Call.outcome.label("call_outcome"),
            Call.talk_seconds.label("talk_seconds"),
        )
        .outerjoin(_actor, _actor.id == Interaction.user_id)
        .outerjoin(Disposition, Disposition.id == Interaction.disposition_id)
        .outerjoin(Call, Call.interaction_id == Interaction.id)
        .where(Interaction.client_id == client_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(LAST_INTERACTIONS)
        .subquery("i")
    )
    return _list(rows.c.keys(), rows)


def _tasks(client_id: Any) -> Any:
    rows = (
        select(Task.id, Task.kind, Task.title, Task.due_at, Task.origin, _task_owner.login.label("owner_login"))
        .outerjoin(_task_owner, _task_owner.id == Task.owner_id)
        .where(Task.client_id == client_id, Task.status == TaskStatus.OPEN)
        # NULLs last on both backends (SQLite sorts them first): dated callbacks must not be crowded out.
        .order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(OPEN_ITEMS)
        .subquery("t")
    )
    return _list(rows.c.keys(), rows)


def _deals(client_id: Any) -> Any:
    rows = (
        select(Deal.id, Deal.title, Deal.amount, Deal.currency, Deal.expected_close, FunnelStage.name.label("stage"))
        .join(FunnelStage, FunnelStage.id == Deal.stage_id)
        .where(Deal.client_id == client_id, Deal.status == DealStatus.OPEN)
        .order_by(Deal.id.desc())
        .limit(OPEN_ITEMS)
        .subquery("d")
    )
    return _list(rows.c.keys(), rows)


def _claims(client_id: Any) -> Any:
    rows = (
        select(Claim.id, Claim.subject, Claim.status, Claim.created_at)
        # Two plain comparisons rather than IN: an IN list is re-rendered into the SQL on every execution.
        .where(
            Claim.client_id == client_id,
            or_(Claim.status == ClaimStatus.OPEN, Claim.status == ClaimStatus.INVESTIGATING),
        )
        .order_by(Claim.id.desc())
        .limit(OPEN_ITEMS)
        .subquery("c")
    )
    return _list(rows.c.keys(), rows)


def _contacts(client_id: Any) -> Any:
    rows = (
        select(ContactPerson.id, ContactPerson.full_name, ContactPerson.position, ClientContact.role)
        .join(ClientContact, ClientContact.contact_id == ContactPerson.id)
        .where(ClientContact.client_id == client_id)
        .order_by(ContactPerson.id)
        .limit(OPEN_ITEMS)
        .subquery("p")
    )
    return _list(rows.c.keys(), rows)


def _phones(client_id: Any) -> Any:
    rows = select(Phone.e164, Phone.kind).where(Phone.client_id == client_id).order_by(Phone.id).subquery("ph")
    return _list(rows.c.keys(), rows)


def _emails(client_id: Any) -> Any:
    rows = select(Email.address).where(Email.client_id == client_id).order_by(Email.id).subquery("em")
    return _list(rows.c.keys(), rows)


def _dossier(client_id: Any, *extra: Any) -> Any:
    """The dossier of the client whose id ``client_id`` (a parameter or a subquery) names."""
    return (
        select(
            obj(
                id=Client.id,
                kind=Client.kind,
                name=Client.name,
                legal_form=Client.legal_form,
                tax_id=Client.tax_id,
                stage=Client.stage,
                abc_class=Client.abc_class,
                xyz_class=Client.xyz_class,
                potential=Client.potential,
                timezone=Client.timezone,
                notes=Client.notes,
                owner_id=_owner.id,
                owner_login=_owner.login,
                owner_name=_owner.full_name,
                owner_extension=_owner.extension,
            ).label("client"),
            _phones(client_id).label("phones"),
            _emails(client_id).label("emails"),
            _contacts(client_id).label("contacts"),
            _interactions(client_id).label("interactions"),
            _tasks(client_id).label("tasks"),
            _deals(client_id).label("deals"),
            _claims(client_id).label("claims"),
            *extra,
        )
        .outerjoin(_owner, _owner.id == Client.owner_id)
        .where(Client.id == client_id)
    )


# Who owns the number: its clients directly, or through the contact persons it belongs to.
_matches = (
    select(
        func.coalesce(Phone.client_id, ClientContact.client_id).label("client_id"),
        Phone.contact_id.label("contact_id"),
        Phone.id.label("phone_id"),
    )
    .outerjoin(ClientContact, and_(Phone.contact_id.is_not(None), ClientContact.contact_id == Phone.contact_id))
    .where(Phone.e164 == bindparam("e164"))
    .order_by(Phone.id)
    .limit(MAX_MATCHES)
    .cte("matches")
)
_owned_matches = _matches.join(_match_client, _match_client.id == _matches.c.client_id)

# The viewer's own client first (``viewer`` 0 when nobody's are preferred), then the oldest phone.
# A CTE, so that the choice is made once however many parts of the dossier refer to it.
_chosen_cte = (
    select(_matches.c.client_id)
    .select_from(_owned_matches)
    .order_by(case((_match_client.owner_id == bindparam("viewer"), 0), else_=1), _matches.c.phone_id)
    .limit(1)
    .cte("chosen")
)
_chosen = select(_chosen_cte.c.client_id).scalar_subquery()

_match_list = (
    select(
        json_arr(
            obj(
                client_id=_matches.c.client_id,
                contact_id=_matches.c.contact_id,
                phone_id=_matches.c.phone_id,
                owner_id=_match_client.owner_id,
            )
        )
    )
    .select_from(_owned_matches)
    .scalar_subquery()
)

BY_PHONE = _dossier(_chosen, _match_list.label("match_list"))
"""Parameters ``e164`` and ``viewer``; no row when no client owns the number."""

BY_CLIENT = _dossier(bindparam("client_id"))
"""Parameter ``client_id``; no row when there is no such client."""
