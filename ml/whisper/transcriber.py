"""Transcribing a call's recording with Whisper on CTranslate2 (faster-whisper), on the CPU.

The model is a folder on this machine (``CALLCENTER_WHISPER_MODEL``): nothing is downloaded. A folder
that lacks a file faster-whisper needs fails at once with :class:`ModelMissing`, naming the folder,
what is missing and how to make it (faster-whisper would otherwise reach for the network for the
tokenizer). A stereo recording keeps the two sides of the call apart: each channel is transcribed on its
own and its lines labelled with the speaker of that side, then the lines are merged in time order.

Transcription is CPU-bound and blocking: it runs in the worker's process, in a thread, never on an
event loop that serves pops.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio

REQUIRED = ("model.bin", "config.json", "tokenizer.json")
SAMPLE_RATE = 16_000


class ModelMissing(RuntimeError):
    """The Whisper model folder is missing or incomplete; the message says what to put where."""


@dataclass(frozen=True, slots=True)
class Segment:
    start: float  # seconds from the start of the recording
    end: float
    text: str
    speaker: str | None  # "client" or "operator" when the recording keeps the sides apart


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    duration: float
    segments: tuple[Segment, ...]


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


def channels(audio: Path) -> int:
    with av.open(str(audio)) as container:
        return int(container.streams.audio[0].channels)


class Transcriber:
    """One loaded model; :meth:`transcribe` blocks for as long as the audio takes."""

    def __init__(self, folder: Path, *, threads: int = 0, compute_type: str = "int8",
                 left_speaker: str = "client", right_speaker: str = "operator") -> None:
        check_model(folder)
        self.model = WhisperModel(str(folder), device="cpu", compute_type=compute_type, cpu_threads=threads,
                                  local_files_only=True)
        self.speakers = (left_speaker, right_speaker)
        self.name = folder.name

    def transcribe(self, audio: Path, *, language: str | None = None, **options: Any) -> Transcript:
        """The recording's lines with their times; ``language`` (``ru``, ``en``) or detected when None."""
        if channels(audio) >= 2:
            left, right = decode_audio(str(audio), sampling_rate=SAMPLE_RATE, split_stereo=True)
            sides = [(left, self.speakers[0]), (right, self.speakers[1])]
        else:
            sides = [(decode_audio(str(audio), sampling_rate=SAMPLE_RATE), None)]
        duration = max(len(samples) for samples, _ in sides) / SAMPLE_RATE
        segments: list[Segment] = []
        detected = language or ""
        for samples, speaker in sides:
            found, info = self.model.transcribe(samples, language=language, **options)
            detected = detected or info.language
            for s in found:
                start = min(max(0.0, float(s.start)), duration)
                # A line cannot end after the recording does, whatever the decoder's timestamps say.
                segments.append(Segment(start, min(max(start, float(s.end)), duration), s.text.strip(), speaker))
        segments.sort(key=lambda seg: (seg.start, seg.end))
        return Transcript(detected, round(duration, 3), tuple(segments))
