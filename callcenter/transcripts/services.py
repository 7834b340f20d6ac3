"""Reading a call's transcript: for reviewers and the call's own operator, as its recording."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import Permission, Principal
from callcenter.errors import NotFound, NoTranscript, TranscriptNotReady
from callcenter.models import Call, Job, Transcript
from callcenter.reviews.access import require_listener
from callcenter.rows import as_dict
from callcenter.transcripts.jobs import key


async def call_transcript(db: AsyncSession, principal: Principal, call_id: int) -> dict[str, Any]:
    """The transcript's lines with times and speakers; why there is none yet when there is not."""
    principal.require(Permission.WORK_READ)
    call = await db.get(Call, call_id)
    if call is None:
        raise NotFound("call", call_id)
    require_listener(principal, call)
    transcript = await db.scalar(select(Transcript).where(Transcript.call_id == call.id))
    if transcript is not None:
        found = as_dict(transcript, exclude=("text",))
        return {**found, "duration_seconds": float(transcript.duration_seconds)}
    job = await db.scalar(select(Job).where(Job.key == key(call.id)))
    if job is None:
        raise NoTranscript(call.id)
    raise TranscriptNotReady(call.id, job.status.value, job.last_error)
