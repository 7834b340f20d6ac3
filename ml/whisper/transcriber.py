"""Transcribing a call's recording with Whisper on CTranslate2 (faster-whisper, int8), on the CPU.

The model is a folder on this machine (``CALLCENTER_WHISPER_MODEL``): nothing is downloaded. A folder
that lacks a file faster-whisper needs fails at once with :class:`ModelMissing`, naming the folder,
what is missing and how to make it (faster-whisper would otherwise reach for the network for the
tokenizer).

Transcription is CPU-bound and blocking: it runs in the worker's process, in a thread, never on an
event loop that serves pops.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from faster_whisper import WhisperModel

from ml.whisper.sides import Line, ModelMissing, Segment, SidedTranscriber, Transcript

__all__ = ["ModelMissing", "Segment", "Transcriber", "Transcript", "check_model"]

REQUIRED = ("model.bin", "config.json", "tokenizer.json")


def check_model(folder: Path) -> None:
    """Raise :class:`ModelMissing` unless ``folder`` holds a CTranslate2 Whisper model faster-whisper can load."""
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if not (folder / "vocabulary.json").is_file() and not (folder / "vocabulary.txt").is_file():
        missing.append("vocabulary.json")
    if missing:
        raise ModelMissing(
            f"The Whisper model folder {folder} lacks {', '.join(missing)}. Put a CTranslate2 Whisper model there "
            "(CALLCENTER_WHISPER_MODEL names the folder): on a machine with network access, `pip install "
            "ctranslate2 transformers[torch]` and `ct2-transformers-converter --model openai/whisper-small "
            f"--output_dir {folder.name} --copy_files tokenizer.json preprocessor_config.json --quantization int8`, "
            "then copy the folder here. Calls stay reviewable without transcripts meanwhile."
        )


class Transcriber(SidedTranscriber):
    """faster-whisper: the product's default backend."""

    def __init__(self, folder: Path, *, threads: int = 0, compute_type: str = "int8",
                 left_speaker: str = "client", right_speaker: str = "operator") -> None:
        check_model(folder)
        super().__init__(left_speaker, right_speaker)
        self.model = WhisperModel(str(folder), device="cpu", compute_type=compute_type, cpu_threads=threads,
                                  local_files_only=True)
        self.name = folder.name

    def lines(self, samples: np.ndarray, language: str | None, options: dict[str, Any]) -> tuple[list[Line], str]:
        found, info = self.model.transcribe(samples, language=language, **options)
        return [(s.start, s.end, s.text) for s in found], info.language
