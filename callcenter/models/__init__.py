"""The ORM models; importing this package registers every table on ``Base.metadata``."""

from callcenter.models.analytics import ClassificationRun, StageChange
from callcenter.models.audit import AuditEntry
from callcenter.models.campaigns import Campaign, CampaignLead, CampaignOperator, DialAttempt, DoNotCall, Segment
from callcenter.models.clients import Client, ClientContact, ClientRelation, ContactPerson, Email, Phone
from callcenter.models.interactions import Call, CallTransfer, Disposition, Interaction
from callcenter.models.jobs import Job
from callcenter.models.journal import LiveCall, UnloggedCall
from callcenter.models.metrics import MetricDay, MetricDayClient, MetricRollup
from callcenter.models.reviews import CallReview, ReviewNote, ScoreCriterion
from callcenter.models.transcripts import Transcript
from callcenter.models.users import ApiToken, AppSetting, LoginFailure, Team, User, WebSession
from callcenter.models.work import Claim, Deal, FunnelStage, Sale, Task

__all__ = [
    "ApiToken",
    "AppSetting",
    "AuditEntry",
    "Call",
    "Campaign",
    "CampaignLead",
    "CampaignOperator",
    "DialAttempt",
    "DoNotCall",
    "Segment",
    "CallReview",
    "CallTransfer",
    "Claim",
    "Client",
    "ClientContact",
    "ClientRelation",
    "ContactPerson",
    "Deal",
    "Disposition",
    "Email",
    "FunnelStage",
    "Interaction",
    "ClassificationRun",
    "Job",
    "LiveCall",
    "MetricDay",
    "MetricDayClient",
    "MetricRollup",
    "LoginFailure",
    "Phone",
    "ReviewNote",
    "Sale",
    "ScoreCriterion",
    "StageChange",
    "Task",
    "Team",
    "Transcript",
    "UnloggedCall",
    "User",
    "WebSession",
]
