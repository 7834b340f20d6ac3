"""What logging a call summary came to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """The rows a summary is logged as. ``created`` is False when the linkedid was already logged."""

    call_id: int
    interaction_id: int
    client_id: int | None
    operator_id: int | None
    task_id: int | None  # the open missed-call callback for this call, if any
    created: bool
    corrected: bool = False
