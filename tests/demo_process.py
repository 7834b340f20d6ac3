"""``callcenter demo`` as a newcomer runs it, in a child process on free ports, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

DEMO_PASSWORD = "demo-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving_cli(args: list[str], *, port: int, env: dict[str, str], cwd: Path,
                      log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``callcenter <args>`` in a child process, once it answers on ``port``; stopped with Ctrl-C after."""
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from callcenter.cli import main; main()", *args,
            cwd=cwd, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http, asyncio.timeout(90):
            while True:
                assert process.returncode is None, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/login")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def running_demo(folder: Path, *args: str) -> AsyncIterator[str]:
    """The demo's URL once it answers; on exit it must stop cleanly on SIGINT and have logged no traceback."""
    port = free_port()
    env = {
        **os.environ, "CALLCENTER_DATA_DIR": str(folder / "data"), "CALLCENTER_DATABASE_URL": "",
        "CALLCENTER_AMI_PORT": str(free_port()), "CALLCENTER_AGI_PORT": str(free_port()),
        "CALLCENTER_LOG_LEVEL": "WARNING",
    }
    log = folder / "demo.log"
    async with serving_cli(["demo", "--port", str(port), *args], port=port, env=env, cwd=folder, log=log) as process:
        yield f"http://127.0.0.1:{port}"
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Call-center CRM is at" in text and "Traceback" not in text, text
