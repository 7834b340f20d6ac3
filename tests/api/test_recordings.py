"""Playing a call's recording: found under the recordings folder by the PBX's file name, served with byte
ranges, to supervisors, managers and the call's own operator only, every play audited, nothing outside the
folder ever served."""

from __future__ import annotations

import asyncio
import io
import wave
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from callcenter.calls.services import record_call
from callcenter.db.base import utcnow
from callcenter.models import AuditEntry, User
from callcenter.models.enums import CallOutcome, Role
from callcenter.recordings.files import locate
from callcenter.recordings.retention import delete_old_recordings, recordings_retention
from callcenter.settings import Settings
from tests.conftest import MakeUser, login_as
from tests.test_calls import summary

PBX_FILE = "/var/spool/asterisk/monitor/2024/05/01/q-sales-1714557600.1.wav"


def wav_bytes(seconds: float = 1.0) -> bytes:
    """A real WAV file: 8 kHz mono, a rising ramp so that every range has different bytes."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(n % 251 for n in range(int(16000 * seconds))))
    return out.getvalue()


@pytest.fixture
def folder(settings: Settings) -> Path:
    path = settings.resolved_recordings_dir
    path.mkdir(parents=True)
    return path


@pytest.fixture
async def agent(make_user: MakeUser) -> User:
    return await make_user(Role.OPERATOR, login="agent1", extension="101", agent_interface="PJSIP/agent1")


async def recorded_call(db: AsyncSession, linkedid: str = "1714557600.1", recording: str | None = PBX_FILE) -> int:
    return (await record_call(db, summary(linkedid, recording=recording), region="RU")).call_id


async def plays(db: AsyncSession, call_id: int) -> list[AuditEntry]:
    rows = await db.scalars(select(AuditEntry).where(AuditEntry.action == "play", AuditEntry.entity_id == call_id)
                            .execution_options(populate_existing=True))
    return list(rows)


async def test_who_may_play_a_recording_and_every_play_is_audited(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User, make_user: MakeUser
) -> None:
    audio = wav_bytes()
    (folder / "2024" / "05" / "01").mkdir(parents=True)
    (folder / "2024" / "05" / "01" / "q-sales-1714557600.1.wav").write_bytes(audio)
    call_id = await recorded_call(db)
    other = await make_user(Role.OPERATOR, login="agent2", extension="102")
    await login_as(http, other)
    r = await http.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    for who in [agent, *[await make_user(role) for role in (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)]]:
        await login_as(http, who)
        r = await http.get(f"/api/calls/{call_id}/recording")
        assert r.status_code == 200, (who.role, r.text)
        assert r.content == audio and r.headers["content-type"] == "audio/wav"
        assert r.headers["accept-ranges"] == "bytes" and r.headers["cache-control"] == "private, no-store"
    entries = await plays(db, call_id)
    assert len(entries) == 4 and {e.changes["recording"] for e in entries} == {PBX_FILE}
    assert agent.id in {e.user_id for e in entries} and other.id not in {e.user_id for e in entries}
    await http.delete("/api/session")
    assert (await http.get(f"/api/calls/{call_id}/recording")).status_code == 401


async def test_ranges_let_the_player_seek_and_a_seek_is_not_another_play(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User
) -> None:
    audio = wav_bytes()
    (folder / "q-sales-1714557600.1.wav").write_bytes(audio)  # the folder's top holds the file itself
    call_id = await recorded_call(db)
    await login_as(http, agent)
    first = await http.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == audio[:100]
    assert first.headers["content-range"] == f"bytes 0-99/{len(audio)}"
    seek = await http.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=8000-8999"})
    assert seek.status_code == 206 and seek.content == audio[8000:9000]
    tail = await http.get(f"/api/calls/{call_id}/recording", headers={"Range": "bytes=-44"})
    assert tail.status_code == 206 and tail.content == audio[-44:]
    beyond = await http.get(f"/api/calls/{call_id}/recording", headers={"Range": f"bytes={len(audio) + 10}-"})
    assert beyond.status_code == 416
    assert len(await plays(db, call_id)) == 1  # the first request; the seeks were part of that play


async def test_a_recording_not_there_yet_is_served_once_it_appears(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User
) -> None:
    call_id = await recorded_call(db)
    unrecorded = await recorded_call(db, "1714557600.2", recording=None)
    await login_as(http, agent)
    r = await http.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 404 and r.json()["error"] == "recording-not-arrived"
    assert await plays(db, call_id) == []
    (folder / "q-sales-1714557600.1.wav").write_bytes(wav_bytes(0.2))
    assert (await http.get(f"/api/calls/{call_id}/recording")).status_code == 200
    r = await http.get(f"/api/calls/{unrecorded}/recording")
    assert r.status_code == 404 and r.json()["error"] == "no-recording"
    assert (await http.get("/api/calls/999999/recording")).status_code == 404


@pytest.mark.parametrize("named", [
    "../secret.wav", "/var/spool/asterisk/monitor/../../../../secret.wav", "..\\secret.wav", "./secret.wav",
    "/secret.wav/..", "linked/secret.wav",
])
async def test_no_name_reaches_a_file_outside_the_recordings_folder(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User, named: str
) -> None:
    secret = folder.parent / "secret.wav"  # beside the folder, in the data folder
    secret.write_bytes(b"RIFF not yours")
    (folder / "linked").symlink_to(folder.parent)  # a link out of the folder is not followed out
    call_id = await recorded_call(db, recording=named)
    await login_as(http, agent)
    r = await http.get(f"/api/calls/{call_id}/recording")
    assert r.status_code == 404 and b"not yours" not in r.content, named
    assert locate(folder, named) is None


async def test_the_missed_call_of_nobody_is_played_by_reviewers_only(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User, make_user: MakeUser
) -> None:
    (folder / "q-sales-1714557600.3.wav").write_bytes(wav_bytes(0.1))
    missed = summary("1714557600.3", outcome=CallOutcome.ABANDONED, recording="q-sales-1714557600.3.wav")
    call_id = (await record_call(db, missed, region="RU")).call_id
    await login_as(http, agent)
    assert (await http.get(f"/api/calls/{call_id}/recording")).status_code == 403
    await login_as(http, await make_user(Role.SUPERVISOR))
    assert (await http.get(f"/api/calls/{call_id}/recording")).status_code == 200


async def test_retention_deletes_old_audio_and_keeps_the_calls(
    http: httpx.AsyncClient, db: AsyncSession, folder: Path, agent: User, settings: Settings
) -> None:
    now = utcnow()
    for name in ("old.wav", "old-in.wav", "old-out.wav", "recent.wav"):
        (folder / name).write_bytes(wav_bytes(0.1))
    old = (await record_call(db, summary("old", recording="/spool/old.wav", recording_in="/spool/old-in.wav",
                                         recording_out="/spool/old-out.wav", started_at=now - timedelta(days=40)),
                             region="RU")).call_id
    never = (await record_call(db, summary("never", recording="/spool/never.wav", started_at=now - timedelta(days=31)),
                               region="RU")).call_id
    recent = (await record_call(db, summary("recent", recording="/spool/recent.wav",
                                            started_at=now - timedelta(days=29)), region="RU")).call_id
    assert await delete_old_recordings(db, folder, now=now, days=30) == 2
    assert not (folder / "old.wav").exists() and (folder / "recent.wav").exists()
    assert not (folder / "old-in.wav").exists() and not (folder / "old-out.wav").exists()  # each direction's too
    assert await delete_old_recordings(db, folder, now=now, days=30) == 0
    await login_as(http, agent)
    r = await http.get(f"/api/calls/{old}/recording")
    assert r.status_code == 410 and r.json()["error"] == "recording-deleted"
    assert (await http.get(f"/api/calls/{never}/recording")).status_code == 410
    assert (await http.get(f"/api/calls/{recent}/recording")).status_code == 200
    listed = {c["id"]: c for c in (await http.get("/api/calls")).json()["items"]}
    assert set(listed) == {old, never, recent}  # the calls stay
    assert listed[old]["recording"] is False and listed[old]["recording_deleted_at"] is not None
    assert listed[recent]["recording"] is True and listed[recent]["recording_deleted_at"] is None


async def test_retention_runs_in_rounds_only_when_set(
    db: AsyncSession, db_engine: AsyncEngine, folder: Path, agent: User, settings: Settings
) -> None:
    (folder / "q.wav").write_bytes(wav_bytes(0.1))
    await recorded_call(db, recording="/spool/q.wav")  # started in 2024
    async with recordings_retention(db_engine, settings, every=0.05):
        await asyncio.sleep(0.1)
    assert (folder / "q.wav").exists()  # 0 days: recordings are kept for ever
    kept = settings.model_copy(update={"recordings_retention_days": 30})
    async with recordings_retention(db_engine, kept, every=0.05):
        for _ in range(100):
            if not (folder / "q.wav").exists():
                break
            await asyncio.sleep(0.05)
    assert not (folder / "q.wav").exists()
