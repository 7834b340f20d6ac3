"""The closed vocabularies of the domain, stored as strings.

Plain enums, outside ``callcenter.models``: importing any module of that package loads every ORM model,
and the pure parts (the call tracker, the call events) need these names without the ORM."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


class ClientKind(StrEnum):
    COMPANY = "company"
    PERSON = "person"


class Stage(StrEnum):
    POTENTIAL = "potential"
    ONE_TIME = "one_time"
    REGULAR = "regular"
    LOST = "lost"


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


class XyzClass(StrEnum):
    X = "X"
    Y = "Y"
    Z = "Z"


class RelationKind(StrEnum):
    PARENT = "parent"
    SUBSIDIARY = "subsidiary"
    PARTNER = "partner"
    COMPETITOR = "competitor"
    OTHER = "other"


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class InteractionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"


class CallOutcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    TRANSFERRED = "transferred"
    VOICEMAIL = "voicemail"


class TaskKind(StrEnum):
    TASK = "task"
    CALLBACK = "callback"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TaskOrigin(StrEnum):
    MANUAL = "manual"
    MISSED_CALL = "missed_call"
    PROMISED_CALLBACK = "promised_callback"
    IMPORT = "import"
    REASSIGNED = "reassigned"


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ClaimStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class PhoneKind(StrEnum):
    WORK = "work"
    MOBILE = "mobile"
    HOME = "home"
    FAX = "fax"
    OTHER = "other"


class CampaignState(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class DialMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


class LeadState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    DIALING = "dialing"  # an attempt is under way
    DONE = "done"  # reached, or out of attempts
    EXCLUDED = "excluded"  # do-not-call, consent withdrawn, no usable number


class AttemptOutcome(StrEnum):
    DIALING = "dialing"  # not finished yet
    CONNECTED = "connected"  # a person, handed to an operator
    ABANDONED = "abandoned"  # a person, no operator within the connect window (or hung up on by AMD)
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
