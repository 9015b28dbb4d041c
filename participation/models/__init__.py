"""Participation's models, one module per part of the loop residents and panels take part in.

- `people`: the public pseudonym of an account (`Profile`);
- `panels`: citizen panels, their members, requests and invitations to join;
- `indicators`: indicator definitions, the criteria a panel proposes, adopts and retires;
- `deliberation`: members' stances and comments on a proposed indicator, the panel's log;
- `opinions`: residents' contributions on an arrangement version and their ratings;
- `surveys`: existing surveys whose answers staff imported as contributions;
- `moderation`: reports, per-commune pre-moderation and the moderation log;
- `follows`: who follows an arrangement or a commune, and the messages owed to them.
Each module's docstring lists the rules its tables hold, whatever code writes. Writes go
through the services of `participation.profiles`, `.panels`, `.indicators`, `.contributions`
and `.privacy`; each logs what it changes in the same transaction.
"""

from participation.models.deliberation import Comment, DeliberationLogEntry, Stance
from participation.models.follows import Follow, Frequency, Notice
from participation.models.indicators import SCALE_STEPS, IndicatorDefinition
from participation.models.logs import DOTTED_ACTION, LogEntry
from participation.models.moderation import (
    REPORT_DETAILS_MAX_LENGTH,
    CommuneModeration,
    ModerationLogEntry,
    PanelCommentReport,
    Report,
    ReportReason,
)
from participation.models.opinions import (
    COMMENT_MAX_LENGTH,
    CommentStatus,
    Contribution,
    ContributorProfile,
    Rating,
)
from participation.models.panels import CitizenPanel, JoinRequest, Membership
from participation.models.people import PSEUDONYM_HELP, PSEUDONYM_PATTERN, Profile
from participation.models.surveys import SurveySource

__all__ = [
    "COMMENT_MAX_LENGTH",
    "DOTTED_ACTION",
    "PSEUDONYM_HELP",
    "PSEUDONYM_PATTERN",
    "REPORT_DETAILS_MAX_LENGTH",
    "SCALE_STEPS",
    "CitizenPanel",
    "Comment",
    "CommentStatus",
    "CommuneModeration",
    "Contribution",
    "ContributorProfile",
    "DeliberationLogEntry",
    "Follow",
    "Frequency",
    "IndicatorDefinition",
    "JoinRequest",
    "LogEntry",
    "Membership",
    "ModerationLogEntry",
    "Notice",
    "PanelCommentReport",
    "Profile",
    "Rating",
    "Report",
    "ReportReason",
    "Stance",
    "SurveySource",
]
