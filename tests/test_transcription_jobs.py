"""Transcription end to end: a call with a recording is logged, its job queued in the same transaction, the
worker transcribes the real (espeak-ng) stereo audio with a tiny model, and the transcript is served to
those who may listen to the call. A recording that arrives late is picked up by a later attempt."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.services import record_calls
from callcenter.cli.worker import handlers
from callcenter.db.base import utcnow
from callcenter.db.engine import create_sessionmaker
from callcenter.jobs.worker import Worker
from callcenter.models import Call, Job, Transcript, User
from callcenter.models.enums import JobStatus, Role
from callcenter.settings import Settings
from callcenter.transcripts import jobs as transcription
from ml.whisper.random_model import build_random_checkpoint, build_random_whisper
from ml.whisper.transcriber import Transcriber
from tests.conftest import MakeUser, login_as
from tests.test_calls import summary
from tests.test_transcribe import speak, stereo

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

PBX_FILE = "/var/spool/asterisk/monitor/q-support-1714557600.1.wav"


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_random_whisper(tmp_path_factory.mktemp("whisper") / "tiny")


@pytest.fixture
async def agent(make_user: MakeUser) -> User:
    return await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")


def recording(settings: Settings, tmp_path: Path) -> Path:
    folder = settings.resolved_recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    client = speak(tmp_path, "client", "Hello, I would like to order two boxes.")
    operator = speak(tmp_path, "operator", "Good afternoon, of course, let me check.")
    return stereo(tmp_path, client, operator, delay=2.0)


async def run_jobs(worker: Worker, until: int) -> None:
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(200):
            if worker.done + worker.failed >= until:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)


async def test_a_recorded_call_is_transcribed_by_the_worker_and_served(
    http: httpx.AsyncClient, db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User,
    make_user: MakeUser, model: Path, tmp_path: Path,
) -> None:
    settings = settings.model_copy(update={"whisper_model": model, "whisper_languages": {"support": "en"}})
    call_audio = recording(settings, tmp_path)
    shutil.copy(call_audio, settings.resolved_recordings_dir / "q-support-1714557600.1.wav")
    recorded, unrecorded = await record_calls(db, [
        summary("1714557600.1", queue="support", recording=PBX_FILE),
        summary("1714557600.2", recording=None),
    ], region="RU", transcribe=True)
    jobs = list(await db.scalars(select(Job)))
    assert [(j.kind, j.key, j.payload) for j in jobs] == [
        ("transcribe", f"transcribe:call:{recorded.call_id}", {"call_id": recorded.call_id})]
    await login_as(http, agent)
    r = await http.get(f"/api/calls/{recorded.call_id}/transcript")
    assert r.status_code == 404 and r.json()["error"] == "transcript-not-ready" and r.json()["job"]["status"] == "queued"
    r = await http.get(f"/api/calls/{unrecorded.call_id}/transcript")
    assert r.status_code == 404 and r.json()["error"] == "no-transcript"

    sessions = create_sessionmaker(db_engine)
    worker = Worker(db_engine, handlers(settings, sessions), name="w1", poll=0.05)
    await run_jobs(worker, until=1)
    assert worker.done == 1 and worker.failed == 0
    r = await http.get(f"/api/calls/{recorded.call_id}/transcript")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"] == "en" and body["duration_seconds"] >= 2.0 and body["model"] == "tiny"
    assert {line["speaker"] for line in body["segments"]} == {"client", "operator"}
    assert all(0 <= line["start"] <= line["end"] <= body["duration_seconds"] for line in body["segments"])
    await login_as(http, await make_user(Role.OPERATOR, login="agent2", extension="102"))
    assert (await http.get(f"/api/calls/{recorded.call_id}/transcript")).status_code == 403


async def test_the_worker_runs_the_backend_the_settings_choose(
    db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User, tmp_path: Path,
) -> None:
    pytest.importorskip("whisper", reason="openai-whisper is not installed: pip install -e '.[whisper-reference]'")
    checkpoint = build_random_checkpoint(tmp_path / "reference" / "tiny-ref.pt", text_context=24)
    settings = settings.model_copy(update={"whisper_model": checkpoint, "whisper_backend": "openai-whisper",
                                           "whisper_languages": {"support": "ru"}})
    shutil.copy(recording(settings, tmp_path), settings.resolved_recordings_dir / "q-support-1714557600.1.wav")
    (recorded,) = await record_calls(db, [summary("1714557600.1", queue="support", recording=PBX_FILE)],
                                     region="RU", transcribe=True)
    worker = Worker(db_engine, handlers(settings, create_sessionmaker(db_engine)), name="w1", poll=0.05)
    await run_jobs(worker, until=1)
    assert worker.done == 1 and worker.failed == 0
    transcript = await db.scalar(select(Transcript).where(Transcript.call_id == recorded.call_id))
    assert transcript is not None and transcript.model == "tiny-ref" and transcript.language == "ru"
    assert {line["speaker"] for line in transcript.segments} == {"client", "operator"}


async def test_each_directions_own_file_is_one_speaker(
    db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User, model: Path, tmp_path: Path,
) -> None:
    """MixMonitor's r() and t() files: the job waits for both, then labels each file's lines by its side."""
    settings = settings.model_copy(update={"whisper_model": model})
    folder = settings.resolved_recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(speak(tmp_path, "client", "Hello, I would like to order two boxes."), folder / "c-in.wav")
    monitor = "/var/spool/asterisk/monitor/"
    (recorded,) = await record_calls(db, [summary("sides", recording=f"{monitor}c.wav", recording_in=f"{monitor}c-in.wav",
                                                  recording_out=f"{monitor}c-out.wav", started_at=utcnow())],
                                     region="RU", transcribe=True)
    call = await db.get(Call, recorded.call_id)
    assert call is not None and (call.recording_in_path, call.recording_out_path) == (
        f"{monitor}c-in.wav", f"{monitor}c-out.wav")
    sessions = create_sessionmaker(db_engine)
    transcriber = Transcriber(model, threads=1)
    handler = {transcription.KIND: transcription.transcribe_handler(sessions, settings, transcriber)}
    await run_jobs(Worker(db_engine, handler, name="w1", poll=0.05), until=1)
    job = await db.scalar(select(Job).execution_options(populate_existing=True))
    assert job is not None and job.status == JobStatus.QUEUED and "c-out.wav is not in" in job.last_error
    shutil.copy(speak(tmp_path, "operator", "Good afternoon, of course, let me check."), folder / "c-out.wav")
    await db.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))
    await db.commit()
    await run_jobs(Worker(db_engine, handler, name="w2", poll=0.05), until=1)
    transcript = await db.scalar(select(Transcript).where(Transcript.call_id == recorded.call_id))
    assert transcript is not None and {line["speaker"] for line in transcript.segments} == {"client", "operator"}


async def test_a_side_file_that_never_comes_leaves_the_mixed_recording_to_read(
    db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User, model: Path, tmp_path: Path,
) -> None:
    settings = settings.model_copy(update={"whisper_model": model})
    folder = settings.resolved_recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(speak(tmp_path, "client", "Hello, I would like to order two boxes."), folder / "m-in.wav")
    shutil.copy(speak(tmp_path, "both", "Hello. Good afternoon."), folder / "m.wav")
    monitor = "/var/spool/asterisk/monitor/"
    (recorded,) = await record_calls(db, [summary("mixed", recording=f"{monitor}m.wav", recording_in=f"{monitor}m-in.wav",
                                                  recording_out=f"{monitor}m-out.wav",
                                                  started_at=utcnow() - timedelta(minutes=7))],
                                     region="RU", transcribe=True)
    handler = {transcription.KIND: transcription.transcribe_handler(create_sessionmaker(db_engine), settings,
                                                                    Transcriber(model, threads=1))}
    await run_jobs(Worker(db_engine, handler, name="w1", poll=0.05), until=1)
    transcript = await db.scalar(select(Transcript).where(Transcript.call_id == recorded.call_id))
    assert transcript is not None and transcript.segments
    assert {line["speaker"] for line in transcript.segments} == {None}  # the mono mixed file: no sides


async def test_a_recording_that_arrives_late_is_transcribed_by_a_later_attempt(
    db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User, model: Path, tmp_path: Path,
) -> None:
    settings = settings.model_copy(update={"whisper_model": model})
    call_audio = recording(settings, tmp_path)
    (recorded,) = await record_calls(db, [summary("late", recording=PBX_FILE)], region="RU", transcribe=True)
    sessions = create_sessionmaker(db_engine)
    transcriber = Transcriber(model, threads=1)
    worker = Worker(db_engine, {transcription.KIND: transcription.transcribe_handler(sessions, settings, transcriber)},
                    name="w1", poll=0.05)
    await run_jobs(worker, until=1)
    job = await db.scalar(select(Job).execution_options(populate_existing=True))
    assert job is not None and job.status == JobStatus.QUEUED and job.attempts == 1
    assert "RecordingNotThereYet" in job.last_error and job.run_after > utcnow() + timedelta(seconds=20)
    shutil.copy(call_audio, settings.resolved_recordings_dir / "q-support-1714557600.1.wav")
    await db.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))
    await db.commit()
    worker = Worker(db_engine, {transcription.KIND: transcription.transcribe_handler(sessions, settings, transcriber)},
                    name="w2", poll=0.05)
    await run_jobs(worker, until=1)
    assert worker.done == 1
    transcript = await db.scalar(select(Transcript).where(Transcript.call_id == recorded.call_id))
    assert transcript is not None and transcript.segments


async def test_without_a_model_nothing_is_queued_and_the_worker_says_what_to_put_where(
    db: AsyncSession, db_engine: AsyncEngine, settings: Settings, agent: User, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await record_calls(db, [summary("plain", recording=PBX_FILE)], region="RU")  # transcription off
    assert list(await db.scalars(select(Job))) == []
    missing = settings.model_copy(update={"whisper_model": tmp_path / "no-model"})
    with caplog.at_level(logging.ERROR, logger="callcenter.cli.worker"):
        assert set(handlers(missing, create_sessionmaker(db_engine))) == {"metrics.rollup", "analytics.classes", "analytics.stages"}
    assert str(tmp_path / "no-model") in caplog.text and "tokenizer.json" in caplog.text
    assert set(handlers(settings, create_sessionmaker(db_engine))) == {"metrics.rollup", "analytics.classes", "analytics.stages"}
