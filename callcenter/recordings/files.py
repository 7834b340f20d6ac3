"""Finding a recording the PBX wrote, in the folder where its files are mounted or synced.

MixMonitor names a file by its path on the PBX (``/var/spool/asterisk/monitor/2024/05/01/q-100.wav``).
The CRM sees that folder elsewhere (``CALLCENTER_RECORDINGS_DIR``), at its top or at any level below:
the longest tail of the PBX's path that names a file in the folder is the recording. Nothing outside
the folder is ever returned: a name with ``..``, or a link out of the folder, finds nothing.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

MEDIA_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
               ".gsm": "audio/x-gsm", ".flac": "audio/flac"}


def locate(folder: Path, recorded: str) -> Path | None:
    """The file under ``folder`` that the PBX wrote as ``recorded``; None while it is not there (yet)."""
    parts = [p for p in PurePosixPath(recorded.replace("\\", "/")).parts if p != "/"]
    if not parts or any(p in ("", ".", "..") or "\0" in p for p in parts):
        return None
    root = folder.resolve()
    for start in range(len(parts)):
        candidate = root.joinpath(*parts[start:]).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
