"""Where an attempt stands, for the pages: the outcome once it has one, and before that the stage its call
is in, read from the times the dialer stamps on it (answered, live, connected).

An attempt keeps the outcome ``dialing`` until its call ends, so a page showing only the outcome says
"dialling" through the whole conversation; the stage tells the supervisor what is happening now.
"""

from __future__ import annotations

from datetime import datetime

from callcenter.enums import AttemptOutcome

DIALLING = "dialing"  # placed, not answered yet
AMD = "amd"  # answered; the answering-machine detection is judging who
WAITING = "waiting"  # a live person, waiting for a free operator
TALKING = "talking"  # handed to an operator
STAGES = (DIALLING, AMD, WAITING, TALKING)

# The verdicts Asterisk's AMD() gives in AMDSTATUS; the pages translate these and show others as they are.
AMD_VERDICTS = ("HUMAN", "MACHINE", "NOTSURE", "HANGUP")


def attempt_stage(outcome: AttemptOutcome | str, *, answered_at: datetime | None, live_at: datetime | None,
                  connected_at: datetime | None, ended_at: datetime | None) -> str:
    """The attempt's final outcome once it ended, else the stage its call is in now."""
    if AttemptOutcome(outcome) is not AttemptOutcome.DIALING or ended_at is not None:
        return AttemptOutcome(outcome).value
    if connected_at is not None:
        return TALKING
    if live_at is not None:
        return WAITING
    if answered_at is not None:
        return AMD
    return DIALLING

