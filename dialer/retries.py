"""After an attempt: when to try the client again, or why not at all.

Pure: the campaign's rules, the outcome and the counts in, a :class:`Retry` out. The counts are this
campaign's attempts, the one just finished included.

- connected: done ("reached");
- busy, no answer, machine, failed: again after the rules' delay for that outcome;
- abandoned: again no sooner than 72 hours after it ended. This is the law, not a setting, and it also
  holds after any later outcome while an abandoned call of the last 72 hours stands;
- a number that reached ``max_attempts_per_number`` is not dialled again, the client goes on while
  another of their numbers has attempts left; ``max_attempts_per_client`` ends the client ("attempts").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.campaigns.schemas import CampaignRules
from callcenter.enums import AttemptOutcome, LeadState

ABANDONED_QUIET = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class Retry:
    """``lead_state`` pending with ``next_attempt_at``, or done with ``next_attempt_at`` None; ``reason`` for
    the campaign page."""

    lead_state: LeadState
    next_attempt_at: datetime | None
    reason: str


def retry_delay(outcome: AttemptOutcome, rules: CampaignRules) -> timedelta:
    """How long after an outcome the client may be dialled again."""
    delays = {
        AttemptOutcome.BUSY: timedelta(minutes=rules.busy_retry_minutes),
        AttemptOutcome.NO_ANSWER: timedelta(hours=rules.no_answer_retry_hours),
        AttemptOutcome.MACHINE: timedelta(hours=rules.machine_retry_hours),
        AttemptOutcome.FAILED: timedelta(minutes=rules.failed_retry_minutes),
        AttemptOutcome.ABANDONED: ABANDONED_QUIET,
    }
    if outcome not in delays:
        raise ValueError(f"no retry after {outcome.value}")
    return delays[outcome]


def after_attempt(
    outcome: AttemptOutcome,
    rules: CampaignRules,
    *,
    ended_at: datetime,
    client_attempts: int,
    numbers_left: int,
    last_abandoned_at: datetime | None = None,
) -> Retry:
    """The lead's next step after an attempt ended with ``outcome``.

    ``client_attempts``: this client's attempts in the campaign; ``numbers_left``: how many of their
    dialable numbers still have attempts left after this one; ``last_abandoned_at``: the end of the
    client's latest abandoned call in any campaign (this one included when ``outcome`` is abandoned).
    """
    if outcome == AttemptOutcome.DIALING:
        raise ValueError("the attempt has not ended")
    if outcome == AttemptOutcome.CONNECTED:
        return Retry(LeadState.DONE, None, "reached")
    if client_attempts >= rules.max_attempts_per_client or numbers_left <= 0:
        return Retry(LeadState.DONE, None, "attempts")
    next_at = ended_at + retry_delay(outcome, rules)
    if outcome == AttemptOutcome.ABANDONED:
        last_abandoned_at = max(last_abandoned_at or ended_at, ended_at)
    if last_abandoned_at is not None:
        next_at = max(next_at, last_abandoned_at + ABANDONED_QUIET)
    return Retry(LeadState.PENDING, next_at, outcome.value)
