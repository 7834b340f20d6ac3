"""What the simulated PBX looks like and which calls it makes: settings, agents and call plans.

All randomness comes from one ``random.Random(seed)``: the same seed plans the same calls, with the
same callers, waits and talk times, in the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Scenario(StrEnum):
    QUEUE_ANSWERED = "queue_answered"
    QUEUE_ABANDONED = "queue_abandoned"
    QUEUE_NO_ANSWER = "queue_no_answer"
    DIRECT_BUSY = "direct_busy"
    TRANSFER = "transfer"
    OUTBOUND_ANSWERED = "outbound_answered"
    OUTBOUND_FAILED = "outbound_failed"


# How often each kind of call happens in generated traffic.
MIX: dict[Scenario, int] = {
    Scenario.QUEUE_ANSWERED: 45,
    Scenario.QUEUE_ABANDONED: 12,
    Scenario.QUEUE_NO_ANSWER: 6,
    Scenario.DIRECT_BUSY: 8,
    Scenario.TRANSFER: 7,
    Scenario.OUTBOUND_ANSWERED: 14,
    Scenario.OUTBOUND_FAILED: 8,
}
_MOBILE_CODES = ("903", "905", "909", "915", "916", "921", "925", "926", "977", "985", "999")
_CITY_CODES = ("495", "499", "812", "343", "383")


@dataclass(frozen=True, slots=True)
class Agent:
    """A queue member: ``PJSIP/101``, its extension and the name its phone shows."""

    interface: str
    extension: str
    name: str

    @property
    def endpoint(self) -> str:
        return self.interface.split("/", 1)[1]


def agents_from(interfaces: tuple[str, ...]) -> tuple[Agent, ...]:
    """Agents for device interfaces; a numeric endpoint (``PJSIP/101``) is its own extension."""
    agents = []
    for i, interface in enumerate(interfaces):
        endpoint = interface.split("/", 1)[-1]
        extension = endpoint if endpoint.isdigit() else str(2001 + i)
        agents.append(Agent(interface, extension, f"Agent {extension}"))
    return tuple(agents)


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "crm"
    secret: str = "secret"
    rate: float = 0.0  # generated calls per minute; 0: only what AMI actions ask for
    seed: int | None = None
    agents: tuple[str, ...] = ("PJSIP/101", "PJSIP/102", "PJSIP/103")
    agi_url: str | None = None  # agi://host:port/script, called for every inbound call
    numbers: tuple[str, ...] = ()  # caller numbers to use often (clients that exist in the CRM)
    time_factor: float = 1.0  # real seconds per simulated second
    epoch: float | None = None  # simulated clock at start; None: the real clock
    queue: str = "support"
    did: str = "100"
    trunk: str = "trunk"
    carrier: str = "carrier"
    ring_timeout: float = 15.0  # queue member timeout
    retry: float = 5.0
    busy_numbers: frozenset[str] = field(default_factory=lambda: frozenset({"15551230002"}))
    silent_numbers: frozenset[str] = field(default_factory=lambda: frozenset({"15551230003"}))
    # Operators' devices nobody picks up: click-to-call from them fails before the number is dialled (trace x3).
    unattended_devices: frozenset[str] = frozenset()
    # Campaign calls (Originate of Local/<number>@dialer_context, traces j and j2): what the dialled numbers
    # do, as relative weights, and how long things take (simulated seconds).
    dialer_context: str = "dialer-out"
    dial_live_rate: float = 0.30  # a person answers
    dial_machine_rate: float = 0.08  # an answering machine answers
    dial_busy_rate: float = 0.10
    dial_no_answer_rate: float = 0.50  # rings until the Originate's Timeout
    dial_failed_rate: float = 0.02  # the carrier cannot place it (congestion)
    dial_amd_false_positive_rate: float = 0.0  # share of people AMD takes for a machine
    dial_ring_mean_s: float = 6.0  # before an answer (exponential, from 1 s, within the Originate's Timeout)
    dial_talk_mean_s: float = 150.0  # with the operator (lognormal)
    dial_agent_answer_s: float = 1.0  # an operator's phone rings this long before they pick up


@dataclass(frozen=True, slots=True)
class CallPlan:
    """One call to make. Times are simulated seconds; ``agent``/``second`` index the agent list."""

    scenario: Scenario
    caller: str
    agent: int = 0
    second: int = 1
    greeting: float = 3.4
    answer_after: float = 5.0  # in the queue, or ringing for direct and outbound calls
    leave_after: float = 300.0  # in the queue: when the caller abandons or the queue gives up
    talk: float = 30.0
    consult: float = 6.0
    talk2: float = 20.0
    busy: bool = False  # outbound failures: busy (else no answer)


class Planner:
    """Draws call plans and the gaps between calls from one seeded generator."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)

    def gap(self) -> float:
        """Simulated seconds until the next generated call (a Poisson process at ``rate`` per minute)."""
        return self.rng.expovariate(self.config.rate / 60.0) if self.config.rate > 0 else 3600.0

    def number(self) -> str:
        rng = self.rng
        if self.config.numbers and rng.random() < 0.6:
            return rng.choice(self.config.numbers)
        if rng.random() < 0.75:
            return f"+7{rng.choice(_MOBILE_CODES)}{rng.randrange(10**7):07d}"
        return f"+7{rng.choice(_CITY_CODES)}{rng.randrange(10**7):07d}"

    def plan(self, scenario: Scenario | None = None) -> CallPlan:
        rng = self.rng
        kinds = list(MIX)
        chosen = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        scenario = scenario or chosen
        cycle = self.config.ring_timeout + self.config.retry
        count = max(1, len(self.config.agents))
        agent = rng.randrange(count)
        second = (agent + 1 + rng.randrange(max(1, count - 1))) % count
        plan = CallPlan(
            scenario=scenario,
            caller=self.number(),
            agent=agent,
            second=second,
            greeting=round(rng.uniform(2.5, 4.5), 2),
            answer_after=round(rng.uniform(1.0, 12.0), 2),
            talk=round(rng.uniform(8.0, 180.0), 2),
            consult=round(rng.uniform(4.0, 15.0), 2),
            talk2=round(rng.uniform(10.0, 120.0), 2),
            busy=rng.random() < 0.5,
        )
        if scenario is Scenario.QUEUE_ABANDONED:
            return replace(plan, leave_after=round(rng.uniform(3.0, 2.5 * cycle), 2))
        if scenario is Scenario.QUEUE_NO_ANSWER:
            # the queue gives up between rounds, after at least one full unanswered round
            return replace(plan, leave_after=rng.randint(1, 3) * cycle - self.config.retry / 2)
        if scenario is Scenario.QUEUE_ANSWERED and rng.random() < 0.2:
            return replace(plan, answer_after=round(rng.uniform(cycle + 1, 2 * cycle - 1), 2))
        return plan
