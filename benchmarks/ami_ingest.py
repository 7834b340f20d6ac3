"""AMI ingest: events per second through our parser, pyst2's and panoramisk's, on the same bytes.

    .venv/bin/pip install -e '.[test,bench]'
    .venv/bin/python benchmarks/ami_ingest.py [--events 500000] [--chunk 65536] [--rounds 3]
        [--traces tests/fixtures/ami-traces]

Takes every incoming frame of the recorded Asterisk traces, repeats them to about ``--events`` frames,
and feeds the same bytes, in ``--chunk``-sized pieces, in-process (no socket) to:
1. ``telephony.ami.protocol.AmiParser``;
2. pyst2's reader and parser: its ``_receive_data`` line loop over an in-memory file, each framed
   message handed straight to ``ManagerMsg`` (its socket, threads and queues left out);
3. panoramisk's ``AMIProtocol.data_received`` with the ``utf8`` encoding its ``Manager`` sets, and a
   factory whose ``dispatch`` only counts.
Each is timed ``--rounds`` times on CPU time and the best round is printed, with the ratio to ours.

Ours is also run with the header split's pure-Python twin, as an install without a C compiler has it.
Two readings of "parsed" are measured, since the parsers hand over different things: *frames out* (each
parser's own product: ours a frame of names and values, panoramisk a case-insensitive dict, pyst2 its
``ManagerMsg``), and *event read* (the consumer also asks each frame for its event name, which makes our
frame build its case-insensitive index, as panoramisk's and pyst2's did while parsing).

Last, the pipeline the product runs: our parser feeding ``telephony.tracker.CallTracker``, on the same
frames with every repetition's Uniqueids and Linkedids made unique, so each repetition is new calls;
the calls it closes are counted and checked against what one pass of the traces gives.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from telephony.ami.frames import Frame
from telephony.ami.protocol import AmiParser

DEFAULT_TRACES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ami-traces"
GREETING = b"Asterisk Call Manager/11.0.0\r\n"


def load_frames(traces: Path) -> list[bytes]:
    """The raw incoming frames of every AMI trace, greetings left out."""
    frames = []
    for path in sorted(traces.glob("*.jsonl")):
        if path.name.startswith("fastagi"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            raw = record["raw"]
            if record["dir"] == "in" and not raw.startswith("Asterisk Call Manager/"):
                frames.append(raw.encode("utf-8"))
    return frames


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def measure_pipeline(chunks: list[bytes], consume: Callable[[Iterable[Frame]], int]) -> int:
    """Parse the chunks as a connection would and hand each chunk's frames to ``consume``.

    ``consume`` takes an iterable of frames and answers how many it took; a call tracker's ingest
    plugs in here for the "parser plus tracker" figure.
    """
    parser = AmiParser()
    count = 0
    for chunk in chunks:
        count += consume(parser.feed(chunk))
    return count


def count_frames(frames: Iterable[Frame]) -> int:
    """The parser-alone consumer: takes every frame, does nothing with it."""
    count = 0
    for _frame in frames:
        count += 1
    return count


def read_events(frames: Iterable[Frame]) -> int:
    """Takes every frame and reads its event name (None for responses)."""
    count = 0
    for frame in frames:
        frame.get("Event")
        count += 1
    return count


def ours(chunks: list[bytes]) -> int:
    return measure_pipeline(chunks, count_frames)


def ours_read(chunks: list[bytes]) -> int:
    return measure_pipeline(chunks, read_events)


def ours_pure_python(chunks: list[bytes]) -> int:
    """Ours with the header split's pure-Python twin, as on an install without a C compiler."""
    from telephony.ami import protocol

    built = protocol.split_headers
    protocol.split_headers = protocol.split_headers_py
    try:
        return measure_pipeline(chunks, count_frames)
    finally:
        protocol.split_headers = built


_IDS = re.compile(rb"179(\d{7})")  # the traces' Uniqueids and Linkedids: epoch seconds of 2026, 179xxxxxxx


def unique_calls(frames: list[bytes], repeat: int) -> bytes:
    """The frames ``repeat`` times, each time with other ids (the first three digits of every id)."""
    data = b"".join(frames)
    assert _IDS.search(data), "trace ids no longer start with 179; adjust unique_calls"
    return b"".join(_IDS.sub(b"%03d" % (k % 1000) + rb"\1", data) for k in range(repeat))


def track(chunks: list[bytes]) -> tuple[int, int]:
    """Our parser feeding a fresh call tracker: how many frames it took and how many calls it closed."""
    from callcenter.calls.events import CallEnded
    from telephony.tracker import CallTracker

    tracker = CallTracker()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    feed = tracker.feed
    ended = 0

    def consume(frames: Iterable[Frame]) -> int:
        nonlocal ended
        count = 0
        for frame in frames:
            for event in feed(frame, at):
                if type(event) is CallEnded:
                    ended += 1
            count += 1
        return count

    return measure_pipeline(chunks, consume), ended


def tracker_runner(expected_calls: int) -> Callable[[list[bytes]], int]:
    """Parser plus call tracker, checking that it closed ``expected_calls`` calls."""

    def run(chunks: list[bytes]) -> int:
        count, ended = track(chunks)
        assert ended == expected_calls, f"the tracker closed {ended} calls, expected {expected_calls}"
        return count

    return run


def pyst2_runner(read: bool = False) -> Callable[[list[bytes]], int] | str:
    """pyst2's own framing loop and ``ManagerMsg`` parser, or why they cannot run."""
    try:
        from asterisk.manager import Manager, ManagerMsg
    except Exception as exc:  # noqa: BLE001 - any import failure is the finding to print
        return f"pyst2 cannot be imported: {exc!r}"

    class Sink:
        count = 0

        def put(self, lines: list[str] | None) -> None:
            if lines:
                message = ManagerMsg(lines)
                if read:
                    message.headers.get("Event")
                self.count += 1

    def run(chunks: list[bytes]) -> int:
        manager = Manager()
        manager.close = lambda: None  # its __del__ would join threads that never started
        sink = Sink()
        manager._message_queue = sink  # its reader thread would put here; we parse at once instead
        manager._sock = io.BytesIO(GREETING + b"".join(chunks))
        manager._running.set()
        manager._connected.set()
        manager._receive_data()
        return sink.count - 1  # the greeting becomes a generated message

    return run


def panoramisk_runner(read: bool = False) -> Callable[[list[bytes]], int] | str:
    try:
        from panoramisk.ami_protocol import AMIProtocol
    except Exception as exc:  # noqa: BLE001
        return f"panoramisk cannot be imported: {exc!r}"

    class Factory:
        count = 0
        save_stream = None

        def dispatch(self, message: dict[str, str]) -> None:
            if read:
                message.get("Event")
            self.count += 1

    def run(chunks: list[bytes]) -> int:
        protocol = AMIProtocol()
        protocol.connection_made(None)
        protocol.encoding = "utf8"
        factory = Factory()
        protocol.factory = factory
        received = protocol.data_received
        for chunk in chunks:
            received(chunk)
        return factory.count  # events only: responses without a waiting action are parsed, then dropped

    return run


def timed(run: Callable[[list[bytes]], int], chunks: list[bytes]) -> tuple[float, int]:
    started = time.process_time()
    seen = run(chunks)
    return time.process_time() - started, seen


def race(title: str, runners: dict[str, Callable[[list[bytes]], int]], chunks: list[bytes], events: int,
         rounds: int) -> None:
    """Time the runners in interleaved rounds (a busy machine slows them alike); print the best of each."""
    best: dict[str, float] = {}
    seen: dict[str, int] = {}
    for _ in range(rounds):
        for name, runner in list(runners.items()):
            try:
                elapsed, seen[name] = timed(runner, chunks)
            except Exception as exc:  # noqa: BLE001 - a rival crashing on real frames is a result too
                print(f"{name:<22} {'crashed':>12}   {exc!r}")
                del runners[name]
                continue
            best[name] = min(best.get(name, float("inf")), elapsed)
    ours_name = next(iter(runners))
    assert seen[ours_name] == events, f"our parser returned {seen[ours_name]} of {events} frames"
    ours_rate = events / best.pop(ours_name)
    print(f"-- {title}")
    print(f"{ours_name:<22} {ours_rate:>12,.0f} events/s")
    for name, elapsed in best.items():
        rate = events / elapsed
        print(f"{name:<22} {rate:>12,.0f} events/s   ours is {ours_rate / rate:.2f}x   ({seen[name]:,} messages out)")
    rivals_best = [elapsed for name, elapsed in best.items() if not name.startswith("ours")]
    if rivals_best:
        print(f"ours / fastest rival: {ours_rate * min(rivals_best) / events:.2f}x (target 3x)")


def _c_split_built() -> bool:
    from telephony.ami import protocol

    return protocol.split_headers is not protocol.split_headers_py


def rivals(read: bool) -> dict[str, Callable[[list[bytes]], int]]:
    found: dict[str, Callable[[list[bytes]], int]] = {}
    for name, factory in (("pyst2 0.5.1", pyst2_runner), ("panoramisk 1.4", panoramisk_runner)):
        runner = factory(read)
        if isinstance(runner, str):
            print(f"{name:<22} {'n/a':>12}   {runner}")
        else:
            found[name] = runner
    return found


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--events", type=int, default=500_000)
    cli.add_argument("--chunk", type=int, default=65536)
    cli.add_argument("--rounds", type=int, default=3)
    cli.add_argument("--traces", type=Path, default=DEFAULT_TRACES)
    args = cli.parse_args()

    frames = load_frames(args.traces)
    if not frames:
        sys.exit(f"no AMI traces under {args.traces}")
    repeat = max(1, round(args.events / len(frames)))
    events = len(frames) * repeat
    data = unique_calls(frames, repeat)
    chunks = chunked(data, args.chunk)
    print(
        f"{events:,} frames ({len(frames):,} distinct, x{repeat}), {len(data) / 1e6:.1f} MB, {args.chunk}-byte chunks"
    )
    split = "C" if _c_split_built() else "pure Python (the C part was not built)"
    print(f"header split: {split}")
    race("frames out", {"ours (AmiParser)": ours, "ours, pure-Python split": ours_pure_python, **rivals(read=False)},
         chunks, events, args.rounds)
    race("event read from each frame", {"ours (AmiParser)": ours_read, **rivals(read=True)}, chunks, events,
         args.rounds)

    _, calls = track(chunked(b"".join(frames), args.chunk))
    pipeline = tracker_runner(calls * repeat)
    elapsed = min(timed(pipeline, chunks)[0] for _ in range(args.rounds))
    print("-- the product's ingest: our parser + CallTracker, one core")
    print(f"{'ours + CallTracker':<22} {events / elapsed:>12,.0f} events/s   ({calls * repeat:,} calls closed; "
          "target 50,000 events/s)")


if __name__ == "__main__":
    main()
