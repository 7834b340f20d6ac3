"""The sans-IO AMI parser and encoder: recorded Asterisk 22 traces, edge cases, and properties."""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.ami import protocol
from telephony.ami.encode import encode
from telephony.ami.frames import Frame, action
from telephony.ami.protocol import AmiParser, split_headers_py
from tests.fixtures import TRACES

try:
    from telephony.ami._split import split_headers as split_headers_c
except ImportError:  # the install had no C compiler: the Python twin is all there is
    split_headers_c = None

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True, params=["c", "python"])
def splitter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs with the C header split and again with its pure-Python twin."""
    if request.param == "c":
        if split_headers_c is None:
            pytest.skip("telephony.ami._split was not built (no C compiler at install)")
        monkeypatch.setattr(protocol, "split_headers", split_headers_c)
    else:
        monkeypatch.setattr(protocol, "split_headers", split_headers_py)


def trace_paths() -> list[Path]:
    return sorted(p for p in TRACES.glob("*.jsonl") if not p.name.startswith("fastagi"))




def incoming(path: Path) -> dict[int, list[bytes]]:
    """The raw frames Asterisk sent, per AMI connection."""
    conns: dict[int, list[bytes]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["dir"] == "in":
            conns.setdefault(record.get("conn", 1), []).append(record["raw"].encode("utf-8"))
    return conns


def parse_all(chunks: list[bytes], parser: AmiParser | None = None) -> list[Frame]:
    parser = parser or AmiParser()
    return [frame for chunk in chunks for frame in parser.feed(chunk)]


def cut(data: bytes, rng: random.Random, largest: int = 400) -> list[bytes]:
    chunks, i = [], 0
    while i < len(data):
        size = rng.randint(1, largest)
        chunks.append(data[i : i + size])
        i += size
    return chunks


def naive(raw: bytes) -> Frame:
    """An independent, slow reading of one well-formed frame, to check the parser against."""
    headers, output = [], []
    for line in raw.decode("utf-8").split("\r\n"):
        if line:
            name, _, value = line.partition(": ")
            (output.append(value) if name == "Output" else headers.append((name, value)))
    return Frame(headers, output)


def frame_bytes(*headers: tuple[str, str]) -> bytes:
    return encode(Frame(headers))


# --- the recorded traces -------------------------------------------------------------------------


@pytest.mark.parametrize("path", trace_paths(), ids=lambda p: p.stem)
def test_trace_parses_the_same_in_any_chunking(path: Path) -> None:
    rng = random.Random(path.stem)
    for raws in incoming(path).values():
        whole = AmiParser()
        expected = parse_all(raws, whole)
        assert whole.greeting == "Asterisk Call Manager/11.0.0"
        assert expected == [naive(raw) for raw in raws[1:]]
        assert whole.errors == 0
        data = b"".join(raws)
        for largest in (1, 7, 400, 70000):
            chunked = AmiParser()
            assert parse_all(cut(data, rng, largest), chunked) == expected
            assert chunked.greeting == whole.greeting and chunked.errors == 0


def test_command_output_keeps_every_line() -> None:
    frames = parse_all(incoming(TRACES / "h_actions.jsonl")[1])
    version = next(f for f in frames if f.action_id == "lab-9")
    assert version.response == "Success" and version["Message"] == "Command output follows"
    assert version.output[0].startswith("Asterisk 22.10.1 built by")
    assert "Output" not in version

    raws = incoming(TRACES / "h2_login_failed_and_idle.jsonl")[1]
    raw = next(r for r in raws if b"Output:  Endpoint:" in r)
    lines = [line[len("Output: ") :] for line in raw.decode().split("\r\n") if line.startswith("Output:")]
    endpoints = next(f for f in parse_all(raws) if f.output)
    assert list(endpoints.output) == lines
    assert len(lines) > 20 and "" in endpoints.output  # blank output lines are kept, not frame ends


def test_repeated_headers_are_all_kept() -> None:
    frames = parse_all(incoming(TRACES / "a_queue_answered.jsonl")[1])
    assert len(frames) == 204 and sum(f.event == "VarSet" for f in frames) > 50


# --- edge cases ----------------------------------------------------------------------------------


def test_old_style_command_output_with_blank_lines() -> None:
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n"
        b"Name: first\r\n\r\n\r\nsecond: line\r\n--END COMMAND--\r\n\r\n"
        b"Event: Ping\r\n\r\n"
    )
    for size in (1, 3, len(data)):
        parser = AmiParser()
        frames = parse_all([data[i : i + size] for i in range(0, len(data), size)], parser)
        assert frames[0].headers == (("Response", "Follows"), ("Privilege", "Command"), ("ActionID", "c1"))
        assert frames[0].output == ("Name: first", "", "", "second: line")
        assert frames[1].event == "Ping" and len(frames) == 2 and parser.errors == 0


def test_a_follows_without_its_end_marker_ends_where_the_next_frame_begins(caplog: pytest.LogCaptureFixture) -> None:
    # The marker is lost; events and another action's answer come behind it, then a whole Follows.
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n"
        b"Asterisk 13.38.3 built by root\r\n\r\nsecond: block\r\n\r\n"
        + b"".join(frame_bytes(("Event", "Newchannel"), ("Uniqueid", f"1.{n}"), ("Linkedid", "1.0")) for n in range(3))
        + frame_bytes(("Response", "Success"), ("ActionID", "p1"), ("Ping", "Pong"))
        + b"Response: Follows\r\nPrivilege: Command\r\nActionID: c2\r\nok\r\n--END COMMAND--\r\n\r\n"
        + frame_bytes(("Event", "Hangup"), ("Uniqueid", "1.0"))
    )
    for size in (1, 5, 64, len(data)):
        parser = AmiParser()
        with caplog.at_level(logging.WARNING, logger="telephony.ami.protocol"):
            frames = parse_all([data[i : i + size] for i in range(0, len(data), size)], parser)
        assert frames[0].headers == (("Response", "Follows"), ("Privilege", "Command"), ("ActionID", "c1"))
        assert frames[0].output == ("Asterisk 13.38.3 built by root", "", "second: block")
        assert [f.get("Uniqueid") for f in frames[1:4]] == ["1.0", "1.1", "1.2"]
        assert frames[4].action_id == "p1" and frames[4]["Ping"] == "Pong"
        assert frames[5].action_id == "c2" and frames[5].output == ("ok",)
        assert frames[6].event == "Hangup" and len(frames) == 7
        assert parser.unterminated_follows == 1 and parser.errors == 1 and not parser.follows_open
    assert "without '--END COMMAND--'" in caplog.text


def test_command_output_that_does_not_read_as_a_frame_stays_in_the_body() -> None:
    # Old CLI output after a blank line, beginning like an event but with lines that are no headers.
    data = (
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n"
        b"Event: Newchannel  [Synopsis]\n\nEvent: Hangup\n  Raised when a channel is hung up.\n"
        b"--END COMMAND--\r\n\r\n" + frame_bytes(("Event", "After"))
    )
    parser = AmiParser()
    frames = parse_all([data], parser)
    assert frames[0].output == ("Event: Newchannel  [Synopsis]", "", "Event: Hangup",
                                "  Raised when a channel is hung up.")
    assert [f.event for f in frames[1:]] == ["After"] and parser.errors == 0


def test_an_open_follows_is_closed_on_request_and_parsing_resumes() -> None:
    parser = AmiParser()
    assert list(parser.close_follows()) == []  # nothing open: nothing to close
    head = b"Response: Follows\r\nPrivilege: Command\r\nActionID: c1\r\nline one\r\n\r\nline two\r\n"
    assert parse_all([GREETING, head], parser) == [] and parser.follows_open
    # A frame that began to arrive after a blank line is kept for the next feed, not taken as output.
    assert parse_all([b"\r\nEvent: Newch"], parser) == [] and parser.follows_open
    (closed,) = parser.close_follows()
    assert closed.action_id == "c1" and closed.output == ("line one", "", "line two")
    assert not parser.follows_open and parser.unterminated_follows == 1
    frames = parse_all([b"annel\r\nUniqueid: 1.1\r\n\r\n" + frame_bytes(("Event", "Hangup"))], parser)
    assert [(f.event, f.get("Uniqueid")) for f in frames] == [("Newchannel", "1.1"), ("Hangup", None)]
    assert parser.errors == 1


def test_greeting_is_an_attribute_and_bare_newlines_are_accepted() -> None:
    parser = AmiParser()
    frames = list(parser.feed(b"Asterisk Call Manager/6.0.0\nResponse: Success\nActionID: 1\n\nEvent: A\n\n"))
    assert parser.greeting == "Asterisk Call Manager/6.0.0"
    assert [f.headers for f in frames] == [(("Response", "Success"), ("ActionID", "1")), (("Event", "A"),)]


def test_no_greeting_is_fine() -> None:
    parser = AmiParser()
    assert [f.event for f in parser.feed(b"Event: X\r\n\r\n")] == ["X"] and parser.greeting is None


@pytest.mark.parametrize("headers", [
    (("Event", "A"), ("Value", "x: y"), ("Uniqueid", "1.2")),  # a value holding the separator
    (("Event", "A"), ("Value", ""), ("Uniqueid", "1.2")),  # an empty value inside
    (("Event", "A"), ("Uniqueid", "1.2"), ("Value", "")),  # and last
    (("Event", "A"), ("Value", "ends with:"), ("Next", " leading space")),
    (("Event", "A"), ("Value", ": "), ("Value", "::")),
])
def test_one_split_per_frame_reads_what_line_by_line_reading_does(headers: tuple[tuple[str, str], ...]) -> None:
    raw = frame_bytes(*headers)
    (frame,) = parse_all([raw])
    assert frame == naive(raw) and frame.headers == headers


@pytest.mark.parametrize(("raw", "expected"), [
    # A value holding ": " beside a line without it (a variable copied verbatim from CURL or SHELL).
    (b"Event: VarSet\r\nUniqueid: 1.5\r\nVariable: CRM_NOTE\r\nValue: Error: timeout\r\nretry later\r\n\r\n",
     (("Event", "VarSet"), ("Uniqueid", "1.5"), ("Variable", "CRM_NOTE"), ("Value", "Error: timeout"))),
    # The same with the value's own bare line feed.
    (b"Event: VarSet\r\nValue: Error: timeout\nretry\r\nUniqueid: 1.5\r\n\r\n",
     (("Event", "VarSet"), ("Value", "Error: timeout"), ("Uniqueid", "1.5"))),
    # A UserEvent relayed from another client, with a header written without the space.
    (b"Event: UserEvent\r\nUserEvent: Note\r\nFoo:bar\r\nText: a: b\r\n\r\n",
     (("Event", "UserEvent"), ("UserEvent", "Note"), ("Foo", "bar"), ("Text", "a: b"))),
    # An extra blank line between frames.
    (b"Event: X\r\n\r\n\r\nResponse: Error\r\nActionID: orig-1\r\nMessage: Originate failed: busy\r\n\r\n",
     (("Response", "Error"), ("ActionID", "orig-1"), ("Message", "Originate failed: busy"))),
])
def test_irregular_lines_never_shift_the_headers_after_them(raw: bytes, expected: tuple[tuple[str, str], ...]) -> None:
    assert parse_all([raw])[-1].headers == expected


@pytest.mark.skipif(split_headers_c is None, reason="telephony.ami._split was not built")
@PROPERTY
@given(st.lists(st.text(st.sampled_from(["a", "B", ":", " ", "é", "\r", "ж", "😀"]), max_size=12), min_size=1, max_size=6),
       st.sampled_from(["\r\n", "\n"]))
def test_the_c_split_and_its_python_twin_agree(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    assert split_headers_c is not None
    assert split_headers_c(text, newline) == split_headers_py(text, newline)


def test_malformed_lines_are_counted_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    parser = AmiParser()
    data = b"Event: A\r\nno colon here\r\nKey:tight\r\nEmpty:\r\nUniqueid: 1.2\r\n\r\nEvent: B\r\n\r\n"
    with caplog.at_level(logging.WARNING, logger="telephony.ami.protocol"):
        frames = parse_all([data])
    assert frames[0].headers == (("Event", "A"), ("Key", "tight"), ("Empty", ""), ("Uniqueid", "1.2"))
    assert frames[1].event == "B"
    parser = AmiParser()
    parse_all([data], parser)
    assert parser.malformed_lines == 1 and parser.errors == 1
    assert "no colon here" in caplog.text


def test_oversized_frame_is_dropped_and_the_next_one_parses() -> None:
    huge = frame_bytes(("Event", "Big"), ("Value", "x" * 5000))
    after = frame_bytes(("Event", "After"))
    data = frame_bytes(("Event", "Before")) + huge + after
    for size in (100, 1000, len(data)):
        parser = AmiParser(max_frame=1024)
        frames = parse_all([data[i : i + size] for i in range(0, len(data), size)], parser)
        assert [f.event for f in frames] == ["Before", "After"]
        assert parser.oversized_frames == 1


def test_bytes_in_values_never_break_parsing() -> None:
    data = b"Event: Odd\r\nValue: \xff\xfe\x00caf\xc3\xa9\r\nOther: \xe2\x82\r\n\r\n"
    (frame,) = parse_all([data])
    assert frame["Value"] == "\ufffd\ufffd\x00café" and frame["Other"] == "\ufffd"


def test_utf8_split_across_chunks() -> None:
    data = "Event: Newchannel\r\nCallerIDName: Иван Петров ☎\r\n\r\n".encode()
    split_at = data.index("☎".encode()) + 1
    (frame,) = parse_all([data[:split_at], data[split_at:]])
    assert frame["CallerIDName"] == "Иван Петров ☎"


def test_unknown_events_are_kept() -> None:
    (frame,) = parse_all([frame_bytes(("Event", "SomethingNew"), ("Foo", "bar"))])
    assert frame.event == "SomethingNew" and frame["foo"] == "bar"


# --- encoding ------------------------------------------------------------------------------------


def test_encode_round_trips() -> None:
    originate = action("Originate", Channel="PJSIP/101", ActionID="a1", Timeout=30000)
    assert encode(originate) == b"Action: Originate\r\nChannel: PJSIP/101\r\nActionID: a1\r\nTimeout: 30000\r\n\r\n"
    response = Frame([("Response", "Success")], ["line one", "", "  indented"])
    assert parse_all([encode(originate), encode(response)]) == [originate, response]


@pytest.mark.parametrize("value", ["x\r\nAction: Hangup", "x\nAction: Hangup", "x\r"])
def test_encode_refuses_line_breaks(value: str) -> None:
    with pytest.raises(ValueError):
        encode(action("Setvar", Variable="A", Value=value))
    with pytest.raises(ValueError):
        encode(Frame([("Action", "Ping"), ("Bad\r\nName", "1")]))


def test_encode_refuses_bad_names_and_empty_frames() -> None:
    for bad in ("", "A: B", " Action"):
        with pytest.raises(ValueError):
            encode(Frame([(bad, "1")]))
    with pytest.raises(ValueError):
        encode(Frame([]))


# --- properties ----------------------------------------------------------------------------------

names = st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=":"), min_size=1, max_size=20)
values = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"), max_size=60)
good_frames = st.lists(
    st.lists(st.tuples(names, values), min_size=1, max_size=8).map(lambda hs: Frame([("Event", "E"), *hs])),
    min_size=1,
    max_size=12,
)


@PROPERTY
@given(st.binary(max_size=3000), st.lists(st.integers(1, 200), max_size=30))
def test_random_bytes_never_raise(data: bytes, sizes: list[int]) -> None:
    parser = AmiParser(max_frame=512)
    chunks, i = [], 0
    for size in sizes or [len(data) or 1]:
        chunks.append(data[i : i + size])
        i += size
    chunks.append(data[i:])
    for frame in parse_all(chunks, parser):
        assert frame.headers or frame.output
    assert parser.errors >= 0


@PROPERTY
@given(good_frames, st.lists(st.integers(0, 10_000), max_size=20), st.booleans())
def test_cut_anywhere_parses_identically(frames: list[Frame], cuts: list[int], greeting: bool) -> None:
    data = (GREETING if greeting else b"") + b"".join(map(encode, frames))
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]
    parser = AmiParser()
    assert parse_all(chunks, parser) == frames
    assert parser.errors == 0 and (parser.greeting is not None) == greeting


@PROPERTY
@given(good_frames, st.binary(max_size=300), good_frames, st.integers(1, 64))
def test_garbage_loses_no_frame_after_it(before: list[Frame], junk: bytes, after: list[Frame], size: int) -> None:
    # A frame beginning "Response: Follows" legitimately runs on to "--END COMMAND--".
    junk = junk.replace(b"Follows", b"")
    data = b"".join(map(encode, before)) + junk + b"\r\n\r\n" + b"".join(map(encode, after))
    frames = parse_all([data[i : i + size] for i in range(0, len(data), size)])
    assert frames[: len(before)] == before
    assert frames[-len(after) :] == after


@PROPERTY
@given(good_frames, st.lists(st.text(st.sampled_from(["a", " ", ":", "é", "-"]), max_size=30), max_size=20),
       good_frames, st.lists(st.integers(0, 10_000), max_size=20))
def test_a_follows_that_never_ends_loses_no_frame_after_it(before: list[Frame], output: list[str],
                                                          after: list[Frame], cuts: list[int]) -> None:
    # Output lines may be empty: blank lines inside the body, as command output has them.
    follows = "\r\n".join(["Response: Follows", "Privilege: Command", "ActionID: f1", *output]).encode()
    data = b"".join(map(encode, before)) + follows + b"\r\n\r\n" + b"".join(map(encode, after))
    points = sorted({c % (len(data) + 1) for c in cuts})
    parser = AmiParser()
    frames = parse_all([data[a:b] for a, b in zip([0, *points], [*points, len(data)])], parser)
    assert frames[: len(before)] == before and frames[len(before) + 1 :] == after
    assert frames[len(before)].action_id == "f1" and parser.unterminated_follows == 1


@PROPERTY
@given(good_frames, st.integers(600, 5000), st.integers(1, 700))
def test_huge_values_are_dropped_and_parsing_resumes(frames: list[Frame], length: int, size: int) -> None:
    huge = Frame([("Event", "Huge"), ("Value", "é" * length)])
    data = encode(frames[0]) + encode(huge) + b"".join(map(encode, frames))
    parser = AmiParser(max_frame=1000)
    assert parse_all([data[i : i + size] for i in range(0, len(data), size)], parser) == [frames[0], *frames]
    assert parser.oversized_frames == 1


@PROPERTY
@given(st.text(st.characters(min_codepoint=0x80, blacklist_categories=["Cs"]), min_size=1, max_size=40), st.data())
def test_utf8_survives_any_split(text: str, data: st.DataObject) -> None:
    raw = encode(Frame([("Event", "Name"), ("Value", text)]))
    at = data.draw(st.integers(0, len(raw)))
    (frame,) = parse_all([raw[:at], raw[at:]])
    assert frame["Value"] == text


@PROPERTY
@given(good_frames, st.lists(st.booleans(), min_size=12, max_size=12), st.lists(st.integers(0, 10_000), max_size=20))
def test_mixed_line_endings_cut_anywhere(frames: list[Frame], bare: list[bool], cuts: list[int]) -> None:
    # Some frames with bare LF, the others with CRLF, in one stream, cut at random points.
    data = b"".join(encode(f).replace(b"\r\n", b"\n") if lf else encode(f) for f, lf in zip(frames, bare))
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]
    parser = AmiParser()
    assert parse_all(chunks, parser) == frames
    assert parser.errors == 0
