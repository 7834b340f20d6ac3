"""What a pacer is shown and told: the dialer's state every half second, and every call's events in time order.

Times are seconds since the shift started. Both types are plain immutable tuples, so a live campaign and
the simulator build them alike and a pacer never holds a reference into either's state.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, Protocol

EventKind = Literal[
    "dialed", "answered", "live", "machine", "no_answer", "failed", "connected", "abandoned", "talk_end",
    "wrapup_end",
]
"""A call's life: ``dialed`` → (``answered`` → ``live`` | ``machine``) | ``no_answer`` | ``failed``;
``live`` → ``connected`` | ``abandoned``; ``connected`` → ``talk_end`` → ``wrapup_end``. In Asterisk:
Originate; DialEnd ANSWER / Newstate Up; AMDSTATUS; BridgeEnter with the operator; the dialer's connect
timeout; Hangup; the operator ready again."""


class DialerSnapshot(NamedTuple):
    """The dialer at one moment. Tuples of start times are longest first (oldest time first)."""

    t: float
    tick_s: float
    shift_end: float
    agents_logged_in: int
    agents_idle: int
    agents_talking: int
    agents_wrapup: int
    idle_since: tuple[float, ...]
    talk_started: tuple[float, ...]
    wrapup_started: tuple[float, ...]
    calls_ringing: int
    ring_started: tuple[float, ...]
    calls_in_amd: int
    amd_started: tuple[float, ...]
    calls_waiting: int
    wait_deadlines: tuple[float, ...]
    dialed_total: int
    live_total: int
    abandoned_total: int
    connected_total: int
    machine_total: int
    no_answer_total: int
    failed_total: int
    recent_live_rate: float
    """Live answers / finished attempts over the last ≤ 200 attempts; NaN before any finished."""
    recent_attempts: int
    recent_live_delay_s: float
    """Mean seconds from dialling to the live verdict over the recent live answers; NaN before any."""
    recent_talk_s: tuple[float, ...]
    """The last ≤ 100 talk times."""
    recent_wrapup_s: float
    """Mean recent wrap-up time; NaN before any."""
    abandon_target: float
    connect_window_s: float
    max_new_calls: int
    """Lines left under the line limit."""
    amd_fp_estimate: float
    """Share of live people the answering-machine detection wrongly hangs up on (abandoned calls the
    dialer never sees as such)."""


class CallEvent(NamedTuple):
    """One step of one call. Fields that do not apply to a kind are None."""

    kind: EventKind
    t: float
    call_id: str
    agent_id: str | None = None
    ring_s: float | None = None
    """``answered``, ``no_answer``, ``failed``: how long the phone rang."""
    wait_s: float | None = None
    """``connected``, ``abandoned``: how long the live person waited for an operator."""
    duration_s: float | None = None
    """``talk_end``: the talk; ``wrapup_end``: the wrap-up."""
    deadline: float | None = None
    """``live``: when the call is abandoned unless an operator takes it."""
    machine: bool | None = None
    """``live``/``machine``: the detector's verdict."""


class Pacer(Protocol):
    """How many calls to place now; told everything that happens to the calls."""

    def calls_to_place(self, snapshot: DialerSnapshot) -> int: ...

    def record(self, event: CallEvent) -> None: ...
