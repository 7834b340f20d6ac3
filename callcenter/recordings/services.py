"""Playing a call's recording: who may, and the audit entry every play leaves."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter import audit
from callcenter.auth.principal import Permission, Principal
from callcenter.errors import NoRecording, NotFound, RecordingDeleted, RecordingNotArrived
from callcenter.models import Call
from callcenter.recordings.files import locate
from callcenter.reviews.access import require_listener


async def recording_to_play(db: AsyncSession, principal: Principal, call_id: int, folder: Path, *,
                            new_play: bool, ip: str | None = None) -> Path:
    """The file of call ``call_id``'s recording, if ``principal`` may play it.

    ``new_play`` (a request from the start of the file, not a seek within it) writes the audit entry:
    who played which call, when. It is committed before the file is served.
    """
    principal.require(Permission.WORK_READ)
    call = await db.get(Call, call_id)
    if call is None:
        raise NotFound("call", call_id)
    require_listener(principal, call)
    if not call.recording_path:
        raise NoRecording(call_id)
    if call.recording_deleted_at is not None:
        raise RecordingDeleted(call_id)
    # A few stat calls on a folder that may be a network mount: off the event loop.
    path = await asyncio.to_thread(locate, folder, call.recording_path)
    if path is None:
        raise RecordingNotArrived(call_id)
    if new_play:
        audit.record(db, principal, "play", "call", call.id, {"recording": call.recording_path}, ip=ip)
        await db.commit()
    return path
