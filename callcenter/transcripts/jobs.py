"""The transcription job: queued with a call that has a recording, run by ``callcenter worker``.

A call whose MixMonitor kept the two directions in files of their own is transcribed from those (each
file one speaker); otherwise from the recording itself (a stereo one keeps the speakers apart too).
The recording may reach the recordings folder after the call is logged (the PBX's folder is synced):
a job that does not find it fails the attempt and is tried again later (30 s, 2 min, 8 min, 32 min).
A call deleted, or whose recording was deleted, fails its job at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.jobs.queue import enqueue_new
from callcenter.jobs.worker import Permanent
from callcenter.models import Call, Transcript
from callcenter.recordings.files import locate
from callcenter.settings import Settings

KIND = "transcribe"
ATTEMPTS = 5


def key(call_id: int) -> str:
    return f"transcribe:call:{call_id}"


async def queue_transcriptions(db: AsyncSession, call_ids: list[int]) -> None:
    """Queue the transcription of these new calls (with recordings), in the caller's transaction."""
    await enqueue_new(db, KIND, [(key(call_id), {"call_id": call_id}) for call_id in call_ids], max_attempts=ATTEMPTS)


class Segment(Protocol):
    start: float
    end: float
    text: str
    speaker: str | None


class Result(Protocol):
    language: str
    duration: float
    segments: tuple[Segment, ...]


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
            # Each direction's own file, when MixMonitor kept them apart, labels the lines best.
            if call.recording_in_path and call.recording_out_path:
                recorded = [call.recording_in_path, call.recording_out_path]
            else:
                recorded = [call.recording_path] if call.recording_path else []
            if not recorded or call.recording_deleted_at is not None:
                raise Permanent(f"call {call_id} has no recording (any more)")
            queue = call.queue or ""
        folder = settings.resolved_recordings_dir
        paths = [await asyncio.to_thread(locate, folder, name) for name in recorded]
        for name, path in zip(recorded, paths, strict=True):
            if path is None:
                raise RecordingNotThereYet(f"{name} is not in {folder} yet")
        found = [path for path in paths if path is not None]
        language = settings.whisper_languages.get(queue)
        # CPU-bound for as long as the call lasted: in a thread, so the worker keeps renewing its lease.
        if len(found) == 2:
            result = await asyncio.to_thread(transcriber.transcribe_sides, found[0], found[1], language=language)
        else:
            result = await asyncio.to_thread(transcriber.transcribe, found[0], language=language)
        segments = [{"start": s.start, "end": s.end, "text": s.text, "speaker": s.speaker} for s in result.segments]
        async with sessions() as db:
            await db.execute(delete(Transcript).where(Transcript.call_id == call_id))
            db.add(Transcript(call_id=call_id, language=result.language, duration_seconds=result.duration,
                              segments=segments, text="\n".join(s["text"] for s in segments if s["text"]),
                              model=transcriber.name[:200]))
            await db.commit()

    return transcribe
