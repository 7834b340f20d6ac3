"""What every Whisper backend shares: the transcript's shape, a missing model's error, and the two sides.

A stereo recording keeps the two sides of the call apart: each channel is transcribed on its own and its
lines labelled with the speaker of that side, then the lines are merged in time order. A backend only
says how one side's samples (16 kHz mono float32) become timed lines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16_000


class ModelMissing(RuntimeError):
    """The Whisper model (or its backend) is missing or incomplete; the message says what to put where."""


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


Line = tuple[float, float, str]  # start, end, text, as a backend's decoder gives them


def channels(audio: Path) -> int:
    with av.open(str(audio)) as container:
        return int(container.streams.audio[0].channels)


class SidedTranscriber(ABC):
    """One loaded model; :meth:`transcribe` blocks for as long as the audio takes."""

    name: str

    def __init__(self, left_speaker: str = "client", right_speaker: str = "operator") -> None:
        self.speakers = (left_speaker, right_speaker)

    @abstractmethod
    def lines(self, samples: np.ndarray, language: str | None, options: dict[str, Any]) -> tuple[list[Line], str]:
        """One side's lines and the language they were read in (the one given, or the one detected)."""

    def transcribe(self, audio: Path, *, language: str | None = None, **options: Any) -> Transcript:
        """The recording's lines with their times; ``language`` (``ru``, ``en``) or detected when None."""
        if channels(audio) >= 2:
            left, right = decode_audio(str(audio), sampling_rate=SAMPLE_RATE, split_stereo=True)
            return self._read([(left, self.speakers[0]), (right, self.speakers[1])], language, options)
        return self._read([(decode_audio(str(audio), sampling_rate=SAMPLE_RATE), None)], language, options)

    def transcribe_sides(self, incoming: Path, outgoing: Path, *, language: str | None = None,
                         **options: Any) -> Transcript:
        """Two files of one call, each direction's own (MixMonitor's r() and t()), read as a stereo one is:
        ``incoming`` is the left side's speaker, ``outgoing`` the right side's."""
        sides = [(decode_audio(str(incoming), sampling_rate=SAMPLE_RATE), self.speakers[0]),
                 (decode_audio(str(outgoing), sampling_rate=SAMPLE_RATE), self.speakers[1])]
        return self._read(sides, language, options)

    def _read(self, sides: Sequence[tuple[np.ndarray, str | None]], language: str | None,
              options: dict[str, Any]) -> Transcript:
        duration = max(len(samples) for samples, _ in sides) / SAMPLE_RATE
        segments: list[Segment] = []
        detected = language or ""
        for samples, speaker in sides:
            found, language_read = self.lines(samples, language, options)
            detected = detected or language_read
            for start, end, text in found:
                start = min(max(0.0, float(start)), duration)
                # A line cannot end after the recording does, whatever the decoder's timestamps say.
                segments.append(Segment(start, min(max(start, float(end)), duration), text.strip(), speaker))
        segments.sort(key=lambda seg: (seg.start, seg.end))
        return Transcript(detected, round(duration, 3), tuple(segments))
