"""Dialer calls Asterisk was not recorded making, built from recorded frames: trace j's call up to a point,
ended with the frames another trace recorded for that ending, renamed to j's channels and ids.

- busy: j until the client's phone rings, then trace e's Local originate to a busy number (486: the
  carrier leg and both Local halves hang up with cause 17, ``OriginateResponse`` Failure, Reason 0);
- no answer: j until the client's phone rings, then, 30 s later (the Originate's ``Timeout``), trace e's Local
  originate that was never answered (Reason 3, causes 19);
- abandoned: j until AMD's verdict HUMAN, then no operator: after the wait and the abandon message the
  dialplan hangs up, ending as trace j2's call ends after its message to the machine.
"""

from __future__ import annotations

from dataclasses import replace

from telephony.ami.frames import Frame
from tests.telephony.test_tracker import Line, load

LINKEDID = "dialer-1795415869-lead1001"
NUMBER = "79131234567"
CALLER = "+74951234567"
RINGING_UNTIL = 1.916  # j: the client's phone rings (both DialState RINGING are in)
AMD_DONE = 5.2512  # j: AMDSTATUS and AMDCAUSE are in


def _renamed(line: Line, exact: dict[str, str], parts: list[tuple[str, str]], t: float) -> Line:
    headers = []
    for name, value in line.frame.headers:
        if value in exact:
            value = exact[value]
        else:
            for old, new in parts:
                value = value.replace(old, new)
        headers.append((name, value))
    return replace(line, t=t, frame=Frame(headers))


def _j_until(t: float) -> list[Line]:
    return [line for line in load("j_dialer_amd_human") if line.t <= t]


def _e_ending(linkedid: str, action_id: str, since: float, until: float) -> list[Line]:
    ids = {linkedid}
    out = []
    for line in load("e_originate_failed"):
        f = line.frame
        mine = f.get("Linkedid") in ids or f.get("DestLinkedid") in ids or f.get("ActionID") == action_id
        if line.incoming and mine and since <= line.t <= until:
            out.append(line)
    return out


def _from_e(ending: list[Line], first: str, second: str, carrier: str, carrier_id: str, local: str,
            number: str, at: float) -> list[Line]:
    exact = {
        first: LINKEDID, second: f"{LINKEDID}-2", carrier_id: "1795415869.9", "4000": CALLER,
        "connect-agent": "dialer-amd", "2001": "s", "outbound": "dialer-out", "lab-5": "lab-2",
    }
    parts = [(local, "Local/79131234567@dialer-out-00000000"), (f"Local/{number}@outbound", f"Local/{NUMBER}@dialer-out"),
             (carrier, "PJSIP/carrier-00000007"), (number, NUMBER)]
    start = ending[0].t
    return [_renamed(line, exact, parts, at + line.t - start) for line in ending]


def busy() -> list[Line]:
    ending = _e_ending("1795413822.21", "lab-2", 1.2185, 1.2205)
    return _j_until(RINGING_UNTIL) + _from_e(
        ending, "1795413822.21", "1795413822.22", "PJSIP/carrier-00000013", "1795413822.23",
        "Local/15551230002@outbound-00000001", "15551230002", RINGING_UNTIL + 0.004)


def no_answer() -> list[Line]:
    ending = _e_ending("1795413835.26", "lab-5", 21.95, 21.96)
    return _j_until(RINGING_UNTIL) + _from_e(
        ending, "1795413835.26", "1795413835.27", "PJSIP/carrier-00000016", "1795413835.28",
        "Local/15551230003@outbound-00000002", "15551230003", 1.909 + 30.0)


ABANDON_AT = AMD_DONE + 2.0 + 3.0  # the wait for an operator, then the abandon message


def abandoned() -> list[Line]:
    """j's call after AMD said HUMAN, with no operator ever named: ends as j2's does after its message."""
    parts = [
        ("Local/79137654321@dialer-out-00000001", "Local/79131234567@dialer-out-00000000"),
        ("dialer-1795415891-lead1002", LINKEDID), ("PJSIP/carrier-00000009", "PJSIP/carrier-00000007"),
        ("1795415891.13", "1795415869.9"), ("bcf99671-f028-49de-a2ae-30868dbae5f3", "aa9ac8c9-292e-4f5d-bd44-da5e0b4dbf90"),
        ("79137654321", NUMBER), ("custom/dialer_machine_msg", "custom/dialer_abandon"),
    ]
    lines = load("j2_dialer_amd_machine")
    start = next(i for i, line in enumerate(lines) if line.frame.get("Variable") == "PLAYBACKSTATUS")
    end = next(i for i, line in enumerate(lines) if line.frame.get("Event") == "Hangup"
               and (line.frame.get("Channel") or "").startswith("PJSIP/carrier"))
    ending = [line for line in lines[start:end + 1] if line.incoming]
    t0 = ending[0].t
    return _j_until(AMD_DONE) + [_renamed(line, {}, parts, ABANDON_AT + line.t - t0) for line in ending]
