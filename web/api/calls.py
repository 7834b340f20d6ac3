"""Calls over HTTP: the log the PBX writes, read-only, and their recordings."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from starlette.responses import FileResponse, Response

from callcenter.auth.principal import Permission
from callcenter.calls import reading
from callcenter.calls.schemas import CallFilter
from callcenter.recordings.files import media_type
from callcenter.recordings.services import recording_to_play
from callcenter.transcripts.services import call_transcript
from web.api.routing import ApiRouter, Call, PageQuery, page

router = ApiRouter("calls")


class CallListQuery(PageQuery, CallFilter):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


@router.get("/api/calls",
            summary="List calls, newest first (from/to on started_at, operator id or login, team_id, direction, outcome, "
                    "result_id, client_id, queue, min/max_talk_seconds, reviewed, q: words said in the transcript)",
            permission=Permission.WORK_READ, query=CallListQuery)
async def list_(call: Call) -> dict[str, Any]:
    q = call.query
    items, total = await reading.list_calls(call.db, call.principal, q, limit=q.limit, offset=q.offset)
    return page(items, total, q)


@router.get("/api/calls/{call_id:int}", summary="One call: who called whom, who answered, durations and outcome",
            permission=Permission.WORK_READ)
async def get(call: Call) -> dict[str, Any]:
    return await reading.get_call(call.db, call.principal, call.path_int("call_id"))


def _starts_a_play(range_header: str | None) -> bool:
    """A request for the whole file or from its first byte is a play; a later range is a seek within one."""
    if range_header is None:
        return True
    first = range_header.partition("=")[2].split(",")[0].strip()
    return first.startswith("0-")


@router.get("/api/calls/{call_id:int}/recording",
            summary="The call's recording, with byte ranges (seeking); supervisors, managers and the call's own "
                    "operator; every play is audited",
            permission=Permission.WORK_READ,
            responses={206: "The requested range", 404: "no-recording, or recording-not-arrived while the file "
                       "is not in the recordings folder yet", 410: "recording-deleted under the retention setting",
                       416: "A range beyond the file"})
async def recording(call: Call) -> Response:
    path = await recording_to_play(
        call.db, call.principal, call.path_int("call_id"), call.settings.resolved_recordings_dir,
        new_play=_starts_a_play(call.request.headers.get("range")), ip=call.ip,
    )
    return FileResponse(path, media_type=media_type(path), filename=path.name, content_disposition_type="inline",
                        headers={"Cache-Control": "private, no-store"})


@router.get("/api/calls/{call_id:int}/transcript",
            summary="The call's transcript: lines with start and end (s), text and speaker (client, operator or "
                    "null); supervisors, managers and the call's own operator",
            permission=Permission.WORK_READ,
            responses={404: "no-transcript, or transcript-not-ready with the job's status and last error"})
async def transcript(call: Call) -> dict[str, Any]:
    return await call_transcript(call.db, call.principal, call.path_int("call_id"))
