"""The campaigns' domain errors; their ids never change once published."""

from __future__ import annotations

from callcenter.enums import CampaignState
from callcenter.errors import Conflict, Forbidden


class IllegalTransition(Conflict):
    """A start, pause or stop the campaign's state does not allow."""

    error_id = "campaign-illegal-transition"

    def __init__(self, campaign_id: int, state: CampaignState, action: str) -> None:
        super().__init__(f"Campaign {campaign_id} is {state.value}; it cannot {action}.",
                         details={"state": state.value, "action": action})


class CampaignLocked(Conflict):
    """A change the campaign's state does not allow (``fields``: what may not change now)."""

    error_id = "campaign-locked"

    def __init__(self, campaign_id: int, state: CampaignState, fields: list[str]) -> None:
        super().__init__(
            f"Campaign {campaign_id} is {state.value}; pause it to change {', '.join(fields)}."
            if state == CampaignState.RUNNING else f"Campaign {campaign_id} is {state.value}; {', '.join(fields)} "
            "can no longer change.",
            details={"state": state.value, "fields": fields})


class NotCampaignOperator(Forbidden):
    """The operator is neither named on the campaign nor in its team."""

    error_id = "not-campaign-operator"

    def __init__(self, campaign_id: int) -> None:
        super().__init__(f"You are not an operator of campaign {campaign_id}.", details={"campaign_id": campaign_id})


class CampaignNotDialling(Conflict):
    """Joining a campaign that is not running or paused."""

    error_id = "campaign-not-dialling"

    def __init__(self, campaign_id: int, state: CampaignState) -> None:
        super().__init__(f"Campaign {campaign_id} is {state.value}; operators join running or paused campaigns.",
                         details={"state": state.value})


class LeadNotDue(Conflict):
    """An attempt was asked for a lead that is not waiting for one (already dialling, done or excluded)."""

    error_id = "lead-not-due"

    def __init__(self, lead_id: int, reason: str) -> None:
        super().__init__(f"Lead {lead_id} cannot be dialled now: {reason}.", details={"lead_id": lead_id,
                                                                                       "reason": reason})
