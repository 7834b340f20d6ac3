"""The simulated PBX: channels, the queue, the calls being played and the generated traffic.

Frames go to ``emit`` (the AMI server broadcasts them). Simulated time runs ``1 / time_factor`` times
as fast as real time from ``epoch``; generated calls start at simulated instants drawn from the seeded
planner, so one seed gives one sequence of calls; their Uniqueids repeat too while the machine keeps
up with the simulated clock (concurrent calls draw from one counter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable

from telephony.ami.frames import Frame
from telephony.simulator.agi import AgiOutcome, call_agi
from telephony.simulator.channels import ChannelFactory, SimChannel
from telephony.simulator.dialer import DialerOriginate, Fate, campaign_call
from telephony.simulator.direct import attended_transfer, direct_busy
from telephony.simulator.outbound import OriginateRequest, is_device, originate
from telephony.simulator.plan import CallPlan, Planner, Scenario, SimulatorConfig, agents_from
from telephony.simulator.queue import QueueState
from telephony.simulator.scenarios import queue_call
from telephony.simulator.script import CallScript
from telephony.simulator.spy import SpyRequest, chanspy

log = logging.getLogger(__name__)


class Pbx:
    def __init__(self, config: SimulatorConfig, emit: Callable[[Frame], None]) -> None:
        self.config = config
        self.agents = agents_from(config.agents)
        self.factory = ChannelFactory()
        self.emit = emit
        self.epoch = config.epoch if config.epoch is not None else time.time()
        self.planner = Planner(config)
        # AMI originates draw from their own generator so they never shift the generated traffic
        self._outcomes = random.Random(None if config.seed is None else config.seed + 1)
        self._dialled = random.Random(None if config.seed is None else config.seed + 2)  # campaign calls' fates
        self.queue = QueueState(config.queue, self.agents, self.epoch)
        self.calls: dict[asyncio.Task[None], CallScript] = {}
        self._traffic: asyncio.Task[None] | None = None
        self._real_start = 0.0

    def start(self) -> None:
        self._real_start = asyncio.get_running_loop().time()
        if self.config.rate > 0:
            self._traffic = asyncio.create_task(self._generate(), name="pbx-traffic")

    def now(self) -> float:
        """The simulated clock (epoch seconds)."""
        elapsed = asyncio.get_running_loop().time() - self._real_start
        return self.epoch + elapsed / self.config.time_factor

    def _spawn(self, body: Callable[[CallScript], object], start: float | None = None) -> asyncio.Task[None]:
        script = CallScript(self.factory, self.emit, self.now() if start is None else start, self.config.time_factor)

        async def run() -> None:
            try:
                await body(script)  # type: ignore[misc]
            except asyncio.CancelledError:
                raise
            except Exception:  # one broken call must not stop the PBX
                log.exception("simulated call failed")

        task = asyncio.create_task(run(), name="pbx-call")
        self.calls[task] = script
        task.add_done_callback(lambda done: self.calls.pop(done, None))
        return task

    def start_call(self, plan: CallPlan, start: float | None = None) -> asyncio.Task[None]:
        """Play one planned call from now (or from simulated instant ``start``)."""
        kind = plan.scenario
        if kind in (Scenario.QUEUE_ANSWERED, Scenario.QUEUE_ABANDONED, Scenario.QUEUE_NO_ANSWER):
            return self._spawn(lambda s: queue_call(s, self, plan, abandon=kind is not Scenario.QUEUE_NO_ANSWER), start)
        if kind is Scenario.DIRECT_BUSY:
            return self._spawn(lambda s: direct_busy(s, self, plan), start)
        if kind is Scenario.TRANSFER:
            return self._spawn(lambda s: attended_transfer(s, self, plan), start)
        agent = self.agents[plan.agent % len(self.agents)]
        number = plan.caller.lstrip("+")
        request = OriginateRequest(
            f"PJSIP/{self.config.carrier}/sip:{number}@127.0.0.1:5081", "connect-agent", agent.extension,
            f'"CRM Click2Call" <{agent.extension}>', timeout=30.0,
        )
        outcome = "answer" if kind is Scenario.OUTBOUND_ANSWERED else ("busy" if plan.busy else "noanswer")
        return self._spawn(lambda s: originate(s, self, request, outcome, plan.answer_after, plan.talk), start)

    def originate(self, request: OriginateRequest) -> asyncio.Task[None]:
        """An AMI Originate: busy and silent test numbers fail, other numbers mostly answer."""
        rng = self._outcomes
        # Click-to-call rings the operator's device; the number it then dials is the Originate's Exten.
        number = request.exten if is_device(self, request) else request.number
        if number in self.config.busy_numbers:
            outcome = "busy"
        elif number in self.config.silent_numbers:
            outcome = "noanswer"
        else:
            outcome = rng.choices(["answer", "busy", "noanswer"], weights=[80, 10, 10])[0]
        ring, talk = round(rng.uniform(2.0, 8.0), 2), round(rng.uniform(10.0, 120.0), 2)
        return self._spawn(lambda s: originate(s, self, request, outcome, ring, talk))

    def dial_campaign(self, request: DialerOriginate) -> asyncio.Task[None]:
        """A campaign's Originate: the number does what ``SimulatorConfig``'s ``dial_*`` rates draw."""
        fate = self.fate()
        return self._spawn(lambda s: campaign_call(s, self, request, fate))

    def fate(self) -> Fate:
        """What the next dialled number does, drawn from the seeded generator of campaign calls."""
        cfg, rng = self.config, self._dialled
        kinds = ["live", "machine", "busy", "no_answer", "failed"]
        weights = [cfg.dial_live_rate, cfg.dial_machine_rate, cfg.dial_busy_rate, cfg.dial_no_answer_rate,
                   cfg.dial_failed_rate]
        kind = rng.choices(kinds, weights=weights)[0] if sum(weights) > 0 else "no_answer"
        ring = 1.0 + rng.expovariate(1.0 / max(0.01, cfg.dial_ring_mean_s - 1.0))
        sigma = 0.5
        talk = rng.lognormvariate(math.log(max(1.0, cfg.dial_talk_mean_s)) - sigma * sigma / 2, sigma)
        if kind == "machine":
            return Fate(kind, ring, "MACHINE", round(rng.uniform(1.5, 3.5), 2), round(rng.uniform(2.0, 8.0), 2))
        mistaken = rng.random() < cfg.dial_amd_false_positive_rate
        return Fate(kind, round(ring, 2), "MACHINE" if mistaken else "HUMAN", round(rng.uniform(1.0, 2.0), 2),
                    talk=round(talk, 2))

    def spy(self, request: SpyRequest) -> asyncio.Task[None]:
        """An AMI Originate of ChanSpy: the supervisor's phone picks up after a second."""
        return self._spawn(lambda s: chanspy(s, self, request, answer_after=1.0))

    async def run_agi(self, url: str, channel: SimChannel, dnid: str) -> AgiOutcome:
        return await call_agi(url, channel, dnid)

    async def hangup(self, name: str, cause: int = 16) -> bool:
        """Hang up the call ``name`` belongs to (AMI Hangup); False when there is no such channel."""
        channel = self.factory.live.get(name)
        if channel is None:
            return False
        for task, script in list(self.calls.items()):
            if script.linkedid == channel.linkedid:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        script = CallScript(self.factory, self.emit, self.now(), self.config.time_factor)
        for leg in self.factory.of_call(channel.linkedid):
            if any(waiting is leg for waiting, _ in self.queue.waiting):
                self.queue.leave(leg, abandoned=True)
            if leg.bridge:
                script.bridge_leave(leg)
            script.hangup(leg, cause)
        return True

    async def _generate(self) -> None:
        loop = asyncio.get_running_loop()
        at = self.epoch
        while True:
            at += self.planner.gap()
            plan = self.planner.plan()
            real = self._real_start + (at - self.epoch) * self.config.time_factor
            await asyncio.sleep(max(0.0, real - loop.time()))
            self.start_call(plan, start=at)

    async def close(self) -> None:
        """Stop the traffic and every call in progress."""
        tasks = [t for t in (self._traffic, *self.calls) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.calls.clear()
