"""The demo's PBX: the simulator, wired to the operators and clients in the base, inside the demo process.

A newcomer has no Asterisk; the simulator plays one on the AMI and FastAGI ports the settings name, so
the same connector, call logger and lookup that serve a real PBX serve it. A port already taken (a real
Asterisk on the same machine) is not worth a failed demo: the simulator then takes any free port, and
the connector is pointed there.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from callcenter.bus import EventBus
from callcenter.cli.telephony import Telephony, telephony_running
from callcenter.seeding.traffic import demo_traffic
from callcenter.settings import Settings
from telephony.agi.scripts import agi_server
from telephony.agi.server import AgiServer
from telephony.simulator import PbxSimulator, SimulatorConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


async def _listen(start_on: Callable[[int], Awaitable[T]], port: int, what: str) -> T:
    """``start_on(port)``, or ``start_on(0)`` (any free port) when ``port`` is taken."""
    try:
        return await start_on(port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
    log.warning("%s port %s is taken (a real Asterisk?); the demo PBX uses a free one", what, port)
    return await start_on(0)


@dataclass(frozen=True, slots=True)
class DemoPbx:
    simulator: PbxSimulator
    telephony: Telephony


@contextlib.asynccontextmanager
async def demo_pbx_running(s: Settings, engine: AsyncEngine, bus: EventBus, *, rate: float,
                           seed: int | None = None, time_factor: float = 1.0) -> AsyncIterator[DemoPbx]:
    """FastAGI, the simulated PBX making ``rate`` calls a minute, and the connector logged in to it.

    ``time_factor`` is real seconds per simulated second: 0.1 plays every call ten times as fast.
    """
    traffic = await demo_traffic(engine)
    secret = s.ami_secret or secrets.token_urlsafe(18)
    async with contextlib.AsyncExitStack() as stack:

        async def agi_on(port: int) -> AgiServer:
            agi = agi_server(s.model_copy(update={"agi_port": port}), engine)
            await agi.start()
            return agi

        agi = await _listen(agi_on, s.agi_port, "FastAGI")
        stack.push_async_callback(agi.close)
        config = SimulatorConfig(
            host=s.ami_host, port=s.ami_port, username=s.ami_username, secret=secret, rate=rate, seed=seed,
            agents=traffic.interfaces or SimulatorConfig().agents, numbers=traffic.numbers,
            agi_url=f"agi://{agi.host}:{agi.port}/lookup", time_factor=time_factor,
            dialer_context=s.dialer_context,  # the campaigns' Originates are played as campaign calls
        )

        async def simulator_on(port: int) -> PbxSimulator:
            simulator = PbxSimulator(replace(config, port=port))
            await simulator.start()
            return simulator

        simulator = await _listen(simulator_on, s.ami_port, "AMI")
        stack.push_async_callback(simulator.close)
        log.info("demo PBX: AMI on %s:%s, %g calls/min to %s", s.ami_host, simulator.port, rate,
                 ", ".join(simulator.config.agents))
        wired = s.model_copy(update={"ami_port": simulator.port, "ami_secret": secret})
        telephony = await stack.enter_async_context(telephony_running(wired, engine, bus, with_agi=False))
        yield DemoPbx(simulator, replace(telephony, agi=agi))
