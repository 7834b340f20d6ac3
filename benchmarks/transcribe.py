"""Transcription speed: seconds of audio transcribed per second of CPU, faster-whisper beside openai-whisper.

    .venv/bin/pip install -e '.[test,bench]'      # openai-whisper and torch==2.13.0 (the CPU build)
    .venv/bin/python benchmarks/transcribe.py [--size base] [--seconds 60] [--tokens 64] [--threads 2]

Both backends get the same audio (English speech spoken by espeak-ng, repeated to ``--seconds``, at
16 kHz) and a model of the same size with random weights: faster-whisper's from
``ml.whisper.random_model`` (int8, as the product runs it), openai-whisper's a ``Whisper`` module of the
same dimensions (float32 on the CPU, its only choice there). A random model's text is noise and would run
to the decoder's limit in one backend and stop early in the other, so both decode greedily, without
timestamps, exactly ``--tokens`` tokens per 30-second window: the same work, encoder and decoder. CPU
time is the process's (both use ``--threads`` threads); each backend runs once to warm up, then
``--repeat`` times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ml.whisper.random_model import (
    WHISPER_BASE,
    WHISPER_SMALL,
    WHISPER_TINY,
    Dimensions,
    build_random_checkpoint,
    build_random_whisper,
)

SIZES = {"tiny": WHISPER_TINY, "base": WHISPER_BASE, "small": WHISPER_SMALL}
RATE = 16_000
WINDOW = 30  # seconds of audio per Whisper window


def speech(seconds: float, folder: Path) -> np.ndarray:
    """``seconds`` of spoken English at 16 kHz, float32."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed to speak the benchmark's audio: apt-get install espeak-ng")
    wav = folder / "speech.wav"
    text = ("Good afternoon, thank you for calling. How can I help you today? I would like to order two boxes "
            "of paper and ask about the delivery times to Moscow. ")
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
    from faster_whisper.audio import decode_audio

    once = decode_audio(str(wav), sampling_rate=RATE)
    return np.tile(once, int(np.ceil(seconds * RATE / len(once))))[: int(seconds * RATE)].astype(np.float32)


def faster_whisper_run(dims: Dimensions, folder: Path, threads: int, tokens: int) -> Callable[[np.ndarray], None]:
    from faster_whisper import WhisperModel

    model = WhisperModel(str(build_random_whisper(folder / "ct2", dims)), device="cpu", compute_type="int8",
                         cpu_threads=threads, local_files_only=True)

    def run(audio: np.ndarray) -> None:
        segments, _ = model.transcribe(audio, language="en", beam_size=1, temperature=0.0, without_timestamps=True,
                                       max_new_tokens=tokens, condition_on_previous_text=False, vad_filter=False)
        for _ in segments:
            pass

    return run


def openai_whisper_run(dims: Dimensions, folder: Path, threads: int, tokens: int) -> Callable[[np.ndarray], None]:
    import torch
    import whisper

    torch.set_num_threads(threads)
    model = whisper.load_model(str(build_random_checkpoint(folder / "reference.pt", dims)), device="cpu").eval()
    options = whisper.DecodingOptions(language="en", without_timestamps=True, sample_len=tokens, fp16=False,
                                      suppress_tokens="", suppress_blank=False)

    def run(audio: np.ndarray) -> None:
        with torch.inference_mode():
            for start in range(0, len(audio), WINDOW * RATE):
                window = whisper.pad_or_trim(torch.from_numpy(audio[start:start + WINDOW * RATE]))
                mel = whisper.log_mel_spectrogram(window, n_mels=dims.n_mels)
                whisper.decode(model, mel, options)

    return run


def measure(run: Callable[[np.ndarray], None], audio: np.ndarray, repeat: int) -> tuple[float, float]:
    """(seconds of audio per CPU second, per wall second), over ``repeat`` runs after one to warm up."""
    run(audio[: WINDOW * RATE])
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        run(audio)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    seconds = len(audio) / RATE * repeat
    return seconds / cpu, seconds / wall


def main(args: argparse.Namespace) -> None:
    dims = SIZES[args.size]
    with tempfile.TemporaryDirectory(prefix="transcribe-bench-") as tmp:
        folder = Path(tmp)
        audio = speech(args.seconds, folder)
        print(f"{args.seconds:.0f} s of speech, Whisper {args.size} dimensions (random weights), {args.tokens} tokens "
              f"per 30 s window, {args.threads} threads, {args.repeat} runs")
        results = {"faster-whisper (CTranslate2, int8)": measure(
            faster_whisper_run(dims, folder, args.threads, args.tokens), audio, args.repeat)}
        try:
            results["openai-whisper (torch, float32)"] = measure(
                openai_whisper_run(dims, folder, args.threads, args.tokens), audio, args.repeat)
        except ImportError as exc:
            print(f"openai-whisper is not installed ({exc}): pip install -e '.[bench]'")
    print(f"{'backend':<38}{'audio s / CPU s':>16}{'audio s / wall s':>18}")
    for name, (per_cpu, per_wall) in results.items():
        print(f"{name:<38}{per_cpu:>16.2f}{per_wall:>18.2f}")
    if len(results) == 2:
        (fast, _), (reference, _) = results.values()
        print(f"faster-whisper does {fast / reference:.2f}x the audio per CPU second")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="base")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--tokens", type=int, default=64, help="Tokens decoded per 30-second window.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    return parser.parse_args()


if __name__ == "__main__":
    main(parse())
