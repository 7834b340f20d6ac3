"""The bulk duplicate finder answers exactly what the one-client finder answers, in a bounded number of queries."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.clients import duplicates
from callcenter.clients.duplicates import DuplicateKeys, find_duplicates, find_duplicates_many
from callcenter.clients.schemas import ClientIn
from callcenter.clients.services import create_client
from callcenter.names import duplicate_key
from callcenter.taxid import with_check_digits

INNS = [with_check_digits(f"{770000000 + i:09d}") for i in range(12)]
PHONES = [f"+7913{i:07d}" for i in range(40)]
NAMES = ["Ромашка", 'ООО "Ромашка"', "Лютик", "Василёк", "Пион", "Ромашка Трейд"]
EMAILS = [f"m{i}@example.ru" for i in range(15)]


async def varied_base(db: AsyncSession, rnd: random.Random, clients: int = 90) -> list[int]:
    """Clients sharing tax ids, names, phones (their own and their contact persons'), and e-mails at random."""
    ids = []
    for _ in range(clients):
        contacts = [
            {"full_name": "Контакт", "phones": rnd.sample(PHONES, rnd.randint(0, 2)),
             "emails": rnd.sample(EMAILS, rnd.randint(0, 1))}
            for _ in range(rnd.randint(0, 2))
        ]
        data = {
            "name": rnd.choice(NAMES), "kind": "company", "tax_id": rnd.choice([*INNS, None, None, None]),
            "phones": rnd.sample(PHONES, rnd.randint(0, 3)), "emails": rnd.sample(EMAILS, rnd.randint(0, 2)),
            "contacts": contacts,
        }
        created = await create_client(db, SYSTEM, ClientIn.model_validate(data), region="RU", force=True)
        ids.append(created["id"])
    return ids


def varied_keys(rnd: random.Random, ids: list[int], count: int = 250) -> list[DuplicateKeys]:
    keys = [DuplicateKeys()]  # nothing to look for at all
    for _ in range(count):
        keys.append(DuplicateKeys(
            name_key=duplicate_key(rnd.choice([*NAMES, "Неизвестный"])) if rnd.random() < 0.6 else None,
            tax_id=rnd.choice([*INNS, with_check_digits("500100732"), None, None]),
            phones=rnd.sample([*PHONES, "+79990000000"], rnd.randint(0, 4)),
            emails=rnd.sample([*EMAILS, "nobody@example.ru"], rnd.randint(0, 2)),
            exclude_id=rnd.choice([None, None, rnd.choice(ids)]),
        ))
    return keys


async def one_by_one(db: AsyncSession, keys: list[DuplicateKeys]) -> list[list[dict[str, Any]]]:
    return [
        await find_duplicates(
            db, name_key=k.name_key, tax_id=k.tax_id, phones=list(k.phones), emails=list(k.emails),
            exclude_id=k.exclude_id,
        )
        for k in keys
    ]


@contextmanager
def counted(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_bulk_answers_what_one_by_one_answers(
    db: AsyncSession, db_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(20240531)
    ids = await varied_base(db, rnd)
    keys = varied_keys(rnd, ids)
    expected = await one_by_one(db, keys)
    # The set is varied: candidates by every kind of reason, several candidates, and none.
    reasons = {r.split(":")[0] for found in expected for c in found for r in c["reasons"]}
    assert reasons == {"tax_id", "name", "phone", "email"}
    assert sum(1 for found in expected if len(found) > 1) > 50 and sum(1 for found in expected if not found) >= 1
    with counted(db_engine) as statements:
        assert await find_duplicates_many(db, keys) == expected
    assert len(statements) == 1
    # Many small batches answer the same, with one query each.
    monkeypatch.setattr(duplicates, "BATCH_VALUES", 7)
    with counted(db_engine) as statements:
        assert await find_duplicates_many(db, keys) == expected
    assert 1 < len(statements) <= len(keys)
    assert await find_duplicates_many(db, []) == []


async def test_what_counts_as_a_duplicate(db: AsyncSession) -> None:
    first = await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": 'ООО "Ромашка"', "kind": "company", "tax_id": INNS[0], "phones": ["8 913 000 00 01"],
        "emails": ["info@romashka.ru"],
    }), region="RU")
    second = await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": "Лютик", "kind": "company", "contacts": [{"full_name": "Иванов", "phones": ["+7 913 000 00 02"]}],
    }), region="RU", force=True)
    third = await create_client(db, SYSTEM, ClientIn.model_validate({
        "name": "Василёк", "kind": "company", "contacts": [{"full_name": "Иванов", "phones": ["+7 913 000 00 02"]}],
    }), region="RU", force=True)
    found = await find_duplicates_many(db, [
        DuplicateKeys(name_key=duplicate_key("Ромашка, ООО"), tax_id=INNS[0], phones=["+79130000001"],
                      emails=["info@romashka.ru"]),
        DuplicateKeys(phones=["+79130000002"]),  # a contact person's phone counts for each client they represent
        DuplicateKeys(tax_id=INNS[0], exclude_id=first["id"]),  # the client itself is no duplicate of itself
    ])
    assert found[0] == [{
        "id": first["id"], "name": 'ООО "Ромашка"',
        "reasons": ["tax_id", "name", "phone:+79130000001", "email:info@romashka.ru"],
    }]
    assert [c["id"] for c in found[1]] == [second["id"], third["id"]]
    assert found[2] == []


async def test_matches_per_key_are_bounded(db: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [
        (await create_client(db, SYSTEM, ClientIn(name="Ромашка", kind="company"), region="RU", force=True))["id"]
        for _ in range(5)
    ]
    monkeypatch.setattr(duplicates, "MATCHES_PER_KEY", 3)
    keys = [DuplicateKeys(name_key="ромашка"), DuplicateKeys(name_key="ромашка", exclude_id=ids[0])]
    found = await find_duplicates_many(db, keys)
    assert [c["id"] for c in found[0]] == ids[:3]  # the oldest ones
    assert [c["id"] for c in found[1]] == ids[1:3]
    assert found == await one_by_one(db, keys)
