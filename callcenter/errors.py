"""Domain errors with stable ids; the web layer maps them to HTTP answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose. ``error_id`` never changes once published."""

    error_id = "domain-error"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error_id, "message": self.message}
        body.update(self.details)
        return body


class ValidationFailed(DomainError):
    """One or more fields are bad; ``fields`` maps each field path to its reason."""

    error_id = "validation-failed"
    status = 422

    def __init__(self, fields: dict[str, str], message: str = "Some fields are invalid.") -> None:
        super().__init__(message, details={"fields": fields})
        self.fields = fields


class NotFound(DomainError):
    error_id = "not-found"
    status = 404

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key} not found.", details={"entity": entity})


class Forbidden(DomainError):
    error_id = "forbidden"
    status = 403


class NotAuthenticated(DomainError):
    error_id = "not-authenticated"
    status = 401


class Conflict(DomainError):
    error_id = "conflict"
    status = 409


class DuplicateClient(Conflict):
    """The client looks like one that exists; ``candidates`` say which and why."""

    error_id = "duplicate-client"

    def __init__(self, candidates: list[dict[str, Any]]) -> None:
        super().__init__(
            "The client looks like an existing one; repeat with force=true to create it anyway.",
            details={"candidates": candidates},
        )
        self.candidates = candidates


class TooManyAttempts(DomainError):
    error_id = "too-many-attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed logins; try again later.", details={"retry_after": retry_after})
        self.retry_after = retry_after


class CallNotLogged(DomainError):
    """No call with this linkedid is logged (yet): calls are logged when they end, a moment later."""

    error_id = "call-not-logged"
    status = 404

    def __init__(self, linkedid: str) -> None:
        super().__init__(f"No call {linkedid!r} has been logged; if it has just ended, try again in a moment.",
                         details={"linkedid": linkedid})


class NoDevice(DomainError):
    """The user has no phone the PBX could ring: neither an agent interface nor an extension."""

    error_id = "no-extension"
    status = 422

    def __init__(self, login: str) -> None:
        super().__init__(f"User {login} has no extension or agent interface; an admin sets one on the user.")


class NoRecording(DomainError):
    """The call was not recorded (the PBX named no file for it)."""

    error_id = "no-recording"
    status = 404

    def __init__(self, call_id: int) -> None:
        super().__init__(f"Call {call_id} was not recorded.", details={"call_id": call_id})


class RecordingNotArrived(DomainError):
    """The PBX named a file for the call, and it is not in the recordings folder (yet)."""

    error_id = "recording-not-arrived"
    status = 404

    def __init__(self, call_id: int) -> None:
        super().__init__(f"The recording of call {call_id} is not in the recordings folder yet; it is served as "
                         "soon as the PBX's file is there.", details={"call_id": call_id})


class RecordingDeleted(DomainError):
    """The recording was deleted under the retention setting; the call stays."""

    error_id = "recording-deleted"
    status = 410

    def __init__(self, call_id: int) -> None:
        super().__init__(f"The recording of call {call_id} was deleted under the recordings' retention.",
                         details={"call_id": call_id})


class NoTranscript(DomainError):
    """The call has no transcript and none is coming (no recording, or transcription is off)."""

    error_id = "no-transcript"
    status = 404

    def __init__(self, call_id: int) -> None:
        super().__init__(f"Call {call_id} has no transcript.", details={"call_id": call_id})


class TranscriptNotReady(DomainError):
    """The transcription is queued, running, or failed; ``job`` says which and why."""

    error_id = "transcript-not-ready"
    status = 404

    def __init__(self, call_id: int, status: str, reason: str) -> None:
        super().__init__(f"The transcript of call {call_id} is not ready ({status}).",
                         details={"call_id": call_id, "job": {"status": status, "last_error": reason}})


class CallNotLive(DomainError):
    """No call with this linkedid is going on now."""

    error_id = "call-not-live"
    status = 404

    def __init__(self, linkedid: str) -> None:
        super().__init__(f"No call {linkedid!r} is going on now.", details={"linkedid": linkedid})


class CallNotAnswered(DomainError):
    """A live call no operator of the CRM is talking on: there is nobody to listen to."""

    error_id = "call-not-answered"
    status = 409

    def __init__(self, linkedid: str) -> None:
        super().__init__(f"Call {linkedid!r} is not answered by an operator yet; listen in once it is.",
                         details={"linkedid": linkedid})


class NotYours(Forbidden):
    """An operator tried to change a piece of work that is another operator's."""

    error_id = "not-yours"


class OwnerChangeForbidden(Forbidden):
    """An operator tried to give an item to someone (themselves included): reassigning is a supervisor's call."""

    error_id = "owner-change-forbidden"


class SegmentInUse(Conflict):
    """A segment a campaign takes its clients from cannot be deleted; ``campaigns`` names them."""

    error_id = "segment-in-use"

    def __init__(self, segment_id: int, campaigns: list[dict[str, Any]]) -> None:
        names = ", ".join(str(c["name"]) for c in campaigns)
        super().__init__(f"Segment {segment_id} is used by campaigns ({names}); delete or change them first.",
                         details={"campaigns": campaigns})
        self.campaigns = campaigns
