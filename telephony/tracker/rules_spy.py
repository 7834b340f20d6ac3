"""Supervisors listening in: a ChanSpy leg is reported as spying, never logged as a call.

A supervisor's phone running ChanSpy is a call of its own on the PBX (its own Linkedid), tied to the call
it listens to only by ``ChanSpyStart``/``ChanSpyStop`` (``SpyeeLinkedid``; traces k and k2). The CRM's
Originate sets ``CRM_SPY_MODE`` on that leg, which Asterisk reports (``VarSet``) before the leg rings, so it
never pops on the supervisor's desk. A ChanSpy started another way (a feature code dialled from a phone) is
known by its ``Newexten`` or, at the latest, by ``ChanSpyStart``.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.calls.events import CallEvent, SpyStarted, SpyStopped
from telephony.ami.frames import Frame
from telephony.tracker.channels import interface_of
from telephony.tracker.state import Call, Spy, TrackerState

Out = list[CallEvent]
SPY_MODE_VARIABLE = "CRM_SPY_MODE"
UNTOLD = "spy"  # the mode of a ChanSpy the CRM did not start


def stopped(call: Call, at: datetime) -> SpyStopped | None:
    """The end of the spying ``call`` is doing, if it is listening to anyone now."""
    spy = call.spy
    if spy is None or spy.spied is None:
        return None
    event = SpyStopped(spy.spied, call.linkedid, spy.supervisor or "", spy.operator or "", spy.mode, at)
    spy.spied = None
    return event


def on_spy_mode(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """VarSet CRM_SPY_MODE: the leg the CRM originated to run ChanSpy."""
    call = st.calls.get(f.get("Linkedid") or "")
    if call is not None and call.spy is None:
        call.spy = Spy((f.get("Value") or "").strip().lower() or UNTOLD)


def on_spy_application(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    """Newexten running ChanSpy or ExtenSpy from the dialplan."""
    call = st.calls.get(f.get("Linkedid") or "")
    if call is not None and call.spy is None:
        call.spy = Spy(UNTOLD)


def on_chanspy_start(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = st.calls.get(f.get("SpyerLinkedid") or "")
    spied, spyer, spyee = f.get("SpyeeLinkedid"), f.get("SpyerChannel"), f.get("SpyeeChannel")
    if call is None or not spied or not spyer or not spyee:
        return
    if call.spy is None:
        call.spy = Spy(UNTOLD)
    previous = stopped(call, at)  # ChanSpy without E moves on to the next matching channel by itself
    if previous is not None:
        out.append(previous)
    spy = call.spy
    spy.spied, spy.supervisor, spy.operator = spied, interface_of(spyer), interface_of(spyee)
    out.append(SpyStarted(spied, call.linkedid, spy.supervisor, spy.operator, spy.mode, at))


def on_chanspy_stop(st: TrackerState, f: Frame, at: datetime, out: Out) -> None:
    call = st.calls.get(f.get("SpyerLinkedid") or "")
    if call is None or call.spy is None or call.spy.spied != f.get("SpyeeLinkedid"):
        return
    event = stopped(call, at)
    if event is not None:
        out.append(event)
