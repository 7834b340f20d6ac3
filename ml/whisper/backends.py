"""The Whisper backends the worker can run, chosen with ``CALLCENTER_WHISPER_BACKEND``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ml.whisper.sides import SidedTranscriber

Backend = Literal["faster-whisper", "openai-whisper"]
BACKENDS: tuple[Backend, ...] = ("faster-whisper", "openai-whisper")


def load_transcriber(backend: Backend, model: Path, *, threads: int = 0) -> SidedTranscriber:
    """The model at ``model`` loaded on ``backend``; :class:`~ml.whisper.sides.ModelMissing` when it cannot be."""
    if backend == "openai-whisper":
        from ml.whisper.reference import ReferenceTranscriber  # torch: loaded only when chosen

        return ReferenceTranscriber(model, threads=threads)
    from ml.whisper.transcriber import Transcriber

    return Transcriber(model, threads=threads)
