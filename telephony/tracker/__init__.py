"""The call tracker: a pure state machine from AMI event frames to the CRM's call events."""

from telephony.tracker.channels import TrackerConfig
from telephony.tracker.tracker import CallTracker

__all__ = ["CallTracker", "TrackerConfig"]
