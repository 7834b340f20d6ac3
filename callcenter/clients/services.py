"""Creating, changing, reading, listing and deleting clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.access import load_client
from callcenter.access import visible_clients as visible
from callcenter.auth.principal import Permission, Principal
from callcenter.clients.duplicates import find_duplicates
from callcenter.clients.schemas import ClientIn, ClientPatch
from callcenter.clients.serialize import client_dict
from callcenter.clients.validation import CleanPhone, check_owner, clean_emails, clean_phones, clean_tax_id
from callcenter.contacts.services import add_contact_in
from callcenter.db.base import utcnow
from callcenter.deals.stages import NO_OPEN_DEAL, furthest_open_stage
from callcenter.errors import DuplicateClient, Forbidden, ValidationFailed
from callcenter.models import Client, ClientContact, ContactPerson, Email, Phone, Sale, StageChange, User
from callcenter.models.enums import Stage
from callcenter.names import duplicate_key, like_fragment, search_form, split_legal_form
from callcenter.ownership import require_owner_change
from callcenter.phones import try_e164

UNCLASSED = "none"


def slipping(since: date) -> Any:
    """One-time and regular clients whose last sale is before ``since`` (see :mod:`callcenter.analytics.stages`)."""
    faded = select(Sale.client_id).group_by(Sale.client_id).having(func.max(Sale.sold_on) < since)
    return Client.stage.in_((Stage.ONE_TIME, Stage.REGULAR)) & Client.id.in_(faded)


@dataclass(frozen=True, slots=True)
class ClientFilter:
    q: str | None = None
    owner_id: int | None = None
    stage: str | None = None
    abc_class: str | None = None  # a class, or "none": not classified
    xyz_class: str | None = None  # likewise
    team_id: int | None = None  # owned by a member of this team
    kind: str | None = None
    # A funnel stage code: the client's furthest open deal is at that stage; "none": the client has no open deal.
    deal_stage: str | None = None
    # Slipping toward lost: a one-time or regular client whose last sale is before this day.
    slipping_since: date | None = None


async def _phones_emails(db: AsyncSession, client_ids: list[int]) -> tuple[dict[int, list[Phone]], dict[int, list[Email]]]:
    phones: dict[int, list[Phone]] = {cid: [] for cid in client_ids}
    emails: dict[int, list[Email]] = {cid: [] for cid in client_ids}
    if client_ids:
        for phone in await db.scalars(select(Phone).where(Phone.client_id.in_(client_ids)).order_by(Phone.id)):
            phones[phone.client_id].append(phone)  # type: ignore[index]
        for email in await db.scalars(select(Email).where(Email.client_id.in_(client_ids)).order_by(Email.id)):
            emails[email.client_id].append(email)  # type: ignore[index]
    return phones, emails


async def get_client(db: AsyncSession, principal: Principal, client_id: int) -> dict[str, Any]:
    principal.require(Permission.CLIENTS_READ)
    client = await load_client(db, principal, client_id)
    phones, emails = await _phones_emails(db, [client.id])
    return client_dict(client, phones[client.id], emails[client.id])


def _name_fields(name: str, legal_form: str | None) -> dict[str, Any]:
    found_form, bare = split_legal_form(name)
    return {
        "name": name,
        "legal_form": legal_form or found_form,
        "name_search": search_form(name),
        "name_key": duplicate_key(bare if found_form else name),
    }


def client_columns(data: ClientIn, *, tax_id: str | None, owner_id: int | None) -> dict[str, Any]:
    """The ``clients`` row of an already-validated client: for one client here, for many at once on import."""
    return {
        "kind": data.kind,
        "tax_id": tax_id,
        "addresses": [a.model_dump() for a in data.addresses],
        "notes": data.notes,
        "custom": dict(data.custom),
        "owner_id": owner_id,
        "stage": data.stage,
        "abc_class": data.abc_class,
        "xyz_class": data.xyz_class,
        "potential": data.potential,
        "timezone": data.timezone,
        "tags": list(dict.fromkeys(data.tags)),
        "calls_consent_withdrawn_at": utcnow() if data.calls_consent_withdrawn else None,
        **_name_fields(data.name, data.legal_form),
    }


def _consent_audit(db: AsyncSession, principal: Principal, client: Client, withdrawn: bool, ip: str | None) -> None:
    """Withdrawing (or restoring) consent to calls gets an entry of its own, findable by its action."""
    action = "withdraw-consent" if withdrawn else "restore-consent"
    audit.record(db, principal, action, "client", client.id, {"calls_consent_withdrawn_at": client.calls_consent_withdrawn_at}, ip)


def _set_consent(client: Client, withdrawn: bool) -> bool:
    """Record the client's answer; True when it changed. A second withdrawal keeps the first one's time."""
    if withdrawn == (client.calls_consent_withdrawn_at is not None):
        return False
    client.calls_consent_withdrawn_at = utcnow() if withdrawn else None
    return True


async def create_client(
    db: AsyncSession, principal: Principal, data: ClientIn, *, region: str, force: bool = False, ip: str | None = None
) -> dict[str, Any]:
    """Validate everything first, then write the client with its phones, e-mails and contacts in one commit."""
    principal.require(Permission.CLIENTS_WRITE)
    errors: dict[str, str] = {}
    phones = clean_phones(data.phones, region, "phones", errors)
    emails = clean_emails([str(e) for e in data.emails])
    tax_id = clean_tax_id(data.tax_id, "tax_id", errors)
    owner_id = data.owner_id if data.owner_id is not None else (principal.user_id or None)
    await check_owner(db, owner_id, "owner_id", errors)
    contact_phones = [clean_phones(c.phones, region, f"contacts.{i}.phones", errors) for i, c in enumerate(data.contacts)]
    if errors:
        raise ValidationFailed(errors)
    if principal.own_clients_only and owner_id != principal.user_id:
        raise Forbidden("Operators restricted to their own clients can only create clients they own.")
    require_owner_change(principal, None, owner_id, "client")
    fields = _name_fields(data.name, data.legal_form)
    if not force:
        candidates = await find_duplicates(
            db,
            name_key=fields["name_key"],
            tax_id=tax_id,
            phones=[p.e164 for p in phones] + [p.e164 for ps in contact_phones for p in ps],
            emails=emails,
        )
        if candidates:
            raise DuplicateClient(await _masked(db, principal, candidates))
    client = Client(**client_columns(data, tax_id=tax_id, owner_id=owner_id))
    db.add(client)
    await db.flush()
    _add_phones(db, client.id, phones)
    for address in emails:
        db.add(Email(client_id=client.id, address=address))
    for contact, cphones in zip(data.contacts, contact_phones):
        await add_contact_in(db, client.id, contact, cphones)
    audit.record(db, principal, "create", "client", client.id, {"name": data.name}, ip)
    if data.calls_consent_withdrawn:
        _consent_audit(db, principal, client, True, ip)
    await db.commit()
    return await get_client(db, principal, client.id)


def _add_phones(db: AsyncSession, client_id: int, phones: list[CleanPhone]) -> None:
    for phone in phones:
        db.add(Phone(client_id=client_id, raw=phone.raw, e164=phone.e164, kind=phone.kind))


async def update_client(
    db: AsyncSession,
    principal: Principal,
    client_id: int,
    patch: ClientPatch,
    *,
    region: str,
    force: bool = False,
    ip: str | None = None,
) -> dict[str, Any]:
    principal.require(Permission.CLIENTS_WRITE)
    client = await load_client(db, principal, client_id)
    given = patch.model_fields_set
    errors: dict[str, str] = {}
    phones = clean_phones(patch.phones, region, "phones", errors) if patch.phones is not None else None
    emails = clean_emails([str(e) for e in patch.emails]) if patch.emails is not None else None
    tax_id = clean_tax_id(patch.tax_id, "tax_id", errors) if "tax_id" in given else client.tax_id
    if "owner_id" in given:
        await check_owner(db, patch.owner_id, "owner_id", errors)
    for required in ("name", "kind", "stage", "tags", "calls_consent_withdrawn"):
        if required in given and getattr(patch, required) is None:
            errors[required] = "may not be null"
    if errors:
        raise ValidationFailed(errors)
    if principal.own_clients_only and "owner_id" in given and patch.owner_id != principal.user_id:
        raise Forbidden("Operators restricted to their own clients cannot hand a client to someone else.")
    if "owner_id" in given:
        require_owner_change(principal, client.owner_id, patch.owner_id, "client")
    name_fields = _name_fields(patch.name or client.name, patch.legal_form if "legal_form" in given else None)
    if not force and (("name" in given) or ("tax_id" in given) or phones is not None or emails is not None):
        candidates = await find_duplicates(
            db,
            name_key=name_fields["name_key"] if "name" in given else None,
            tax_id=tax_id if "tax_id" in given else None,
            phones=[p.e164 for p in phones or []],
            emails=emails or [],
            exclude_id=client.id,
        )
        if candidates:
            raise DuplicateClient(await _masked(db, principal, candidates))
    if "name" in given:
        for key, value in name_fields.items():
            if key == "legal_form":
                if "legal_form" in given:
                    continue  # set below, as given
                # A new name without a legal form in it keeps the one the client had.
                value = value or client.legal_form
            setattr(client, key, value)
    simple = ("kind", "legal_form", "notes", "custom", "owner_id", "stage", "abc_class", "xyz_class", "potential", "timezone")
    if "stage" in given and patch.stage is not None and patch.stage != client.stage:
        # Kept beside the rules' moves, so the transitions report counts a manager's decision too.
        db.add(StageChange(client_id=client.id, from_stage=client.stage.value, to_stage=patch.stage.value,
                           source="manual", user_id=principal.user_id or None))
    for key in simple:
        if key in given:
            setattr(client, key, getattr(patch, key) if key != "notes" else (patch.notes or ""))
    if "addresses" in given:
        client.addresses = [a.model_dump() for a in patch.addresses or []]
    if "tax_id" in given:
        client.tax_id = tax_id
    if patch.tags is not None:
        client.tags = list(dict.fromkeys(patch.tags))
    consent_changed = patch.calls_consent_withdrawn is not None and _set_consent(client, patch.calls_consent_withdrawn)
    changes: dict[str, Any] = audit.changed_fields(client)
    if phones is not None:
        await db.execute(delete(Phone).where(Phone.client_id == client.id))
        _add_phones(db, client.id, phones)
        changes["phones"] = [p.e164 for p in phones]
    if emails is not None:
        await db.execute(delete(Email).where(Email.client_id == client.id))
        for address in emails:
            db.add(Email(client_id=client.id, address=address))
        changes["emails"] = emails
    audit.record(db, principal, "update", "client", client.id, changes, ip)
    if consent_changed:
        _consent_audit(db, principal, client, bool(patch.calls_consent_withdrawn), ip)
    await db.commit()
    return await get_client(db, principal, client.id)


async def delete_client(db: AsyncSession, principal: Principal, client_id: int, ip: str | None = None) -> None:
    principal.require(Permission.CLIENTS_DELETE)
    client = await load_client(db, principal, client_id)
    audit.record(db, principal, "delete", "client", client.id, {"name": client.name}, ip)
    await db.delete(client)
    await db.commit()


async def _masked(db: AsyncSession, principal: Principal, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Candidates a restricted operator may not open keep their reasons but lose id and name.

    The warning still stops a duplicate; it no longer tells whose client owns a probed phone or INN.
    """
    if not principal.own_clients_only:
        return candidates
    own = set(
        await db.scalars(
            select(Client.id).where(Client.id.in_([c["id"] for c in candidates]), Client.owner_id == principal.user_id)
        )
    )
    return [c if c["id"] in own else {"id": None, "name": None, "reasons": c["reasons"]} for c in candidates]


def search_condition(q: str, region: str) -> Any:
    """Match a name fragment, a phone in any format, an e-mail, or a tax id; Cyrillic case-insensitive."""
    text = q.strip()
    conditions: list[Any] = []
    e164 = try_e164(text, region)
    if e164:
        conditions.append(Client.id.in_(select(Phone.client_id).where(Phone.e164 == e164)))
        conditions.append(
            Client.id.in_(
                select(ClientContact.client_id)
                .join(Phone, Phone.contact_id == ClientContact.contact_id)
                .where(Phone.e164 == e164)
            )
        )
    if "@" in text:
        address = text.lower()
        conditions.append(Client.id.in_(select(Email.client_id).where(Email.address == address)))
        conditions.append(
            Client.id.in_(
                select(ClientContact.client_id)
                .join(Email, Email.contact_id == ClientContact.contact_id)
                .where(Email.address == address)
            )
        )
    tax_id = clean_tax_id(text, "q", {})
    if tax_id is not None:
        conditions.append(Client.tax_id == tax_id)
    if search_form(text):
        pattern = like_fragment(text)
        conditions.append(Client.name_search.like(pattern, escape="\\"))
        conditions.append(
            Client.id.in_(
                select(ClientContact.client_id)
                .join(ContactPerson, ContactPerson.id == ClientContact.contact_id)
                .where(ContactPerson.name_search.like(pattern, escape="\\"))
            )
        )
    return or_(*conditions)


async def list_clients(
    db: AsyncSession, principal: Principal, flt: ClientFilter, *, region: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of clients matching the filter, and the total count."""
    principal.require(Permission.CLIENTS_READ)
    query = visible(principal, select(Client))
    if flt.q:
        query = query.where(search_condition(flt.q, region))
    for column, value in (
        (Client.owner_id, flt.owner_id),
        (Client.stage, flt.stage),
        (Client.abc_class, flt.abc_class),
        (Client.xyz_class, flt.xyz_class),
        (Client.kind, flt.kind),
    ):
        if value == UNCLASSED and column in (Client.abc_class, Client.xyz_class):
            query = query.where(column.is_(None))
        elif value is not None:
            query = query.where(column == value)
    if flt.team_id is not None:
        query = query.where(Client.owner_id.in_(select(User.id).where(User.team_id == flt.team_id)))
    if flt.slipping_since is not None:
        query = query.where(slipping(flt.slipping_since))
    if flt.deal_stage is not None:
        furthest = furthest_open_stage()
        if flt.deal_stage == NO_OPEN_DEAL:
            query = query.where(Client.id.not_in(select(furthest.c.client_id)))
        else:
            query = query.where(Client.id.in_(select(furthest.c.client_id).where(furthest.c.code == flt.deal_stage)))
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    clients = list(await db.scalars(query.order_by(Client.name_search, Client.id).limit(limit).offset(offset)))
    phones, emails = await _phones_emails(db, [c.id for c in clients])
    return [client_dict(c, phones[c.id], emails[c.id]) for c in clients], total


async def client_names(db: AsyncSession, principal: Principal, client_ids: list[int]) -> dict[int, str]:
    """The names of those of ``client_ids`` that ``principal`` may see, for lists of things attached to clients."""
    if not client_ids:
        return {}
    query = visible(principal, select(Client.id, Client.name).where(Client.id.in_(set(client_ids))))
    return {cid: name for cid, name in await db.execute(query)}
