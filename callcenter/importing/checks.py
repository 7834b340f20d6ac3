"""The checks of an import that need the database or the whole file: owners and duplicates.

Duplicates of existing clients are decided as on ``POST /api/clients``, by the same ranking, through
:func:`callcenter.clients.duplicates.find_duplicates_many`: one query per batch of rows (up to 10,000
key values) instead of a round trip per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Principal
from callcenter.clients.duplicates import DuplicateKeys, find_duplicates_many
from callcenter.importing import columns as c
from callcenter.importing.report import RowError
from callcenter.importing.rows import CleanRow
from callcenter.importing.writer import batches
from callcenter.models import User

IN_CHUNK = 500


async def resolve_owners(db: AsyncSession, principal: Principal, rows: list[CleanRow]) -> dict[int, RowError]:
    """Set each row's owner (the named login, else the importing user); errors by row number."""
    logins = sorted({r.owner_login for r in rows if r.owner_login})
    found: dict[str, int] = {}
    for chunk in batches(logins, IN_CHUNK):
        query = select(User.login, User.id).where(User.login.in_(chunk), User.is_active.is_(True))
        found.update({login: user_id for login, user_id in (await db.execute(query)).all()})
    errors: dict[int, RowError] = {}
    for row in rows:
        owner_id = principal.user_id or None
        if row.owner_login:
            if row.owner_login not in found:
                errors[row.row] = RowError(row.row, c.OWNER, f"no active user with login {row.owner_login!r}")
                continue
            owner_id = found[row.owner_login]
        if principal.own_clients_only and owner_id != principal.user_id:
            errors[row.row] = RowError(row.row, c.OWNER, "you may import only clients you own")
            continue
        row.columns["owner_id"] = owner_id
    return errors


def _keys(row: CleanRow) -> list[tuple[str, str, str]]:
    """``(kind, value, column)`` for every key by which two clients are taken for one."""
    keys: list[tuple[str, str, str]] = []
    if row.columns["tax_id"]:
        keys.append(("tax id", row.columns["tax_id"], c.TAX_ID))
    keys.extend(("phone", p.e164, c.PHONES) for p in row.phones)
    keys.extend(("phone", p.e164, c.CONTACT_PHONE) for ps in row.contact_phones for p in ps)
    keys.extend(("e-mail", e, c.EMAILS) for e in row.emails)
    if row.columns["name_key"]:
        keys.append(("name", row.columns["name_key"], c.NAME))
    return keys


def file_duplicates(rows: list[CleanRow]) -> dict[int, list[RowError]]:
    """Rows sharing a key with an earlier row of the same file; the earlier row is the one kept."""
    first_seen: dict[tuple[str, str], int] = {}
    errors: dict[int, list[RowError]] = {}
    for row in rows:
        keys = _keys(row)
        clashes: dict[str, RowError] = {}
        for kind, value, column in keys:
            earlier = first_seen.get((kind, value))
            if earlier is not None and column not in clashes:
                shown = "" if kind == "name" else f" {value}"
                clashes[column] = RowError(row.row, column, f"same {kind}{shown} as row {earlier} of this file")
        if clashes:
            errors[row.row] = list(clashes.values())
            continue
        for kind, value, _ in keys:
            first_seen.setdefault((kind, value), row.row)
    return errors


async def base_duplicates(db: AsyncSession, rows: list[CleanRow]) -> dict[int, RowError]:
    """Rows that look like a client already in the base, with the finder's candidates and reasons."""
    keys = [
        DuplicateKeys(
            name_key=row.columns["name_key"] or None,
            tax_id=row.columns["tax_id"],
            phones=[p.e164 for p in row.phones] + [p.e164 for ps in row.contact_phones for p in ps],
            emails=row.emails,
        )
        for row in rows
    ]
    found = await find_duplicates_many(db, keys)
    pairs = zip(rows, found, strict=True)
    return {row.row: _duplicate_error(row, candidates) for row, candidates in pairs if candidates}


_REASON_WORDS = {"tax_id": "same tax id", "name": "same name"}


def _duplicate_error(row: CleanRow, candidates: list[dict[str, Any]]) -> RowError:
    top = candidates[0]
    reason = top["reasons"][0]
    if reason == "tax_id":
        column = c.TAX_ID
    elif reason == "name":
        column = c.NAME
    elif reason.startswith("phone:"):
        column = c.PHONES if any(p.e164 == reason[6:] for p in row.phones) else c.CONTACT_PHONE
    else:
        column = c.EMAILS
    why = ", ".join(_REASON_WORDS.get(r, "same " + r.replace(":", " ", 1)) for r in top["reasons"])
    more = f" and {len(candidates) - 1} more" if len(candidates) > 1 else ""
    return RowError(row.row, column, f"looks like existing client #{top['id']} {top['name']!r} ({why}){more}")
