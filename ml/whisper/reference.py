"""Transcribing with openai-whisper, the reference implementation (PyTorch, float32 on the CPU).

Chosen with ``CALLCENTER_WHISPER_BACKEND=openai-whisper``; it is slower than faster-whisper on the same
CPU (``benchmarks/transcribe.py``) and brings torch, so it is an extra: ``pip install -e
'.[whisper-reference]'``. The model is one of openai-whisper's checkpoint files (``small.pt``), named by
``CALLCENTER_WHISPER_MODEL`` (the file, or a folder holding exactly one ``.pt``): nothing is downloaded.
Recordings are decoded with PyAV as for faster-whisper, so no ffmpeg is needed.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ml.whisper.sides import Line, ModelMissing, SidedTranscriber

HOW = ("on a machine with network access, `pip install openai-whisper` and "
       "`python -c \"import whisper; whisper.load_model('small', download_root='.')\"`, then copy small.pt here")


def checkpoint(path: Path) -> Path:
    """The ``.pt`` file ``path`` names, or :class:`ModelMissing` saying what to put where."""
    if path.is_dir():
        found = sorted(path.glob("*.pt"))
        if len(found) == 1:
            return found[0]
        raise ModelMissing(f"The Whisper model folder {path} holds {len(found)} .pt files, not one: point "
                           f"CALLCENTER_WHISPER_MODEL at the checkpoint file itself, or {HOW}.")
    if not path.is_file():
        raise ModelMissing(f"No openai-whisper checkpoint at {path} (CALLCENTER_WHISPER_MODEL): {HOW}. "
                           "Calls stay reviewable without transcripts meanwhile.")
    return path


def _whisper() -> Any:
    try:
        import whisper
    except ImportError as exc:
        raise ModelMissing(
            "CALLCENTER_WHISPER_BACKEND=openai-whisper, but openai-whisper is not installed here: "
            "`pip install -e '.[whisper-reference]'` (it brings torch 2.13's CPU build), or use the default "
            "faster-whisper backend."
        ) from exc
    return whisper


class ReferenceTranscriber(SidedTranscriber):
    """openai-whisper on torch's CPU build."""

    def __init__(self, model: Path, *, threads: int = 0, left_speaker: str = "client",
                 right_speaker: str = "operator") -> None:
        file = checkpoint(model)
        whisper = _whisper()
        import torch

        super().__init__(left_speaker, right_speaker)
        if threads > 0:
            torch.set_num_threads(threads)
        self._whisper = whisper
        self.model = whisper.load_model(str(file), device="cpu")
        self.name = file.stem
        with warnings.catch_warnings():
            # openai-whisper reads its vocabulary without closing the file; read here once (it is cached), so
            # the warning is not raised in the middle of a transcription.
            warnings.simplefilter("ignore", ResourceWarning)
            whisper.tokenizer.get_tokenizer(self.model.is_multilingual, num_languages=self.model.num_languages)

    def lines(self, samples: np.ndarray, language: str | None, options: dict[str, Any]) -> tuple[list[Line], str]:
        result = self._whisper.transcribe(self.model, samples, language=language, fp16=False, verbose=None,
                                          **options)
        found = [(float(s["start"]), float(s["end"]), str(s["text"])) for s in result["segments"]]
        return found, str(result.get("language") or language or "")
