"""The board's desks: how long an operator has been in the state shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web.hub.live import Agent

T = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=30)


def test_a_desk_that_handed_its_call_on_is_free_since_the_hand_over() -> None:
    agent = Agent(1, "anna")
    agent.start_call("c1", T)
    agent.end_call("c1", T + timedelta(minutes=3), wrap_up=False)  # transferred to a colleague
    shown = agent.as_dict(T + timedelta(minutes=4), WINDOW)
    assert shown["state"] == "available" and shown["since"] == "2026-12-07T10:03:00+00:00"


def test_a_paused_desk_keeps_its_pause_time_when_a_call_ends() -> None:
    agent = Agent(1, "anna", paused=True, reason="lunch", since=T)
    agent.start_call("c1", T + timedelta(minutes=1))
    agent.end_call("c1", T + timedelta(minutes=2), wrap_up=False)
    assert agent.as_dict(T + timedelta(minutes=3), WINDOW)["since"] == "2026-12-07T10:00:00+00:00"
