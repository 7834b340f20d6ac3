"""Transcribing real speech (made with espeak-ng) with a tiny random Whisper model the tests build: its text
is noise, everything around it is checked: times, the two sides of a stereo call, a missing model."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from ml.whisper.backends import load_transcriber
from ml.whisper.random_model import LANGUAGES, build_random_checkpoint, build_random_whisper
from ml.whisper.transcriber import ModelMissing, Transcriber, check_model

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def speak(folder: Path, name: str, text: str, voice: str = "en") -> Path:
    out = folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True, capture_output=True)
    return out


def samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16), w.getframerate()


def stereo(folder: Path, left: Path, right: Path, delay: float) -> Path:
    """A two-channel call: ``left`` at once, ``right`` after ``delay`` seconds, as MixMonitor keeps sides apart."""
    a, rate = samples(left)
    b, _ = samples(right)
    b = np.concatenate([np.zeros(int(delay * rate), np.int16), b])
    n = max(len(a), len(b))
    both = np.zeros((n, 2), np.int16)
    both[: len(a), 0], both[: len(b), 1] = a, b
    out = folder / "call.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(both.tobytes())
    return out


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_random_whisper(tmp_path_factory.mktemp("whisper") / "tiny")


def test_a_mono_recording_becomes_timed_lines(model: Path, tmp_path: Path) -> None:
    audio = speak(tmp_path, "hello", "Hello, thank you for calling. How can I help you today?")
    rate = samples(audio)[1]
    seconds = len(samples(audio)[0]) / rate
    transcript = Transcriber(model, threads=1).transcribe(audio, max_new_tokens=12)
    assert abs(transcript.duration - seconds) < 0.05 and transcript.language == "en"
    assert transcript.segments and all(s.speaker is None for s in transcript.segments)
    assert all(0 <= s.start <= s.end <= transcript.duration for s in transcript.segments)


def test_a_stereo_recording_keeps_client_and_operator_apart(model: Path, tmp_path: Path) -> None:
    client = speak(tmp_path, "client", "Hello, I would like to order two boxes.")
    operator = speak(tmp_path, "operator", "Good afternoon, of course, let me check.")
    call = stereo(tmp_path, client, operator, delay=2.5)
    transcript = Transcriber(model, threads=1).transcribe(call, language="en", max_new_tokens=12)
    speakers = {s.speaker for s in transcript.segments}
    assert speakers == {"client", "operator"}
    assert [s.start for s in transcript.segments] == sorted(s.start for s in transcript.segments)
    assert transcript.duration >= 2.5
    flipped = Transcriber(model, threads=1, left_speaker="operator", right_speaker="client")
    assert {s.speaker for s in flipped.transcribe(call, language="en", max_new_tokens=4).segments} == speakers


def test_a_missing_model_says_what_to_put_where(model: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match=str(tmp_path / "nowhere")):
        check_model(tmp_path / "nowhere")
    partial = tmp_path / "partial"
    shutil.copytree(model, partial)
    (partial / "tokenizer.json").unlink()
    with pytest.raises(ModelMissing, match=r"lacks tokenizer\.json.*ct2-transformers-converter"):
        Transcriber(partial)
    check_model(model)  # the built one is complete


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("whisper", reason="openai-whisper is not installed: pip install -e '.[whisper-reference]'")
    # A short text context: random weights never stop talking, and openai-whisper decodes up to half of it.
    return build_random_checkpoint(tmp_path_factory.mktemp("reference") / "tiny.pt", text_context=24)


def test_the_reference_backend_keeps_the_sides_apart_and_detects_a_language(checkpoint: Path, tmp_path: Path) -> None:
    client = speak(tmp_path, "client", "Hello, I would like to order two boxes.")
    operator = speak(tmp_path, "operator", "Good afternoon, of course, let me check.")
    call = stereo(tmp_path, client, operator, delay=2.5)
    transcriber = load_transcriber("openai-whisper", checkpoint, threads=1)
    assert transcriber.name == "tiny"
    transcript = transcriber.transcribe(call, language="ru", temperature=0.0)
    assert transcript.language == "ru" and transcript.duration >= 2.5
    assert {s.speaker for s in transcript.segments} == {"client", "operator"}
    assert all(0 <= s.start <= s.end <= transcript.duration for s in transcript.segments)
    detected = transcriber.transcribe(client, temperature=0.0)
    assert detected.language in LANGUAGES and all(s.speaker is None for s in detected.segments)


def test_the_reference_backend_says_what_to_put_where(checkpoint: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelMissing, match=r"No openai-whisper checkpoint at .*nowhere\.pt.*load_model\('small'"):
        load_transcriber("openai-whisper", tmp_path / "nowhere.pt")
    (tmp_path / "two").mkdir()
    for name in ("a.pt", "b.pt"):
        shutil.copy(checkpoint, tmp_path / "two" / name)
    with pytest.raises(ModelMissing, match="holds 2 .pt files"):
        load_transcriber("openai-whisper", tmp_path / "two")
    (tmp_path / "two" / "b.pt").unlink()
    assert load_transcriber("openai-whisper", tmp_path / "two").name == "a"  # a folder with one checkpoint
    monkeypatch.setitem(sys.modules, "whisper", None)  # as if the extra were not installed
    with pytest.raises(ModelMissing, match=r"pip install -e '\.\[whisper-reference\]'"):
        load_transcriber("openai-whisper", checkpoint)


def test_the_default_backend_is_faster_whisper(model: Path) -> None:
    assert isinstance(load_transcriber("faster-whisper", model, threads=1), Transcriber)
