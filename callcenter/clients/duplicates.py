"""Finding clients that look like a given one: same tax id, phone, e-mail, or name key.

:func:`find_duplicates_many` answers for many clients at once, with one query per batch of a few
thousand keys; :func:`find_duplicates` is the same for one client, so a client typed in and a whole
import file are judged by one ranking. Candidates are ranked by the weight of their reasons (tax id,
then phone, e-mail, name), then by id; a candidate's reasons come in the order of
:meth:`DuplicateKeys.values`.

A phone of a contact person counts for every client the person represents. Each key value (one tax id,
one phone...) contributes at most :data:`MATCHES_PER_KEY` clients, the oldest first, so that a name shared
by thousands of clients cannot make one check read them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, and_, bindparam, func, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Client, ClientContact, Email, Phone

MAX_CANDIDATES = 20
MATCHES_PER_KEY = MAX_CANDIDATES * 5
# Distinct key values per query; they travel as JSON parameters, so this bounds memory, not parameter counts.
BATCH_VALUES = 10_000

Candidate = dict[str, Any]
_KINDS = ("tax_id", "name", "phone", "email")


@dataclass(frozen=True, slots=True)
class DuplicateKeys:
    """What a client is recognised by; ``exclude_id`` is the client itself, when it exists already."""

    name_key: str | None = None
    tax_id: str | None = None
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    exclude_id: int | None = None

    def values(self) -> Iterator[tuple[str, str]]:
        """``(kind, value)`` pairs, strongest kind first, phones and e-mails in the order given."""
        if self.tax_id:
            yield "tax_id", self.tax_id
        if self.name_key:
            yield "name", self.name_key
        yield from (("phone", p) for p in self.phones)
        yield from (("email", e) for e in self.emails)


async def find_duplicates(
    db: AsyncSession,
    *,
    name_key: str | None,
    tax_id: str | None,
    phones: list[str],
    emails: list[str],
    exclude_id: int | None = None,
) -> list[Candidate]:
    """Candidates ``[{id, name, reasons: [...]}]``, strongest first; one round trip."""
    keys = DuplicateKeys(name_key=name_key, tax_id=tax_id, phones=phones, emails=emails, exclude_id=exclude_id)
    return (await find_duplicates_many(db, [keys]))[0]


async def find_duplicates_many(db: AsyncSession, keys: Sequence[DuplicateKeys]) -> list[list[Candidate]]:
    """For each of ``keys``, what :func:`find_duplicates` answers for it, in the same order."""
    results: list[list[Candidate]] = []
    for batch in _batches(keys):
        hits, names = await _matches(db, {pair for k in batch for pair in k.values()})
        for k in batch:
            results.append([{"id": cid, "name": names[cid], "reasons": reasons} for cid, reasons in _rank(k, hits)])
    return results


def _batches(keys: Sequence[DuplicateKeys]) -> Iterator[Sequence[DuplicateKeys]]:
    """Consecutive runs of keys with at most :data:`BATCH_VALUES` distinct values (one key may hold more)."""
    start = 0
    seen: set[tuple[str, str]] = set()
    for index, k in enumerate(keys):
        new = set(k.values()) - seen
        if seen and len(seen) + len(new) > BATCH_VALUES:
            yield keys[start:index]
            start, seen, new = index, set(), set(k.values())
        seen |= new
    if start < len(keys):
        yield keys[start:]


async def _matches(
    db: AsyncSession, pairs: set[tuple[str, str]]
) -> tuple[dict[tuple[str, str], list[int]], dict[int, str]]:
    """``{(kind, value): [client ids, ascending]}`` for the pairs that match a client, and those clients' names."""
    wanted = {kind: sorted(v for k, v in pairs if k == kind) for kind in _KINDS}
    postgres = db.get_bind().dialect.name == "postgresql"
    parts = []
    if wanted["tax_id"]:
        given = _value_table(wanted["tax_id"], postgres)
        parts.append(_labelled("tax_id", given).join(Client, Client.tax_id == given.c.value))
    if wanted["name"]:
        given = _value_table(wanted["name"], postgres)
        parts.append(_labelled("name", given).join(Client, Client.name_key == given.c.value))
    if wanted["phone"]:
        given = _value_table(wanted["phone"], postgres)
        owner = func.coalesce(Phone.client_id, ClientContact.client_id)
        parts.append(
            _labelled("phone", given, owner)
            .join(Phone, Phone.e164 == given.c.value)
            .outerjoin(ClientContact, and_(Phone.client_id.is_(None), ClientContact.contact_id == Phone.contact_id))
        )
    if wanted["email"]:
        given = _value_table(wanted["email"], postgres)
        parts.append(_labelled("email", given, Email.client_id).join(Email, Email.address == given.c.value))
    if not parts:
        return {}, {}
    # UNION, not UNION ALL: a client reached twice by one value (its own phone and its contact's) is one match.
    found = union(*parts).subquery()
    numbered = (
        select(
            found.c.kind, found.c.value, found.c.client_id,
            func.row_number().over(partition_by=(found.c.kind, found.c.value), order_by=found.c.client_id).label("n"),
        )
        .where(found.c.client_id.is_not(None))
        .subquery()
    )
    query = (
        select(numbered.c.kind, numbered.c.value, numbered.c.client_id, Client.name)
        .join(Client, Client.id == numbered.c.client_id)
        .where(numbered.c.n <= MATCHES_PER_KEY)
    )
    hits: dict[tuple[str, str], list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for kind, value, client_id, name in await db.execute(query):
        hits[(kind, value)].append(client_id)
        names[client_id] = name
    for ids in hits.values():
        ids.sort()
    return hits, names


def _value_table(values: list[str], postgres: bool) -> Any:
    """``values`` as a one-column table (``value``), sent as a single JSON parameter however many there are.

    As ``IN ($1, ..., $5000)``, a statement PostgreSQL has run a few times gets a generic plan that
    compares every row it scans with every value, which made a re-import right after an import take
    seconds per batch; joined to a table of values, any plan hashes them or looks each up in the index.
    """
    parameter = bindparam(None, values, type_=JSON())
    function = func.json_array_elements_text if postgres else func.json_each
    return function(parameter).table_valued("value")


def _labelled(kind: str, given: Any, client_id: Any = Client.id) -> Any:
    columns = (literal(kind).label("kind"), given.c.value.label("value"), client_id.label("client_id"))
    return select(*columns).select_from(given)


def _rank(keys: DuplicateKeys, hits: dict[tuple[str, str], list[int]]) -> list[tuple[int, list[str]]]:
    """``[(client id, reasons)]`` strongest first; reasons in the order of :meth:`DuplicateKeys.values`."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for kind, value in keys.values():
        reason = kind if kind in ("tax_id", "name") else f"{kind}:{value}"
        for client_id in hits.get((kind, value), ()):
            if client_id != keys.exclude_id and reason not in reasons[client_id]:
                reasons[client_id].append(reason)
    ranked = sorted(reasons, key=lambda cid: (-_weight(reasons[cid]), cid))[:MAX_CANDIDATES]
    return [(cid, reasons[cid]) for cid in ranked]


def _weight(reasons: list[str]) -> int:
    score = 0
    for reason in reasons:
        score += 4 if reason == "tax_id" else 3 if reason.startswith("phone") else 2 if reason.startswith("email") else 1
    return score
