"""The hub's directory: every operator's interface and extension in memory, read again in the background
before the list runs out, so the hub's event handler does not wait on the database for an operator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from callcenter.calls.matching import OperatorIndex
from web.hub import directory as directory_module
from web.hub.directory import Directory, Operator

ROWS = [(7, "anna", "PJSIP/agent7", "101"), (8, "boris", None, "102")]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Each read of the list, noted; the database is never reached."""
    noted: list[float] = []

    async def fake_lookup(_engine: Any, _work: Any) -> list[tuple[int, str, str | None, str | None]]:
        noted.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.01)
        return ROWS

    monkeypatch.setattr(directory_module, "lookup", fake_lookup)
    return noted


async def test_operators_are_answered_from_the_list_read_again_before_it_runs_out(reads: list[float]) -> None:
    directory = Directory(None, ttl=0.4)  # type: ignore[arg-type]
    assert directory.cached("PJSIP/102") == (False, None)
    assert await directory.operator("PJSIP/102") == Operator(8, "boris")  # the first read is waited for
    assert await directory.operator("pjsip/AGENT7") == Operator(7, "anna")
    assert await directory.operator("SIP/999") is None
    assert len(reads) == 1
    await asyncio.sleep(0.32)
    assert await directory.operator("PJSIP/101") == Operator(7, "anna")  # answered from the list at once
    await asyncio.sleep(0.05)
    assert len(reads) == 2  # ... and read again behind it
    await asyncio.sleep(0.5)
    await directory.operator("PJSIP/101")  # nothing older than the time to live is used
    assert len(reads) == 3
    await directory.close()


async def test_warming_reads_the_list_once_at_a_time(reads: list[float]) -> None:
    directory = Directory(None, ttl=60)  # type: ignore[arg-type]
    directory.warm()
    directory.warm()
    await asyncio.sleep(0.05)
    assert len(reads) == 1 and directory.loads == 1
    assert directory.cached("PJSIP/102") == (True, Operator(8, "boris"))
    await directory.close()
    directory.warm()  # closed: nothing more is read
    await asyncio.sleep(0.02)
    assert len(reads) == 1


def test_an_exact_interface_wins_over_an_extension_and_an_active_user_over_the_rest() -> None:
    # Ordered as the query orders them: active users first, then by id.
    index = OperatorIndex([(3, None, "101"), (5, "PJSIP/101", None), (9, None, "101"), (4, "PJSIP/x", "200")])
    assert index.pick("PJSIP/101") == 5
    assert index.pick("SIP/101") == 3 and index.pick("Local/101@from-queue/n") == 3
    assert index.pick(" pjsip/X ") == 4 and index.pick("PJSIP/200") == 4
    assert index.pick("PJSIP/300") is None and index.pick("") is None and index.pick(None) is None
