"""The transcription job: queued with a call that has a recording, run by ``callcenter worker``.

A call whose MixMonitor kept the two directions in files of their own is transcribed from those (each
file one speaker) once both have arrived, or from the mixed recording when one of them is still missing
five minutes after the call; other calls from the recording itself (a stereo one keeps the speakers apart
too).
The recording may reach the recordings folder after the call is logged (the PBX's folder is synced):
a job that does not find it fails the attempt and is tried again later (30 s, 2 min, 8 min, 32 min).
A call deleted, or whose recording was deleted, fails its job at once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db.base import utcnow
from callcenter.jobs.queue import enqueue_new
from callcenter.jobs.worker import Permanent
from callcenter.models import Call, Transcript
from callcenter.recordings.files import locate
from callcenter.settings import Settings

KIND = "transcribe"
ATTEMPTS = 5
# How long after a call its two side files are waited for before the mixed file is read instead.
SIDES_WAIT = timedelta(minutes=5)


def key(call_id: int) -> str:
    return f"transcribe:call:{call_id}"


async def queue_transcriptions(db: AsyncSession, call_ids: list[int]) -> None:
    """Queue the transcription of these new calls (with recordings), in the caller's transaction."""
    await enqueue_new(db, KIND, [(key(call_id), {"call_id": call_id}) for call_id in call_ids], max_attempts=ATTEMPTS)


# Read-only members, so that frozen dataclasses (``ml.whisper.sides``) satisfy them.
class Segment(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def speaker(self) -> str | None: ...


class Result(Protocol):
    @property
    def language(self) -> str: ...
    @property
    def duration(self) -> float: ...
    @property
    def segments(self) -> tuple[Segment, ...]: ...


class Transcriber(Protocol):
    """What the job needs of a transcriber (``ml.whisper.transcriber.Transcriber``, loaded by the worker)."""

    name: str

    def transcribe(self, audio: Path, *, language: str | None = None) -> Result: ...

    def transcribe_sides(self, incoming: Path, outgoing: Path, *, language: str | None = None) -> Result: ...


class RecordingNotThereYet(RuntimeError):
    """The PBX's file is not in the recordings folder yet; the job is tried again later."""


def transcribe_handler(sessions: async_sessionmaker[AsyncSession], settings: Settings, transcriber: Transcriber) -> Any:
    """The worker's handler for :data:`KIND` jobs."""

    async def transcribe(payload: dict[str, Any]) -> None:
        call_id = int(payload["call_id"])
        async with sessions() as db:
            call = await db.get(Call, call_id)
            if call is None:
                raise Permanent(f"call {call_id} no longer exists")
            sides = [call.recording_in_path, call.recording_out_path]
            mixed, ended_at, queue = call.recording_path, call.ended_at, call.queue or ""
            if not (mixed or all(sides)) or call.recording_deleted_at is not None:
                raise Permanent(f"call {call_id} has no recording (any more)")
        folder = settings.resolved_recordings_dir
        language = settings.whisper_languages.get(queue)
        # CPU-bound for as long as the call lasted: in a thread, so the worker keeps renewing its lease.
        if all(sides):
            # Each side's own file labels the lines best; the mixed file does once one of them is overdue.
            found = [await asyncio.to_thread(locate, folder, name) for name in sides if name]
            if found[0] is not None and found[1] is not None:
                result = await asyncio.to_thread(transcriber.transcribe_sides, found[0], found[1], language=language)
                await _keep(sessions, call_id, result, transcriber.name)
                return
            missing = sides[0] if found[0] is None else sides[1]
            if not mixed or ended_at is None or utcnow() - ended_at < SIDES_WAIT:
                raise RecordingNotThereYet(f"{missing} is not in {folder} yet")
        if mixed is None:
            raise Permanent(f"call {call_id} has no mixed recording")  # unreachable: checked above
        path = await asyncio.to_thread(locate, folder, mixed)
        if path is None:
            raise RecordingNotThereYet(f"{mixed} is not in {folder} yet")
        result = await asyncio.to_thread(transcriber.transcribe, path, language=language)
        await _keep(sessions, call_id, result, transcriber.name)

    return transcribe


async def _keep(sessions: async_sessionmaker[AsyncSession], call_id: int, result: Result, model: str) -> None:
    """The call's transcript, in place of any earlier one."""
    segments = [{"start": s.start, "end": s.end, "text": s.text, "speaker": s.speaker} for s in result.segments]
    async with sessions() as db:
        await db.execute(delete(Transcript).where(Transcript.call_id == call_id))
        db.add(Transcript(call_id=call_id, language=result.language, duration_seconds=result.duration,
                          segments=segments, text="\n".join(s.text for s in result.segments if s.text),
                          model=model[:200]))
        await db.commit()
