"""Strings that came from the PBX, made safe to store: a caller id, a queue or a file name may hold any byte
a trunk or a dialplan put there, and PostgreSQL refuses NUL in text. Control characters are dropped, so the
call is logged with what remains rather than not at all."""

from __future__ import annotations

from dataclasses import replace

from callcenter.calls.events import CallSummary, Transfer
from callcenter.controls import without_controls as clean


def _maybe(text: str | None) -> str | None:
    return clean(text) if text is not None else None


def clean_summary(s: CallSummary) -> CallSummary:
    """``s`` with every string the PBX gave cleaned; the same object when there was nothing to clean."""
    cleaned = replace(
        s, linkedid=clean(s.linkedid), caller=clean(s.caller), callee=clean(s.callee), queue=_maybe(s.queue),
        offered_to=tuple(clean(i) for i in s.offered_to), answered_by=_maybe(s.answered_by),
        recording=_maybe(s.recording), recording_in=_maybe(s.recording_in), recording_out=_maybe(s.recording_out),
        transfers=tuple(Transfer(clean(t.source), clean(t.target), t.at) for t in s.transfers),
    )
    return s if cleaned == s else cleaned
