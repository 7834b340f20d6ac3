"""``callcenter telephony`` killed (SIGKILL) while calls ring and talk: after it starts again, every call is
logged exactly once, with its operator and outcome; a call still up keeps its real answer time and its
recording, and a call that ended while the process was dead is closed (its times marked approximate)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.db.engine import create_sessionmaker
from callcenter.models import Call, LiveCall, User
from callcenter.models.enums import CallOutcome, Role
from telephony.ami.frames import Frame
from telephony.simulator import CallPlan, PbxSimulator, Scenario, SimulatorConfig
from tests.conftest import MakeUser
from tests.demo_process import free_port
from tests.telephony.fake_ami import wait_for

FACTOR = 0.1  # real seconds per simulated second


class RecordingPbx(PbxSimulator):
    """The simulator, keeping what it told AMI and when: the truth the log is checked against."""

    def __init__(self, config: SimulatorConfig) -> None:
        super().__init__(config)
        self.sent: list[tuple[datetime, Frame]] = []

    def broadcast(self, frame: Frame) -> None:
        self.sent.append((datetime.now(UTC), frame))
        super().broadcast(frame)

    def first(self, event: str, linkedid: str) -> datetime:
        return next(at for at, f in self.sent if f.get("Event") == event and f.get("Linkedid") == linkedid)

    def linkedid_of(self, caller: str) -> str:
        return next(f["Linkedid"] for _, f in self.sent if f.get("Event") == "Newchannel"
                    and f.get("CallerIDNum") == caller)


@asynccontextmanager
async def telephony_process(database_url: str, ami_port: int, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_AMI_PORT": str(ami_port),
           "CALLCENTER_AMI_SECRET": "secret", "CALLCENTER_AGI_PORT": str(free_port()), "CALLCENTER_BROKER_URL": "",
           "CALLCENTER_LOG_LEVEL": "INFO", "CALLCENTER_DATA_DIR": str(log.parent / "data")}
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from callcenter.cli import main; main()", "telephony",
            env=env, stdout=out, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_killed_process_loses_no_call_and_logs_none_twice(
    db_engine: AsyncEngine, database_url: str, make_user: MakeUser, tmp_path: Path
) -> None:
    operators: dict[str, User] = {}
    for n in (101, 102, 103):
        operators[f"PJSIP/{n}"] = await make_user(Role.OPERATOR, extension=str(n), agent_interface=f"PJSIP/{n}")
    pbx = RecordingPbx(SimulatorConfig(port=0, time_factor=FACTOR, seed=5, agi_url="",
                                       agents=("PJSIP/101", "PJSIP/102", "PJSIP/103")))
    await pbx.start()
    sessions = create_sessionmaker(db_engine)

    async def count(model: type[Call] | type[LiveCall]) -> int:
        async with sessions() as db:
            return int(await db.scalar(select(func.count()).select_from(model)) or 0)

    log = tmp_path / "telephony.log"
    try:
        async with telephony_process(database_url, pbx.port, log) as first:
            await wait_for(lambda: "reconciled with" in log.read_text(), limit=30)  # listening, from now on
            plans = {
                # up across the crash, ends long after the restart
                "+79160000001": CallPlan(Scenario.QUEUE_ANSWERED, "+79160000001", agent=0, answer_after=2, talk=160),
                # answered before the crash, ends while the process is dead
                "+79160000002": CallPlan(Scenario.QUEUE_ANSWERED, "+79160000002", agent=1, answer_after=2, talk=14),
                # still ringing at the crash, answered after the restart
                "+79160000003": CallPlan(Scenario.QUEUE_ANSWERED, "+79160000003", agent=2, answer_after=100, talk=10),
            }
            for plan in plans.values():
                pbx.pbx.start_call(plan)
            await asyncio.sleep(1.5)  # two answered, one ringing, all saved
            assert await count(LiveCall) == 3, log.read_text()
            first.send_signal(signal.SIGKILL)
            await first.wait()
        assert await count(Call) == 0
        await asyncio.sleep(2.5)  # the second call ends meanwhile
        async with telephony_process(database_url, pbx.port, log) as second:
            await wait_for(lambda: all(any(f.get("Event") == "Hangup" and f.get("Linkedid") == pbx.linkedid_of(c)
                                           for _, f in pbx.sent) for c in plans), limit=30)
            await wait_for_async(lambda: count(Call), 3, limit=15)
            second.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(second.wait(), 20) == 0, log.read_text()
    finally:
        await pbx.close()
    text = log.read_text()
    assert "Traceback" not in text, text
    async with sessions() as db:
        calls = {c.linkedid: c for c in await db.scalars(select(Call))}
    assert len(calls) == 3 and await count(LiveCall) == 0
    up, ended_meanwhile, ringing = (calls[pbx.linkedid_of(number)] for number in plans)
    for call, interface in ((up, "PJSIP/101"), (ended_meanwhile, "PJSIP/102"), (ringing, "PJSIP/103")):
        assert call.outcome is CallOutcome.ANSWERED and call.operator_id == operators[interface].id
        real_answer = pbx.first("AgentConnect", call.linkedid)
        assert call.answered_at is not None and abs((call.answered_at - real_answer).total_seconds()) < 0.5, (
            interface, [(at.time(), f.get("Event"), f.get("Channel")) for at, f in pbx.sent if f.get("Linkedid") == call.linkedid and f.get("Event") in ("Newstate", "DialEnd", "AgentConnect", "BridgeEnter")])
    assert up.recording_path and not up.times_approximate  # seen to its end by the second run
    assert abs((up.started_at - pbx.first("Newchannel", up.linkedid)).total_seconds()) < 0.5
    assert ended_meanwhile.times_approximate  # its end was not seen


async def wait_for_async(read: object, expected: int, limit: float) -> None:
    async with asyncio.timeout(limit):
        while await read() != expected:  # type: ignore[operator]  # noqa: ASYNC110
            await asyncio.sleep(0.1)
