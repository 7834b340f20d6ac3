"""The dialer's board of operators: who is free, from the call events alone."""

from __future__ import annotations

from dialer.agents import AgentBoard, AgentState


def board() -> AgentBoard:
    b = AgentBoard(wrapup_s=30.0, offer_timeout_s=5.0)
    b.set_joined({1: "PJSIP/101", 2: "PJSIP/102", 3: "PJSIP/103"}, now=0.0)
    return b


def test_free_operators_come_longest_idle_first() -> None:
    b = board()
    b.ringing("PJSIP/101", "c1", 1.0)
    b.answered("PJSIP/101", "c1", 2.0)
    b.ended("PJSIP/101", "c1", 10.0, talked=False)
    assert [a.user_id for a in b.in_state(AgentState.IDLE)] == [2, 3, 1]


def test_an_operator_who_talked_wraps_up_until_saved_or_the_window_passes() -> None:
    b = board()
    b.answered("PJSIP/101", "c1", 1.0)
    b.answered("PJSIP/102", "c2", 1.0)
    b.ended("PJSIP/101", "c1", 5.0, talked=True)
    b.ended("PJSIP/102", "c2", 5.0, talked=True)
    assert b.agents[1].state is AgentState.WRAPUP
    assert b.wrapped_up(1, "c1", 8.0) is not None
    assert b.agents[1].state is AgentState.IDLE
    assert b.expire(20.0) == []
    assert [a.user_id for a in b.expire(35.0)] == [2]
    assert b.agents[2].state is AgentState.IDLE


def test_a_wrap_up_of_another_call_does_not_free_the_operator() -> None:
    b = board()
    b.answered("PJSIP/101", "c1", 1.0)
    b.ended("PJSIP/101", "c1", 5.0, talked=True)
    assert b.wrapped_up(1, "other", 6.0) is None
    assert b.agents[1].state is AgentState.WRAPUP


def test_an_offer_never_rung_lapses_and_one_rung_holds() -> None:
    b = board()
    b.offered(1, "c1", 0.0)
    b.offered(2, "c2", 0.0)
    b.ringing("PJSIP/102", "c2", 1.0)
    b.expire(6.0)
    assert b.agents[1].state is AgentState.IDLE
    assert b.agents[2].state is AgentState.RINGING


def test_an_operator_rung_by_a_call_another_answered_is_free_when_it_ends() -> None:
    b = board()
    b.ringing("PJSIP/101", "q1", 1.0)
    b.ringing("PJSIP/102", "q1", 1.0)
    b.answered("PJSIP/102", "q1", 2.0)
    b.ended("PJSIP/102", "q1", 9.0, talked=True)
    b.release("q1", 9.0)
    assert b.agents[1].state is AgentState.IDLE
    assert b.agents[2].state is AgentState.WRAPUP


def test_paused_operators_are_not_free_and_come_back_when_unpaused() -> None:
    b = board()
    b.paused("PJSIP/103", True, 1.0)
    assert 3 not in [a.user_id for a in b.in_state(AgentState.IDLE)]
    b.paused("PJSIP/103", False, 2.0)
    assert b.agents[3].state is AgentState.IDLE


def test_leaving_the_campaign_takes_the_operator_off_the_board() -> None:
    b = board()
    b.set_joined({1: "PJSIP/101"}, now=3.0)
    assert set(b.agents) == {1}
    b.ringing("PJSIP/102", "x", 4.0)  # no longer followed
    assert set(b.by_interface) == {"PJSIP/101"}


def test_an_operator_who_joins_mid_call_or_mid_wrap_up_is_not_free() -> None:
    b = board()
    b.answered("PJSIP/104", "c4", 1.0)  # not joined yet
    b.answered("PJSIP/105", "c5", 1.0)
    b.ended("PJSIP/105", "c5", 4.0, talked=True)
    b.paused("PJSIP/106", True, 1.0)
    b.set_joined({1: "PJSIP/101", 4: "PJSIP/104", 5: "PJSIP/105", 6: "PJSIP/106"}, now=5.0)
    states = {u: a.state for u, a in b.agents.items()}
    assert states == {1: AgentState.IDLE, 4: AgentState.TALKING, 5: AgentState.WRAPUP, 6: AgentState.PAUSED}
    b.ended("PJSIP/104", "c4", 6.0, talked=True)
    assert b.agents[4].state is AgentState.WRAPUP


def test_calls_of_operators_not_joined_do_not_count_as_theirs() -> None:
    b = board()
    assert b.answered("PJSIP/199", "x", 1.0) is None  # no user behind it for the dialer
    assert b.ended("PJSIP/199", "x", 2.0, talked=True) is None
    b.expire(2.0 + 31.0)
    b.set_joined({1: "PJSIP/101", 9: "PJSIP/199"}, now=40.0)
    assert b.agents[9].state is AgentState.IDLE  # the wrap-up has passed
