"""Desk events on the CRM's bus: commands a browser gives the PBX, their failures, and wrap-ups.

A command is published by whichever web process received the click and carried out by whichever process
holds the AMI connection (the same one on the embedded default; across processes through the broker).
The PBX's answer comes back as ordinary call events (the call rings, ``AgentPaused``), or as
``CommandFailed`` addressed to the user who clicked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DialRequested:
    """Click-to-call: ring the operator's own device first, then dial ``number`` from it."""

    command_id: str
    user_id: int
    interface: str  # the operator's device, as the PBX names it (PJSIP/101)
    number: str  # E.164
    caller_id: str  # what the operator's phone shows while it rings
    at: datetime


@dataclass(frozen=True, slots=True)
class PauseRequested:
    command_id: str
    user_id: int
    interface: str
    paused: bool
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SpyRequested:
    """Ring a supervisor's device and, once picked up, let it listen to (whisper to, barge into) an
    operator's leg of a live call."""

    command_id: str
    user_id: int  # the supervisor
    interface: str  # the supervisor's device
    linkedid: str  # the call
    operator_interface: str  # the operator's device in that call
    mode: str  # listen, whisper, barge
    caller_id: str  # what the supervisor's phone shows while it rings
    at: datetime


@dataclass(frozen=True, slots=True)
class CommandFailed:
    command_id: str
    user_id: int
    action: str  # dial, pause, spy
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class WrapUpDone:
    """The operator saved the call's result: their wrap-up is over."""

    user_id: int
    linkedid: str
    at: datetime


DeskEvent = DialRequested | PauseRequested | SpyRequested | CommandFailed | WrapUpDone
