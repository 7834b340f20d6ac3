"""``callcenter simulate-pbx``: a PBX that speaks AMI as Asterisk 22 does and makes call traffic, so the
CRM can be demonstrated, tested and measured without a real Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click

from callcenter.cli.common import run
from telephony.simulator import PbxSimulator, SimulatorConfig

log = logging.getLogger(__name__)


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


async def _serve(config: SimulatorConfig) -> None:
    simulator = PbxSimulator(config)
    await simulator.start()
    click.echo(
        f"simulated PBX: AMI on {config.host}:{simulator.port} (user {config.username}), "
        f"{config.rate:g} calls/min, agents {', '.join(config.agents)}"
        + (f", FastAGI {config.agi_url}" if config.agi_url else "")
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await simulator.close()


@click.command("simulate-pbx")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5038, show_default=True, type=int, help="AMI port to listen on.")
@click.option("--rate", default=6.0, show_default=True, type=float, help="Generated calls per minute (0: none).")
@click.option("--seed", default=None, type=int, help="Seed for a repeatable call sequence.")
@click.option("--username", default="crm", show_default=True, help="AMI user the CRM logs in as.")
@click.option("--secret", default="secret", show_default=True, help="That user's secret.")
@click.option("--agents", default="PJSIP/101,PJSIP/102,PJSIP/103", show_default=True,
              help="Queue members (operator devices), comma-separated.")
@click.option("--agi", "agi_url", default=None, help="FastAGI URL called for inbound calls, e.g. agi://127.0.0.1:4573/lookup.")
@click.option("--numbers", default="", help="Caller numbers to use often (e.g. clients in the demo base), comma-separated.")
@click.option("--time-factor", default=1.0, show_default=True, type=float,
              help="Real seconds per simulated second (0.1 plays calls ten times as fast).")
def simulate_pbx(host: str, port: int, rate: float, seed: int | None, username: str, secret: str, agents: str,
                 agi_url: str | None, numbers: str, time_factor: float) -> None:
    """Run a simulated Asterisk: AMI server plus call traffic (Ctrl+C stops it)."""
    if time_factor <= 0:
        raise click.BadParameter("must be above 0", param_hint="--time-factor")
    interfaces = _split(agents)
    if not interfaces or any("/" not in item for item in interfaces):
        raise click.BadParameter("give device interfaces such as PJSIP/101", param_hint="--agents")
    config = SimulatorConfig(
        host=host, port=port, username=username, secret=secret, rate=rate, seed=seed, agents=interfaces,
        agi_url=agi_url, numbers=_split(numbers), time_factor=time_factor,
    )
    run(_serve(config))


COMMANDS = [simulate_pbx]
