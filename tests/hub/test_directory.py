"""The hub's directory: answers are cached for their time to live, and refreshed in the background before
they run out, so the hub's event handler does not wait on the database for an operator it knows."""

from __future__ import annotations

import asyncio
import time

from web.hub.directory import Directory, Operator


def counting_directory(ttl: float) -> tuple[Directory, list[str]]:
    directory = Directory(None, ttl=ttl)  # type: ignore[arg-type]  # the database is never reached
    asked: list[str] = []

    async def find(interface: str) -> Operator | None:
        asked.append(interface)
        await asyncio.sleep(0.01)
        operator = Operator(7, "anna")
        directory._by_interface[interface] = (time.monotonic(), operator)
        return operator

    directory._find = find  # type: ignore[method-assign]
    return directory, asked


async def test_an_answer_in_the_last_quarter_of_its_life_is_refreshed_in_the_background() -> None:
    directory, asked = counting_directory(ttl=0.4)
    assert await directory.operator("PJSIP/101") == Operator(7, "anna")
    assert await directory.operator("PJSIP/101") == Operator(7, "anna")
    assert asked == ["PJSIP/101"]
    await asyncio.sleep(0.32)
    assert await directory.operator("PJSIP/101") == Operator(7, "anna")  # answered from the cache at once
    await asyncio.sleep(0.05)
    assert asked == ["PJSIP/101", "PJSIP/101"]  # ... and looked up again behind it
    await asyncio.sleep(0.5)
    await directory.operator("PJSIP/101")  # nothing older than the time to live is used
    assert len(asked) == 3
    await directory.close()


async def test_warming_looks_an_interface_up_once_at_a_time() -> None:
    directory, asked = counting_directory(ttl=60)
    directory.warm("PJSIP/102")
    directory.warm("PJSIP/102")
    await asyncio.sleep(0.05)
    assert asked == ["PJSIP/102"]
    assert directory.cached("PJSIP/102") == (True, Operator(7, "anna"))
    await directory.close()
