"""Screen-pop latency: from the PBX's write of the ringing frame to the operator's socket receiving the pop.

    .venv/bin/python benchmarks/screen_pop.py [--sockets 1000] [--rate 100] [--seconds 60] [--warmup 5]
        [--clients 1000000] [--phones N] [--web 1,2] [--database-url postgresql://postgres@127.0.0.1/postgres]
        [--broker-url redis://127.0.0.1:6379/0] [--keep | --reuse NAME] [--grace 5] [--hit-share 0.8]
    .venv/bin/python benchmarks/screen_pop.py --clients 20000 --seconds 10 --sockets 100    # a quick check

The database is created and loaded as ``benchmarks/dossier.py`` does it (its functions, imported): a new
PostgreSQL database, migrated, ``--clients`` clients from the demo seeder, vacuumed and analyzed; ``--keep``
keeps it, ``--reuse NAME`` measures on one kept earlier. Then ``--sockets`` operators are added in one
statement (logins ``pop5000``..., extensions 5000..., one password hash for all) with an API token each.
Callers are numbers of the base (``--hit-share``, 80%: the phones table sampled, as the dossier benchmark
samples it) and unknown numbers, in E.164.

For each topology in ``--web`` (the number of web processes) everything runs as separate processes:

- ``callcenter serve --no-telephony --no-migrate`` once per web process, on a port of its own;
- ``callcenter telephony``: the AMI connector and the call logger, logged in to the simulator;
- the PBX simulator (``PbxSimulator``, one agent ``PJSIP/<extension>`` per operator), a child of this
  script (``--role pbx``): it rings ``--rate`` calls a second, evenly spaced, each straight to one operator
  (``Scenario.DIRECT_BUSY``: the phone rings, then answers busy), the operators taken in a shuffled round,
  and notes ``time.monotonic_ns()`` right after it writes each ``DialBegin`` whose destination is an
  operator's channel to the AMI socket (its broadcast is wrapped; the simulator itself is unchanged);
- this process: one WebSocket per operator (``websockets``, ``/ws?token=``), spread evenly over the web
  processes, noting ``time.monotonic_ns()`` as each ``pop`` arrives, keyed by (operator, Linkedid).

All processes carry events through Redis (``CALLCENTER_BROKER_URL``) on a channel of their own for the run:
a ``redis-server`` of the benchmark's own on a free port when one is installed (so that nothing else on
a shared Redis, such as a test that cuts every pub/sub connection, reaches the run), else
``--broker-url``. This process also listens on that channel and notes when each call's ``CallRinging``
crosses it, which splits a pop's latency into the telephony side's share and the web side's.
The clock is Linux's monotonic clock, the same in every process. ``--warmup`` seconds of the same traffic
go first and are not counted; a pop that has not arrived ``--grace`` seconds after the last ring is lost.

Printed per topology, side by side: pops expected, received and lost; the latency percentiles (all pops,
callers with a dossier and unknown callers apart, then the two halves); how late the simulator was on its
schedule; database sessions opened during the window; the machine's load average; the CPU each process
used during the window (from ``/proc``: % of one core, and milliseconds per call; the PostgreSQL row sums
the backends of the benchmark's database) and how long each waited for a CPU while runnable (``schedstat``),
since the figures mean little on a machine busy with other work; warnings in the children's logs (events a
bus subscriber dropped, sockets that fell behind, tracebacks), whose folder is kept when they hold any.
Every child process is stopped, and the database dropped (unless kept), on the way out, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import gc
import json
import os
import random
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from dossier import Database, create_database, drop_database, kept_database, load, percentiles, sample_numbers
from redis import asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from callcenter.auth.passwords import hash_password
from callcenter.auth.services import digest
from callcenter.db.migrate import upgrade
from callcenter.phones import try_e164

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
TARGET_P99_MS = 20.0
FIRST_EXTENSION = 5000
LOGIN_PREFIX = "pop"
TOKEN_NAME = "screen-pop benchmark"
PASSWORD = "screen-pop-benchmark"
AMI_SECRET = "screen-pop-benchmark"
SECRET_KEY = "screen-pop-benchmark-secret-key-0123456789abcdef"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
OTHERS = "everything else on the machine"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value))


async def wait_until(condition: Callable[[], bool], limit: float, every: float = 0.01) -> None:
    """Until ``condition()`` holds; it reads what other tasks move, so polling is the simple way."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the database -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operator:
    login: str
    extension: str
    token: str


async def add_operators(db: Database, count: int, secret_key: str) -> list[Operator]:
    """``count`` operators with extensions from 5000, in one statement, and a fresh API token for each."""
    password_hash = await hash_password(PASSWORD)  # one hash for all: Argon2 is slow on purpose
    logins = [f"{LOGIN_PREFIX}{FIRST_EXTENSION + i}" for i in range(count)]
    extensions = [str(FIRST_EXTENSION + i) for i in range(count)]
    conn = await asyncpg.connect(db.dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO users (login, password_hash, full_name, role, extension, is_active, created_at, updated_at)
                   SELECT login, $3, 'Operator ' || extension, 'operator', extension, true, now(), now()
                   FROM unnest($1::text[], $2::text[]) AS t(login, extension)
                   ON CONFLICT (login) DO NOTHING""",
                logins, extensions, password_hash,
            )
            rows = await conn.fetch("SELECT id, login, extension FROM users WHERE login = ANY($1::text[])", logins)
            found = {r["login"]: (r["id"], r["extension"]) for r in rows}
            wrong = [login for login, ext in zip(logins, extensions) if found.get(login, (0, ""))[1] != ext]
            if wrong:
                raise SystemExit(f"{len(wrong)} operators are missing or have other extensions (e.g. {wrong[0]})")
            await conn.execute("DELETE FROM api_tokens WHERE name = $1", TOKEN_NAME)
            tokens = ["cc_" + secrets.token_urlsafe(32) for _ in logins]
            await conn.execute(
                """INSERT INTO api_tokens (user_id, token_hash, name, created_at)
                   SELECT user_id, token_hash, $3, now() FROM unnest($1::bigint[], $2::text[]) AS t(user_id, token_hash)""",
                [found[login][0] for login in logins], [digest(t, secret_key) for t in tokens], TOKEN_NAME,
            )
    finally:
        await conn.close()
    return [Operator(login, ext, token) for login, ext, token in zip(logins, extensions, tokens)]


async def callers(db: Database, count: int, hit_share: float, rng: random.Random) -> list[str]:
    """``count`` caller numbers in E.164: numbers of the base (``hit_share`` of them) and unknown ones."""
    numbers = [try_e164(raw) for raw, _hit in await sample_numbers(db, count, hit_share, rng)]
    found = [n for n in numbers if n]
    return [found[i % len(found)] for i in range(count)]


# -- the PBX simulator, a child process ---------------------------------------------------------------------


async def pbx_role(args: argparse.Namespace) -> None:
    """Ring the planned calls and note when each ringing frame is written; stamps to ``--out``."""
    from telephony.simulator import CallPlan, PbxSimulator, Scenario, SimulatorConfig

    plan = read_json(Path(args.plan))
    agents = tuple(f"PJSIP/{ext}" for ext in plan["extensions"])
    simulator = PbxSimulator(SimulatorConfig(host="127.0.0.1", port=0, secret=AMI_SECRET, agents=agents, rate=0,
                                             agi_url=None))
    # (linkedid, interface, ns) by phase; each call's task inherits the phase it was started in
    stamps: dict[str, list[tuple[str, str, int]]] = {"warmup": [], "calls": []}
    phase = contextvars.ContextVar("phase", default="warmup")
    broadcast = simulator.pbx.emit

    def stamped(frame: Any) -> None:
        broadcast(frame)
        if frame.values[0] == "DialBegin" and frame.names[0] == "Event":
            written = time.monotonic_ns()
            dest = frame.get("DestChannel") or ""
            if dest.startswith("PJSIP/"):
                stamps[phase.get()].append((frame.get("DestLinkedid") or frame.get("Linkedid") or "",
                                            dest.rsplit("-", 1)[0], written))

    simulator.pbx.emit = stamped
    await simulator.start()
    say = print
    say(f"port {simulator.port}", flush=True)
    try:
        await wait_until(lambda: any(s.logged_in for s in simulator._sessions), 60)
        say("connected", flush=True)
        if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
            return
        loop = asyncio.get_running_loop()
        gap = 1.0 / plan["rate"]
        late: list[float] = []
        measured_from = len(plan["warmup"])
        started = loop.time()
        for k, (agent, caller) in enumerate(plan["warmup"] + plan["calls"]):
            due = started + k * gap
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if k == measured_from:
                phase.set("calls")
            late.append(max(0.0, loop.time() - due))
            simulator.pbx.start_call(CallPlan(Scenario.DIRECT_BUSY, caller=caller, agent=agent))
        await wait_until(lambda: not simulator.pbx.calls, 60)
        write_json(Path(args.out), {**stamps, "late": late[measured_from:]})
        say("done", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # until told to stop (or the pipe closes)
    finally:
        await simulator.close()


# -- child processes --------------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


class Children:
    """Every child process started for a topology; all stopped on the way out, whatever happened."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.all: list[Child] = []

    async def start(self, name: str, *argv: str, env: dict[str, str], stdin: bool = False,
                    stdout: bool = False) -> Child:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *argv, env=env, cwd=ROOT, stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if stdout else out, stderr=out,
            )
        child = Child(name, process, log)
        self.all.append(child)
        return child

    async def stop(self) -> None:
        """SIGINT (a clean stop), then SIGTERM (where SIGINT is ignored, as under ``nohup``), then SIGKILL."""
        for child in reversed(self.all):
            process = child.process
            for sig, patience in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
                if process.returncode is not None:
                    break
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), timeout=patience)
        self.all.clear()


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from callcenter.cli import main; main()", *args]


async def wait_web(url: str, child: Child) -> None:
    async with httpx.AsyncClient(base_url=url) as http, asyncio.timeout(60):
        while True:
            if child.process.returncode is not None:
                raise RuntimeError(f"{child.name} exited: {child.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/login")).status_code == 200:
                    return
            await asyncio.sleep(0.1)


async def line_of(child: Child, timeout: float) -> str:  # noqa: ASYNC109
    assert child.process.stdout is not None
    line = await asyncio.wait_for(child.process.stdout.readline(), timeout)
    if not line:
        raise RuntimeError(f"{child.name} exited: {child.log.read_text()[-2000:]}")
    return line.decode().strip()


# -- CPU from /proc ---------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent on anything but idling, so far (``/proc/stat``)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def cpu_wait_seconds(pid: int) -> float:
    """Time the process's main thread spent runnable but waiting for a CPU (the machine being busy)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


async def backends(db: Database) -> tuple[list[int], int]:
    """The server processes serving the database now, and how many sessions it has had so far."""
    conn = await asyncpg.connect(db.dsn)
    try:
        me = conn.get_server_pid()
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", db.name)
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        sessions = await conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = $1", db.name)
    finally:
        await conn.close()
    return [r["pid"] for r in rows if r["pid"] != me], int(sessions or 0)


async def calls_logged(db: Database, linkedids: list[str], limit: float = 120.0) -> tuple[int, float]:
    """How many of these calls the call log holds once it stops growing (or ``limit`` seconds pass)."""
    conn = await asyncpg.connect(db.dsn)
    started = time.perf_counter()
    try:
        count = -1
        while True:
            now = await conn.fetchval("SELECT count(*) FROM calls WHERE linkedid = ANY($1::text[])", linkedids)
            waited = time.perf_counter() - started
            if now >= len(linkedids) or waited > limit or (now == count and waited > 10):
                return int(now), waited
            count = now
            await asyncio.sleep(1.0)
    finally:
        await conn.close()


# -- the operators' sockets -------------------------------------------------------------------------------


@dataclass
class Sockets:
    """One WebSocket per operator; the instant each pop arrives, by (login, linkedid)."""

    pops: dict[tuple[str, str], int] = field(default_factory=dict)
    known: dict[tuple[str, str], bool] = field(default_factory=dict)
    duplicates: int = 0
    messages: int = 0
    closed: list[str] = field(default_factory=list)
    open: list[ClientConnection] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def connect_all(self, operators: Sequence[Operator], urls: Sequence[str], parallel: int = 50) -> None:
        limit = asyncio.Semaphore(parallel)

        async def one(i: int, op: Operator) -> None:
            url = urls[i % len(urls)].replace("http://", "ws://") + f"/ws?token={op.token}"
            async with limit:
                ws = await connect(url, open_timeout=60, max_size=None)
                hello = json.loads(await asyncio.wait_for(ws.recv(), 60))
                assert hello["type"] == "hello" and hello["user"]["login"] == op.login, hello
            self.open.append(ws)
            self.readers.append(asyncio.create_task(self.read(op.login, ws)))

        await asyncio.gather(*(one(i, op) for i, op in enumerate(operators)))

    async def read(self, login: str, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                at = time.monotonic_ns()
                self.messages += 1
                message = json.loads(raw)
                if message.get("type") == "pop":
                    key = (login, message["call"]["linkedid"])
                    if key in self.pops:
                        self.duplicates += 1
                    else:
                        self.pops[key] = at
                        self.known[key] = message.get("dossier") is not None
        except Exception as exc:  # counted and shown; the run goes on
            self.closed.append(f"{login}: {exc!r}")
        else:
            if ws.close_code not in (None, 1000, 1001):
                self.closed.append(f"{login}: closed {ws.close_code} {ws.close_reason}")

    async def close_all(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.open), return_exceptions=True)
        self.open.clear()
        self.readers.clear()


class BrokerWatch:
    """Listens on the run's broker channel and notes when each call's ringing event went through it,
    which splits a pop's latency into the telephony side's share and the web side's."""

    def __init__(self, url: str, channel: str) -> None:
        self.redis = aioredis.Redis.from_url(url)
        self.channel = channel
        self.ringing: dict[str, int] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        self.task = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            at = time.monotonic_ns()
            data = message["data"]
            if message["type"] == "message" and b'"type":"CallRinging"' in data:
                linkedid = json.loads(data.partition(b" ")[2])["linkedid"]
                self.ringing.setdefault(linkedid, at)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.redis.aclose()


# -- one topology -----------------------------------------------------------------------------------------


@dataclass
class Result:
    web: int
    expected: int = 0
    received: int = 0
    lost: int = 0
    unexpected: int = 0
    duplicates: int = 0
    latency: dict[str, float] = field(default_factory=dict)
    to_broker: dict[str, float] = field(default_factory=dict)  # ringing frame written -> its event on Redis
    from_broker: dict[str, float] = field(default_factory=dict)  # event on Redis -> pop at the socket
    known: dict[str, float] = field(default_factory=dict)
    unknown: dict[str, float] = field(default_factory=dict)
    late: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    cpu_wait: dict[str, float] = field(default_factory=dict)
    window: float = 0.0
    sessions: int = 0  # database sessions opened during the window (a pool opening and closing connections)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's load average as the window starts and ends
    closed: list[str] = field(default_factory=list)
    warnings: dict[str, int] = field(default_factory=dict)
    logged: int = 0  # the window's calls in the call log
    log_lag: float = 0.0  # seconds after the last ring until the last of them was logged (or the wait ended)


def write_samples(path: Path, expected: dict[tuple[str, str], int], received: dict[tuple[str, str], int],
                  seen: dict[str, int], known: dict[tuple[str, str], bool]) -> None:
    """One line per pop, in ringing order: when it rang (ms into the run) and where its time went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first = min(expected.values())
    lines = ["rang_ms,rang_monotonic_s,operator,linkedid,dossier,to_broker_ms,from_broker_ms,total_ms"]
    for key, written in sorted(expected.items(), key=lambda item: item[1]):
        total = received.get(key)
        broker = seen.get(key[1])
        cells = [f"{(written - first) / 1e6:.1f}", f"{written / 1e9:.3f}", key[0], key[1], str(int(known.get(key, False))),
                 f"{(broker - written) / 1e6:.2f}" if broker else "",
                 f"{(written + total - broker) / 1e6:.2f}" if broker and total is not None else "",
                 f"{total / 1e6:.2f}" if total is not None else "lost"]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")


def environment(db: Database, broker_url: str, channel: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CALLCENTER_DATABASE_URL": db.sqlalchemy_url,
        "CALLCENTER_SECRET_KEY": SECRET_KEY,
        "CALLCENTER_DATA_DIR": str(data_dir),
        "CALLCENTER_BROKER_URL": broker_url,
        "CALLCENTER_BROKER_CHANNEL": channel,
        "CALLCENTER_EMBEDDED_TELEPHONY": "false",
        "CALLCENTER_LOG_LEVEL": "WARNING",
        "CALLCENTER_AMI_SECRET": AMI_SECRET,
        **extra,
    }


async def run_topology(args: argparse.Namespace, db: Database, operators: list[Operator], plan_file: Path,
                       web_count: int, folder: Path) -> Result:
    channel = f"screen-pop-bench:{uuid.uuid4().hex}"
    env = environment(db, args.broker_url, channel, folder / "data")
    children = Children(folder)
    sockets = Sockets()
    broker = BrokerWatch(args.broker_url, channel)
    result = Result(web_count)
    stamps_file = folder / "stamps.json"
    try:
        pbx = await children.start("pbx", sys.executable, str(SCRIPT), "--role", "pbx",
                                   "--plan", str(plan_file), "--out", str(stamps_file), env=env, stdin=True,
                                   stdout=True)
        ami_port = (await line_of(pbx, 30)).split()[1]
        telephony = await children.start(
            "telephony", *cli("telephony"),
            env={**env, "CALLCENTER_AMI_PORT": ami_port, "CALLCENTER_AGI_PORT": str(free_port())},
        )
        webs: list[Child] = []
        urls: list[str] = []
        for n in range(web_count):
            port = free_port()
            webs.append(await children.start(f"web{n + 1}", *cli("serve", "--no-telephony", "--no-migrate",
                                                                  "--port", str(port)), env=env))
            urls.append(f"http://127.0.0.1:{port}")
        for url, child in zip(urls, webs):
            await wait_web(url, child)
        print("  " + ", ".join(f"{c.name} pid {c.pid}" for c in children.all) + f", sockets pid {os.getpid()}",
              flush=True)
        if await line_of(pbx, 60) != "connected":
            raise RuntimeError("the simulator did not see the connector log in")
        started = time.perf_counter()
        await sockets.connect_all(operators, urls)
        print(f"  {len(operators)} sockets open in {time.perf_counter() - started:.1f} s", flush=True)
        await asyncio.sleep(1.0)  # the connector's reconcile after login, the hellos' last writes
        # This process notes when each pop arrives: a pause of its own collector would be counted as the
        # product's latency, so it holds its collector off while the calls are played.
        gc.collect()
        gc.freeze()
        gc.disable()

        watched = {f"web {i + 1}": c.pid for i, c in enumerate(webs)}
        watched |= {"telephony": telephony.pid, "simulator": pbx.pid, "sockets (this process)": os.getpid()}
        redis = aioredis.Redis.from_url(args.broker_url)
        try:
            redis_pid = int((await redis.info("server"))["process_id"])
        finally:
            await redis.aclose()
        await broker.start()
        assert pbx.process.stdin is not None
        pbx.process.stdin.write(b"go\n")
        await pbx.process.stdin.drain()
        await asyncio.sleep(args.warmup)
        # The measured window: from the end of the warm-up to the last call played.
        pids, sessions = await backends(db)
        serving = {pid: cpu_seconds(pid) for pid in pids}
        before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        waited = {name: cpu_wait_seconds(pid) for name, pid in watched.items()}
        redis_before = cpu_seconds(redis_pid)
        machine_before = machine_busy_seconds()
        window_start = time.perf_counter()
        load_start = os.getloadavg()[0]
        if await line_of(pbx, args.seconds + 120) != "done":
            raise RuntimeError("the simulator did not finish its calls")
        result.window = time.perf_counter() - window_start
        result.load = (load_start, os.getloadavg()[0])
        result.cpu = {name: (cpu_seconds(pid) - before[name]) / result.window for name, pid in watched.items()}
        result.cpu_wait = {name: (cpu_wait_seconds(pid) - waited[name]) / result.window
                           for name, pid in watched.items()}
        pids, end_sessions = await backends(db)
        result.sessions = end_sessions - sessions - 1  # less the benchmark's own look
        result.cpu["postgres (its backends)"] = sum(
            cpu_seconds(pid) - serving.get(pid, 0.0) for pid in pids) / result.window
        result.cpu["redis"] = (cpu_seconds(redis_pid) - redis_before) / result.window
        machine = (machine_busy_seconds() - machine_before) / result.window
        result.cpu[OTHERS] = max(0.0, machine - sum(result.cpu.values()))

        stamps = read_json(stamps_file)
        by_interface = {f"PJSIP/{op.extension}": op.login for op in operators}
        expected = {(by_interface[interface], linkedid): at for linkedid, interface, at in stamps["calls"]}
        warmup = {(by_interface[interface], linkedid) for linkedid, interface, _ in stamps["warmup"]}
        with contextlib.suppress(TimeoutError):
            await wait_until(lambda: expected.keys() <= sockets.pops.keys(), args.grace, every=0.05)
        result.logged, result.log_lag = await calls_logged(db, [linkedid for _, linkedid in expected])
        received = {key: at - expected[key] for key, at in sockets.pops.items() if key in expected}
        result.expected, result.received = len(expected), len(received)
        result.lost = len(expected) - len(received)
        result.unexpected = len(sockets.pops.keys() - expected.keys() - warmup)
        result.duplicates, result.closed = sockets.duplicates, list(sockets.closed)
        if received:
            result.latency = percentiles(list(received.values()))
            known = [v for k, v in received.items() if sockets.known[k]]
            unknown = [v for k, v in received.items() if not sockets.known[k]]
            result.known = percentiles(known) if known else {}
            result.unknown = percentiles(unknown) if unknown else {}
            written = {linkedid: at for (_, linkedid), at in expected.items()}
            seen = {k: v for k, v in broker.ringing.items() if k in written}
            result.to_broker = percentiles([at - written[k] for k, at in seen.items()]) if seen else {}
            after = [sockets.pops[k] - seen[k[1]] for k in received if k[1] in seen]
            result.from_broker = percentiles(after) if after else {}
            if args.samples:
                write_samples(args.samples / f"pops-{web_count}-web.csv", expected, received, seen, sockets.known)
        late = [s * 1e9 for s in stamps["late"]]
        result.late = percentiles([int(v) for v in late]) if late else {}
        await sockets.close_all()
        pbx.process.stdin.write(b"quit\n")
        with contextlib.suppress(ConnectionError):
            await pbx.process.stdin.drain()
    finally:
        gc.enable()
        gc.unfreeze()
        await broker.close()
        await sockets.close_all()
        await children.stop()
    result.warnings = log_warnings(folder)
    return result


def log_warnings(folder: Path) -> dict[str, int]:
    """How often the children's logs say something went wrong (they log at WARNING and above)."""
    found = {}
    for log in sorted(folder.glob("*.log")):
        text = log.read_text(errors="replace")
        for needle in ("Traceback", "dropped", "behind", "ERROR"):
            if needle in text:
                found[f"{log.stem}: {needle}"] = text.count(needle)
    return found


# -- the report -------------------------------------------------------------------------------------------


def report(results: list[Result], args: argparse.Namespace) -> None:
    heads = [f"{r.web} web process" + ("es" if r.web > 1 else "") for r in results]
    width = max(18, *(len(h) + 2 for h in heads))

    def row(label: str, values: Sequence[str]) -> None:
        print(f"{label:<40}" + "".join(f"{v:>{width}}" for v in values))

    print()
    print(f"{args.sockets} sockets, {args.rate:g} calls/s for {args.seconds:g} s (after {args.warmup:g} s of warm-up), "
          f"{args.hit_share:.0%} callers with a dossier")
    row("", heads)
    row("pops expected", [f"{r.expected:,}" for r in results])
    row("pops received", [f"{r.received:,}" for r in results])
    row("pops lost", [f"{r.lost:,}" for r in results])
    for title, pick in (("latency, all pops", "latency"), ("  callers with a dossier", "known"),
                        ("  unknown callers", "unknown"), ("frame written -> event on Redis", "to_broker"),
                        ("event on Redis -> pop", "from_broker")):
        for q in ("p50", "p90", "p99", "max"):
            row(f"{title if q == 'p50' else '':<32}{q:>4} ms",
                [f"{getattr(r, pick).get(q, float('nan')):.1f}" for r in results])
    row("simulator behind schedule p99 ms", [f"{r.late.get('p99', float('nan')):.1f}" for r in results])
    names: list[str] = []
    for r in results:
        names += [n for n in r.cpu if n not in names]
    names.sort(key=lambda n: n == OTHERS)  # the machine's other work last
    row("database sessions opened in the window", [f"{r.sessions}" for r in results])
    row("calls logged (of those rung)", [f"{r.logged:,} of {r.expected:,}" for r in results])
    row("  the last logged, s after the last ring", [f"{r.log_lag:.1f}" for r in results])
    row("load average (start, end of window)", [f"{r.load[0]:.1f}, {r.load[1]:.1f}" for r in results])
    print("CPU during the window: % of one core (ms per call)")
    for name in names:
        per_call = name != OTHERS
        row(f"  {name}", [f"{100 * r.cpu[name]:.0f}%" + (f" ({1000 * r.cpu[name] / args.rate:.1f})" if per_call else "")
                          if name in r.cpu else "" for r in results])
    print("Waiting for a CPU while runnable, % of the window (the machine is shared)")
    for name in names:
        if any(name in r.cpu_wait for r in results):
            row(f"  {name}", [f"{100 * r.cpu_wait[name]:.0f}%" if name in r.cpu_wait else "" for r in results])
    for r in results:
        extras = []
        if r.unexpected or r.duplicates:
            extras.append(f"{r.unexpected} pops for calls not rung, {r.duplicates} pops twice")
        if r.closed:
            extras.append(f"{len(r.closed)} sockets closed by the server, e.g. {r.closed[0]}")
        if r.warnings:
            extras.append("in the logs: " + ", ".join(f"{k} x{v}" for k, v in r.warnings.items()))
        for line in extras:
            print(f"{r.web} web: {line}")
    for r in results:
        p99 = r.latency.get("p99", float("inf"))
        print(f"target with {r.web} web: p99 < {TARGET_P99_MS:g} ms: {'met' if p99 < TARGET_P99_MS else 'MISSED'} "
              f"({p99:.1f} ms); none lost: {'met' if r.lost == 0 else 'MISSED'} ({r.lost} lost)")


async def own_redis(children: Children) -> str | None:
    """A ``redis-server`` for the run alone, on a free port; None when none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    await children.start("redis", binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", env=dict(os.environ))
    url = f"redis://127.0.0.1:{port}/0"
    client = aioredis.Redis.from_url(url)
    try:
        async with asyncio.timeout(10):
            while True:
                with contextlib.suppress(OSError, aioredis.ConnectionError):
                    if await client.ping():
                        return url
                await asyncio.sleep(0.05)
    finally:
        await client.aclose()


# -- main -------------------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    if args.reuse:
        db = kept_database(args.database_url, args.reuse)
    else:
        db = await create_database(args.database_url)
    print(f"database {db.name}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="screen-pop-"))
    broker = Children(folder)
    keep_logs = True  # unless the run ends with nothing in them worth a look
    try:
        if args.broker_url is None:
            args.broker_url = await own_redis(broker) or "redis://127.0.0.1:6379/0"
        print(f"broker {args.broker_url}", flush=True)
        if not args.reuse:
            await load(db, args.clients, args.phones or round(args.clients * 1.5), 0.2)
        else:
            await upgrade(db.sqlalchemy_url)  # a database kept by an older version lacks the newer columns
        operators = await add_operators(db, args.sockets, SECRET_KEY)
        warmup_calls = round(args.rate * args.warmup)
        calls = round(args.rate * args.seconds)
        numbers = await callers(db, warmup_calls + calls, args.hit_share, rng)
        order: list[int] = []
        while len(order) < warmup_calls + calls:  # every operator once per round, in a new order each round
            round_ = list(range(len(operators)))
            rng.shuffle(round_)
            order += round_
        plan = [[order[k], numbers[k]] for k in range(warmup_calls + calls)]
        plan_file = folder / "plan.json"
        write_json(plan_file, {"rate": args.rate, "extensions": [op.extension for op in operators],
                               "warmup": plan[:warmup_calls], "calls": plan[warmup_calls:]})
        results = []
        for web_count in args.web:
            print(f"-- {web_count} web process{'es' if web_count > 1 else ''} (logs in {folder / str(web_count)})",
                  flush=True)
            sub = folder / str(web_count)
            sub.mkdir()
            results.append(await run_topology(args, db, operators, plan_file, web_count, sub))
        report(results, args)
        keep_logs = any(r.warnings or r.closed for r in results)
    finally:
        await broker.stop()
        if keep_logs:
            print(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
        if args.keep or args.reuse:
            print(f"kept: {db.name}")
        else:
            await drop_database(args.database_url, db)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000, help="Operators, one socket each.")
    parser.add_argument("--rate", type=float, default=100.0, help="Calls rung per second.")
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the measured ringing.")
    parser.add_argument("--warmup", type=float, default=5.0, help="Seconds of the same traffic first, not counted.")
    parser.add_argument("--grace", type=float, default=5.0, help="Seconds after the last ring before a pop is lost.")
    parser.add_argument("--web", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2],
                        help="Topologies: numbers of web processes, comma-separated.")
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=None, help="Phones to load (default 1.5 per client).")
    parser.add_argument("--hit-share", type=float, default=0.8, help="Share of callers whose number is in the base.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/postgres",
                        help="A PostgreSQL server (any database on it); the benchmark creates its own database.")
    parser.add_argument("--broker-url", default=None,
                        help="A Redis to use (each run publishes on a channel of its own); default: a redis-server "
                             "of the benchmark's own, or redis://127.0.0.1:6379/0 when none is installed.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", metavar="NAME", help="Measure on a database kept by an earlier run (no load).")
    parser.add_argument("--samples", type=Path, metavar="DIR",
                        help="Write every pop's timings here, one CSV per topology (pops-<n>-web.csv).")
    parser.add_argument("--role", choices=["pbx"], help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.role == "pbx":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(pbx_role(arguments))
    else:
        try:
            asyncio.run(main(arguments))
        except KeyboardInterrupt:
            sys.exit("interrupted; every process started was stopped")
