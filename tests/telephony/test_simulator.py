"""The PBX simulator over real TCP: its AMI dialogue, and calls that the tracker reads exactly as the
scenario meant them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from callcenter.calls.events import CallEnded, CallSummary
from callcenter.models.enums import CallOutcome, Direction
from telephony.ami.actions import md5_key
from telephony.ami.client import AmiClient
from telephony.ami.encode import encode
from telephony.ami.frames import Frame, action
from telephony.ami.protocol import AmiParser
from telephony.simulator import CallPlan, PbxSimulator, Planner, Scenario, SimulatorConfig
from telephony.tracker import CallTracker

FACTOR = 0.01  # one simulated second plays in 10 ms
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def make_config(**changes: object) -> SimulatorConfig:
    base: dict[str, object] = {"port": 0, "seed": 7, "time_factor": FACTOR, "epoch": 1795413700.0}
    base.update(changes)
    return SimulatorConfig(**base)  # type: ignore[arg-type]


class Client:
    """A bare AMI client: every frame it gets, with the simulated time it arrived."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = AmiParser()
        self.frames: list[tuple[Frame, datetime]] = []
        self.closed = asyncio.Event()
        self._start = asyncio.get_running_loop().time()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while data := await self.reader.read(65536):
            at = T0 + timedelta(seconds=(loop.time() - self._start) / FACTOR)
            self.frames.extend((frame, at) for frame in self.parser.feed(data))
        self.closed.set()

    async def wait_for(self, test: Callable[[Frame], bool], within: float = 3.0) -> Frame:
        async with asyncio.timeout(within):
            while True:
                for frame, _ in self.frames:
                    if test(frame):
                        return frame
                await asyncio.sleep(0.005)

    async def send(self, name: str, **headers: str) -> Frame:
        action_id = f"t-{len(self.frames)}-{name}"
        self.writer.write(encode(action(name, ActionID=action_id, **headers)))
        await self.writer.drain()
        return await self.wait_for(lambda f: f.response is not None and f.action_id == action_id)

    async def close(self) -> None:
        self.writer.close()
        await self._task
        await self.writer.wait_closed()


async def connect(sim: PbxSimulator, secret: str = "secret") -> tuple[Client, Frame]:
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    client = Client(reader, writer)
    return client, await client.send("Login", Username="crm", Secret=secret, Events="on")


@pytest.fixture
async def sim() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(make_config())
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def client(sim: PbxSimulator) -> AsyncIterator[Client]:
    c, response = await connect(sim)
    assert response.response == "Success"
    yield c
    await c.close()


def summaries(client: Client, tracker: CallTracker | None = None) -> dict[str, CallSummary]:
    tracker = tracker or CallTracker()
    events = tracker.feed_all(client.frames)
    ended = [e.summary for e in events if isinstance(e, CallEnded)]
    assert len({s.linkedid for s in ended}) == len(ended), "a call ended twice"
    assert tracker.active_calls == ()
    return {s.linkedid: s for s in ended}


async def play(sim: PbxSimulator, client: Client, plan: CallPlan) -> CallSummary:
    await sim.pbx.start_call(plan)
    await asyncio.sleep(0.05)
    calls = summaries(client)
    assert len(calls) == 1
    return next(iter(calls.values()))


async def test_login_greeting_and_wrong_secret(sim: PbxSimulator, client: Client) -> None:
    assert client.parser.greeting == "Asterisk Call Manager/11.0.0"
    login = client.frames[0][0]
    assert login.headers[0] == ("Response", "Success") and login["Message"] == "Authentication accepted"
    bad, response = await connect(sim, secret="wrong")
    assert response.response == "Error" and response["Message"] == "Authentication failed"
    async with asyncio.timeout(2):
        await bad.closed.wait()  # Asterisk closes after a failed login
    await bad.close()


async def test_md5_login_as_the_connector_does_it(sim: PbxSimulator) -> None:
    """The CRM's own client logs in with a challenge; a key made with the wrong secret is refused."""
    good = AmiClient("127.0.0.1", sim.port, "crm", "secret", connect_timeout=2.0)
    await good.connect()
    assert good.connections == 1
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    raw = Client(reader, writer)
    try:
        assert (await raw.send("Challenge", AuthType="plain")).response == "Error"
        challenge = (await raw.send("Challenge", AuthType="MD5"))["Challenge"]
        assert challenge.isdigit()
        wrong = md5_key(challenge, "not-the-secret")
        refused = await raw.send("Login", Username="crm", AuthType="MD5", Key=wrong)
        assert refused.response == "Error" and refused["Message"] == "Authentication failed"
    finally:
        await raw.close()
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    raw = Client(reader, writer)
    try:
        await raw.send("Challenge", AuthType="MD5")
        odd = await raw.send("Login", Username="crm", AuthType="MD5", Key="ключ")
        assert odd.response == "Error" and odd["Message"] == "Authentication failed"
    finally:
        await raw.close()


async def test_ping_unknown_action_and_logoff(sim: PbxSimulator, client: Client) -> None:
    pong = await client.send("Ping")
    assert [name for name, _ in pong.headers] == ["Response", "ActionID", "Ping", "Timestamp"]
    assert pong["Ping"] == "Pong" and float(pong["Timestamp"]) > 0
    bad = await client.send("NoSuchAction")
    assert bad.response == "Error" and bad["Message"].startswith("Invalid/unknown command: NoSuchAction.")
    bye = await client.send("Logoff")
    assert bye.response == "Goodbye"
    async with asyncio.timeout(2):
        await client.closed.wait()


async def test_event_lists_are_well_formed(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.QUEUE_ANSWERED, "+79161112233", agent=0, greeting=1, answer_after=2, talk=300)
    call = sim.pbx.start_call(plan)
    await client.wait_for(lambda f: f.event == "BridgeEnter" and f["BridgeNumChannels"] == "2")
    start = await client.send("CoreShowChannels")
    assert (start["EventList"], start["Message"]) == ("start", "Channels will follow")
    done = await client.wait_for(lambda f: f.event == "CoreShowChannelsComplete")
    listed = [f for f, _ in client.frames if f.event == "CoreShowChannel" and f.action_id == start.action_id]
    assert {f["Channel"].rsplit("-", 1)[0] for f in listed} == {"PJSIP/trunk", "PJSIP/101"}
    assert done["ListItems"] == "2" and done["EventList"] == "Complete"
    assert all(f["Linkedid"] == listed[0]["Uniqueid"] for f in listed)
    status = await client.send("QueueStatus", Queue="support")
    assert status["EventList"] == "start"
    complete = await client.wait_for(lambda f: f.event == "QueueStatusComplete")
    items = [f for f, _ in client.frames if f.action_id == status.action_id and f.event in ("QueueParams", "QueueMember")]
    members = {f["Location"]: f["InCall"] for f in items if f.event == "QueueMember"}
    assert members == {"PJSIP/101": "1", "PJSIP/102": "0", "PJSIP/103": "0"}
    assert complete["ListItems"] == str(len(items))
    # the CRM reconciles from this list after a reconnect: the tracker takes the channels up
    tracker = CallTracker()
    tracker.reconcile(listed, T0)
    assert tracker.active_calls == (listed[0]["Linkedid"],)
    pause = await client.send("QueuePause", Queue="support", Interface="PJSIP/102", Paused="true", Reason="lunch")
    assert pause["Message"] == "Interface paused successfully"
    paused = await client.wait_for(lambda f: f.event == "QueueMemberPause")
    assert (paused["Interface"], paused["Paused"], paused["PausedReason"]) == ("PJSIP/102", "1", "lunch")
    hung = await client.send("Hangup", Channel=listed[0]["Channel"])
    assert hung.response == "Success"
    await asyncio.wait([call], timeout=2)  # the Hangup cancelled the call
    assert call.done()
    assert sim.pbx.factory.live == {}
    assert (await client.send("Hangup", Channel="PJSIP/nobody-00000000")).response == "Error"


@pytest.mark.parametrize(
    ("number", "status", "reason", "outcome"),
    [("15551230002", "Failure", "0", CallOutcome.BUSY), ("15551230003", "Failure", "3", CallOutcome.NO_ANSWER)],
)
async def test_originate_failures(
    sim: PbxSimulator, client: Client, number: str, status: str, reason: str, outcome: CallOutcome
) -> None:
    channel = f"PJSIP/carrier/sip:{number}@127.0.0.1:5082"
    queued = await client.send("Originate", Channel=channel, Context="connect-agent", Exten="101",
                               Async="true", Timeout="8000", CallerID='"CRM Click2Call" <101>')
    assert queued["Message"] == "Originate successfully queued"
    response = await client.wait_for(lambda f: f.event == "OriginateResponse")
    assert (response["Response"], response["Reason"], response["Uniqueid"]) == (status, reason, "<unknown>")
    assert response.action_id == queued.action_id
    await asyncio.sleep(0.05)
    tracker = CallTracker()
    tracker.originated(queued.action_id or "", channel, "101", T0)
    (call,) = summaries(client, tracker).values()
    assert (call.direction, call.outcome, call.callee) == (Direction.OUTBOUND, outcome, number)


async def test_originate_answered(sim: PbxSimulator, client: Client) -> None:
    queued = await client.send("Originate", Channel="PJSIP/carrier/sip:79161234567@127.0.0.1:5081",
                               Context="connect-agent", Exten="102", CallerID='"CRM Click2Call" <102>')
    response = await client.wait_for(lambda f: f.event == "OriginateResponse")
    assert (response["Response"], response["Reason"], response.action_id) == ("Success", "4", queued.action_id)
    await asyncio.wait_for(asyncio.gather(*sim.pbx.calls), 5)
    await asyncio.sleep(0.05)
    (call,) = summaries(client).values()
    assert (call.direction, call.outcome, call.answered_by) == (Direction.OUTBOUND, CallOutcome.ANSWERED, "PJSIP/102")
    assert call.callee == "79161234567" and call.talk_seconds


async def test_queue_answered(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.QUEUE_ANSWERED, "+79131234567", agent=1, greeting=3, answer_after=4, talk=30)
    call = await play(sim, client, plan)
    assert (call.direction, call.outcome, call.queue) == (Direction.INBOUND, CallOutcome.ANSWERED, "support")
    assert (call.caller, call.callee, call.answered_by) == ("+79131234567", "100", "PJSIP/102")
    assert abs((call.talk_seconds or 0) - 30) <= 1 and abs((call.wait_seconds or 0) - 4) <= 1
    assert set(call.offered_to) == {"PJSIP/101", "PJSIP/102", "PJSIP/103"}
    assert call.recording == f"/var/spool/asterisk/monitor/{call.linkedid}.wav"
    cancels = [f for f, _ in client.frames if f.event == "DialEnd" and f["DialStatus"] == "CANCEL"]
    assert len(cancels) == 4  # two for each losing agent
    order = [f.event for f, _ in client.frames if f.event in ("QueueCallerLeave", "AgentConnect")]
    assert order == ["QueueCallerLeave", "AgentConnect"]


async def test_queue_answered_after_unanswered_rounds(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.QUEUE_ANSWERED, "+74951234567", agent=2, greeting=3, answer_after=27, talk=12)
    call = await play(sim, client, plan)
    assert (call.outcome, call.answered_by) == (CallOutcome.ANSWERED, "PJSIP/103")
    assert abs((call.wait_seconds or 0) - 27) <= 1 and abs((call.talk_seconds or 0) - 12) <= 1
    assert sum(1 for f, _ in client.frames if f.event == "AgentRingNoAnswer") == 3


async def test_queue_abandoned(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.QUEUE_ABANDONED, "+79851234567", greeting=3, leave_after=22)
    call = await play(sim, client, plan)
    assert (call.outcome, call.answered_by, call.talk_seconds) == (CallOutcome.ABANDONED, None, None)
    assert call.wait_seconds == 22
    events = [f.event for f, _ in client.frames if f.event in ("QueueCallerAbandon", "QueueCallerLeave")]
    assert events == ["QueueCallerAbandon", "QueueCallerLeave"]


async def test_queue_not_answered(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.QUEUE_NO_ANSWER, "+79031112233", greeting=3, leave_after=37.5)
    call = await play(sim, client, plan)
    assert (call.outcome, call.answered_by, call.queue) == (CallOutcome.NO_ANSWER, None, "support")
    assert not any(f.event == "QueueCallerAbandon" for f, _ in client.frames)


async def test_direct_busy(sim: PbxSimulator, client: Client) -> None:
    call = await play(sim, client, CallPlan(Scenario.DIRECT_BUSY, "+79991234567", agent=1))
    assert (call.outcome, call.callee, call.offered_to) == (CallOutcome.BUSY, "102", ("PJSIP/102",))
    assert call.hangup_cause == 17


async def test_attended_transfer(sim: PbxSimulator, client: Client) -> None:
    plan = CallPlan(Scenario.TRANSFER, "+79231234567", agent=0, second=1, answer_after=2, talk=9, consult=6, talk2=20)
    call = await play(sim, client, plan)
    assert call.outcome is CallOutcome.TRANSFERRED
    assert [(t.source, t.target) for t in call.transfers] == [("PJSIP/101", "PJSIP/102")]
    assert call.direction is Direction.INBOUND and call.caller == "+79231234567"


async def test_generated_outbound_calls(sim: PbxSimulator, client: Client) -> None:
    answered = await play(sim, client, CallPlan(Scenario.OUTBOUND_ANSWERED, "+79161234567", agent=2, talk=15))
    assert (answered.outcome, answered.answered_by) == (CallOutcome.ANSWERED, "PJSIP/103")
    assert abs((answered.talk_seconds or 0) - 16) <= 1  # one second of the operator's ringing, then 15
    client.frames.clear()
    failed = await play(sim, client, CallPlan(Scenario.OUTBOUND_FAILED, "+79161234568", busy=True))
    assert (failed.direction, failed.outcome) == (Direction.OUTBOUND, CallOutcome.BUSY)


async def test_agi_reaches_fastagi_server() -> None:
    seen: list[dict[str, str]] = []

    async def fastagi(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        env: dict[str, str] = {}
        while (line := (await reader.readline()).decode().strip()):
            name, _, value = line.partition(": ")
            env[name] = value
        writer.write(b'SET VARIABLE CRM_CLIENT_ID "42"\n')
        await writer.drain()
        env["reply"] = (await reader.readline()).decode().strip()
        writer.write('SET VARIABLE CALLERID(name) "Иван Петров"\n'.encode())
        await writer.drain()
        await reader.readline()
        seen.append(env)
        writer.close()

    agi_server = await asyncio.start_server(fastagi, "127.0.0.1", 0)
    agi_port = agi_server.sockets[0].getsockname()[1]
    simulator = PbxSimulator(make_config(agi_url=f"agi://127.0.0.1:{agi_port}/lookup"))
    await simulator.start()
    try:
        c, _ = await connect(simulator)
        await simulator.pbx.start_call(CallPlan(Scenario.QUEUE_ABANDONED, "+79161112233", greeting=1, leave_after=2))
        await c.close()
    finally:
        await simulator.close()
        agi_server.close()
        await agi_server.wait_closed()
    assert len(seen) == 1
    assert seen[0]["agi_callerid"] == "+79161112233" and seen[0]["agi_network_script"] == "lookup?callerid=+79161112233"
    assert seen[0]["reply"] == "200 result=1"
    statuses = [f["Value"] for f, _ in c.frames if f.event == "VarSet" and f["Variable"] == "AGISTATUS"]
    assert statuses == ["SUCCESS"]
    # What the script set reaches the channel, as in Asterisk: a variable, and the caller's new name.
    assert [f["Value"] for f, _ in c.frames if f.event == "VarSet" and f["Variable"] == "CRM_CLIENT_ID"] == ["42"]
    renamed = [f for f, _ in c.frames if f.event == "NewCallerid"]
    assert [f["CallerIDName"] for f in renamed] == ["Иван Петров"]
    later = [f for f, _ in c.frames if f.event == "QueueCallerJoin"]
    assert later and later[0]["CallerIDName"] == "Иван Петров"


def test_same_seed_same_plans() -> None:
    def draw(seed: int) -> list[tuple[float, CallPlan]]:
        planner = Planner(make_config(seed=seed, rate=6, numbers=("+79161112233",)))
        return [(planner.gap(), planner.plan()) for _ in range(50)]

    first = draw(11)
    assert first == draw(11) and first != draw(12)
    assert {plan.scenario for _, plan in first} == set(Scenario)
    assert all(plan.caller.startswith("+7") and len(plan.caller) == 12 for _, plan in first)
    assert any(plan.caller == "+79161112233" for _, plan in first)


async def capture_traffic(seed: int) -> list[list[tuple[str | None, str | None]]]:
    simulator = PbxSimulator(make_config(seed=seed, rate=20))
    await simulator.start()
    c, _ = await connect(simulator)
    await asyncio.sleep(0.4)
    await simulator.close()
    await c.close()
    calls: dict[str, list[tuple[str | None, str | None]]] = {}
    legs: dict[str, dict[str, str]] = {}
    for frame, _ in c.frames:
        linkedid = frame.get("Linkedid")
        if linkedid and frame.event != "CoreShowChannel":
            # Legs by their order within the call: the global Uniqueid counter also counts the channels
            # of calls running alongside, whose interleaving follows the machine's load.
            order = legs.setdefault(linkedid, {})
            leg = order.setdefault(frame.get("Uniqueid") or "", f"leg{len(order)}")
            calls.setdefault(linkedid, []).append((frame.event, leg))
    return list(calls.values())[:2]


async def test_same_seed_same_traffic() -> None:
    first, second = await capture_traffic(5), await capture_traffic(5)
    assert len(first) == len(second) == 2
    # How far each call got before the close follows the machine's load; what it did up to there may not.
    for one, other in zip(first, second, strict=True):
        shared = min(len(one), len(other))
        assert shared >= 3 and one[:shared] == other[:shared]


async def test_close_leaves_no_task() -> None:
    simulator = PbxSimulator(make_config(rate=600))
    await simulator.start()
    c, _ = await connect(simulator)
    await asyncio.sleep(0.1)
    assert simulator.pbx.calls
    await simulator.close()
    async with asyncio.timeout(2):
        await c.closed.wait()
    await c.close()
    # Only the simulator's own tasks: the loop is shared with other tests' fixtures.
    def from_simulator(task: asyncio.Task[object]) -> bool:
        code = getattr(task.get_coro(), "cr_code", None)
        return code is not None and "simulator" in code.co_filename

    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and from_simulator(t)] == []
