"""Residents' public profiles, citizen panels, their members and their public deliberation.

Rules the database holds, whatever code writes:
- a pseudonym is unique whatever its case, and well-formed (letters, digits, spaces, . _ -);
- a person is a member of a panel at most once, and has at most one pending request or
  invitation per panel;
- a panel's adoption rule is sane: a quorum of at least one vote, a share between 1 and 100 %;
- a member takes one stance (endorse or object) per proposal; changing it updates that row.
Writes go through `participation.services` and `indicators.services`, which log every step of
the deliberation in `DeliberationLogEntry` in the same transaction.

Residents' opinions of arrangements (`Contribution` and its `Rating`s, `Report`s, moderation)
are written by `participation.contributions.services`. The database holds:
- one contribution per resident and arrangement version; ratings from 1 to 5, one per indicator
  definition and contribution; self-declared profiles among the known ones;
- a comment of at most 2,000 characters; a hidden comment carries its public reason;
- a position along the line only with a pinned point; one report per resident and contribution;
- moderation log actions are dotted codes. The log rows are only ever added.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db.models import PointField
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PSEUDONYM_PATTERN = r"^\w[\w .-]{1,28}\w$"
PSEUDONYM_HELP = _(
    "3 to 30 characters: letters, digits, spaces, dots, hyphens or underscores. "
    "It is the only name shown publicly; your email address never is."
)


class Profile(models.Model):
    """What the public knows of an account: its pseudonym. Never the email address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=30,
        help_text=PSEUDONYM_HELP,
        validators=[
            RegexValidator(
                PSEUDONYM_PATTERN,
                message=_(
                    "A pseudonym has 3 to 30 characters: letters, digits, spaces, dots, "
                    "hyphens or underscores, and starts and ends with a letter or a digit."
                ),
            )
        ],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.UniqueConstraint(
                Lower("pseudonym"),
                name="profile_unique_pseudonym_ci",
                violation_error_message=_("This pseudonym is already taken."),
            ),
            models.CheckConstraint(
                condition=Q(pseudonym__regex=PSEUDONYM_PATTERN),
                name="profile_pseudonym_well_formed",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class CitizenPanel(models.Model):
    """A group of residents who define the indicators and targets arrangements are judged by.

    Its scope is the communes and/or arrangements it speaks for. Its adoption rule: a proposal
    can be adopted once at least `quorum` members have taken a stance on it, and endorsements
    make at least `min_endorsement_percent` % of those stances.
    """

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    communes = models.ManyToManyField(
        "amenagements.Commune", verbose_name=_("communes"), related_name="panels", blank=True
    )
    amenagements = models.ManyToManyField(
        "amenagements.Amenagement",
        verbose_name=_("arrangements"),
        related_name="panels",
        blank=True,
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("Minimum number of members who took a stance on a proposal."),
    )
    min_endorsement_percent = models.PositiveSmallIntegerField(
        _("minimum share of endorsements (%)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Endorsements, as a share of the stances taken, needed to adopt."),
    )
    accepts_requests = models.BooleanField(
        _("open to requests to join"),
        default=True,
        help_text=_("Residents may ask to join; a facilitator approves each request."),
    )
    is_demo = models.BooleanField(_("demonstration panel"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("citizen panel")
        verbose_name_plural = _("citizen panels")
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="panel_quorum_positive"),
            models.CheckConstraint(
                condition=Q(min_endorsement_percent__gte=1, min_endorsement_percent__lte=100),
                name="panel_share_is_a_percentage",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("participation:panel", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        FACILITATOR = "facilitator", _("Facilitator")

    panel = models.ForeignKey(CitizenPanel, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        ordering = ["panel", "joined_at", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["panel", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.panel} ({self.role})"

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR


class JoinRequest(models.Model):
    """A way into a panel: a resident's request (a facilitator decides) or a facilitator's
    invitation (the invited resident decides)."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Request to join")
        INVITATION = "invitation", _("Invitation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    panel = models.ForeignKey(CitizenPanel, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_join_requests"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    message = models.TextField(_("message"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("request or invitation to join")
        verbose_name_plural = _("requests and invitations to join")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "user"],
                condition=Q(status="pending"),
                name="join_request_one_pending_per_panel",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="join_request_decided_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.panel} ({self.get_status_display()})"


class Stance(models.Model):
    """A member's position on a proposed indicator: one per member and proposal, changeable."""

    class Position(models.TextChoices):
        ENDORSE = "endorse", _("Endorse")
        OBJECT = "object", _("Object")

    definition = models.ForeignKey(
        "indicators.IndicatorDefinition", on_delete=models.CASCADE, related_name="stances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="indicator_stances"
    )
    position = models.CharField(_("position"), max_length=10, choices=Position.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["definition", "created_at", "pk"]
        verbose_name = _("stance")
        verbose_name_plural = _("stances")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "user"], name="stance_one_per_member_and_proposal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} — {self.definition}"


class Comment(models.Model):
    definition = models.ForeignKey(
        "indicators.IndicatorDefinition", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="indicator_comments",
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["definition", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


# A log's action code: "proposal.adopted", "comment.hidden"…
DOTTED_ACTION = Q(action__regex=r"^[a-z_]+\.[a-z_]+$")


class LogEntry(models.Model):
    """What every public log row has: a dotted `action` code, who acted (NULL for automatic
    acts, or once the account is gone), when, and a `payload` to read it later. Rows are only
    ever added. Each log adds what its rows are about and its own constraint name."""

    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class DeliberationLogEntry(LogEntry):
    """One public step of a panel's life: who did what, when, with the numbers that mattered.

    `action` is a dotted code ("proposal.created", "proposal.endorsed", "proposal.adopted",
    "member.joined"…); `payload` holds what the step needs to be read later (tallies, reasons,
    version numbers) — never an email address. Rows are only ever added.
    """

    panel = models.ForeignKey(CitizenPanel, on_delete=models.CASCADE, related_name="log_entries")
    definition = models.ForeignKey(
        "indicators.IndicatorDefinition",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="log_entries",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("deliberation log entry")
        verbose_name_plural = _("deliberation log")
        constraints = [
            models.CheckConstraint(condition=DOTTED_ACTION, name="log_action_is_dotted"),
        ]
        indexes = [models.Index(fields=["panel", "-created_at"])]


# --- residents' opinions of arrangements -------------------------------------------------------

COMMENT_MAX_LENGTH = 2000
REPORT_DETAILS_MAX_LENGTH = 500


class ContributorProfile(models.TextChoices):
    """How a contributor says they use the place (self-declared, several allowed)."""

    CYCLIST = "cyclist", _("Cyclist")
    PEDESTRIAN = "pedestrian", _("Pedestrian")
    RESIDENT = "resident", _("Local resident")
    SHOPKEEPER = "shopkeeper", _("Shopkeeper")
    DRIVER = "driver", _("Driver")
    TRANSIT_USER = "transit_user", _("Public transport user")


class CommentStatus(models.TextChoices):
    """Where a contribution's comment stands. Only a published comment is shown as written."""

    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting moderation")
    REPORTED = "reported", _("Hidden after reports, awaiting review")
    HIDDEN = "hidden", _("Hidden by moderation")


class Contribution(models.Model):
    """One resident's opinion of one version of an arrangement.

    Rating again edits it; after an adaptation opens a new version, a new contribution starts and
    this one stays with the version it judged, so opinion before and after can be compared. When
    the account is deleted, `user` becomes NULL: the opinion stays, anonymised.
    """

    CommentStatus = CommentStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("contributor"),
    )
    version = models.ForeignKey(
        "amenagements.AmenagementVersion",
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("arrangement version"),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    profiles = ArrayField(
        models.CharField(max_length=20, choices=ContributorProfile.choices),
        default=list,
        blank=True,
        verbose_name=_("self-declared profiles"),
    )
    # The pinned spot, snapped onto the arrangement, and its distance from the line's start in
    # metres of the metric CRS (None for a polygon, where "along" means nothing).
    point = PointField(_("pinned spot"), srid=4326, null=True, blank=True)
    position_m = models.FloatField(_("position along the line (m)"), null=True, blank=True)

    comment_status = models.CharField(
        _("comment status"),
        max_length=10,
        choices=CommentStatus.choices,
        default=CommentStatus.PUBLISHED,
    )
    moderation_reason = models.TextField(_("moderation reason (public)"), blank=True)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"],
                name="contribution_one_per_resident_and_version",
                violation_error_message=_("You have already given your opinion on this version."),
            ),
            models.CheckConstraint(
                condition=Q(profiles__contained_by=ContributorProfile.values),
                name="contribution_known_profiles",
            ),
            models.CheckConstraint(
                condition=Q(comment_status__in=CommentStatus.values),
                name="contribution_known_comment_status",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), COMMENT_MAX_LENGTH),
                name="contribution_comment_length",
            ),
            models.CheckConstraint(
                condition=~Q(comment_status="hidden") | ~Q(moderation_reason=""),
                name="contribution_hidden_comment_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(point__isnull=False) | Q(position_m__isnull=True),
                name="contribution_position_needs_point",
            ),
            models.CheckConstraint(
                condition=Q(position_m__isnull=True) | Q(position_m__gte=0),
                name="contribution_position_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["comment_status"], name="contribution_comment_status")]

    def __str__(self) -> str:
        return f"{self.version} — {self.created_at:%Y-%m-%d}"

    @property
    def comment_is_public(self) -> bool:
        return bool(self.comment) and self.comment_status == self.CommentStatus.PUBLISHED


class Rating(models.Model):
    """A 1–5 answer to one adopted perception indicator, tied to the exact definition version."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="ratings")
    definition = models.ForeignKey(
        "indicators.IndicatorDefinition",
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("indicator"),
    )
    value = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["contribution", "definition"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "definition"], name="rating_one_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="rating_between_1_and_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}: {self.value}"


class ReportReason(models.TextChoices):
    ABUSE = "abuse", _("Insulting, hateful or harassing")
    PERSONAL_DATA = "personal_data", _("Reveals personal information about someone")
    SPAM = "spam", _("Advertising or spam")
    OFF_TOPIC = "off_topic", _("Unrelated to the arrangement")
    OTHER = "other", _("Other reason")


class Report(models.Model):
    """A resident's report of a comment. Who reported is never shown publicly."""

    Reason = ReportReason

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True, max_length=REPORT_DETAILS_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when a moderator reviews the comment: the report has then been answered.
    resolved_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "reporter"], name="report_one_per_resident"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="report_known_reason"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("details"), REPORT_DETAILS_MAX_LENGTH),
                name="report_details_length",
            ),
        ]
        indexes = [
            models.Index(
                fields=["contribution"],
                condition=Q(resolved_at__isnull=True),
                name="report_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.created_at:%Y-%m-%d})"


class CommuneModeration(models.Model):
    """A commune's moderation setting: with pre-moderation, comments wait for a moderator
    before they are published."""

    commune = models.OneToOneField(
        "amenagements.Commune",
        on_delete=models.CASCADE,
        related_name="moderation",
        verbose_name=_("commune"),
    )
    premoderation = models.BooleanField(
        _("pre-moderation"),
        default=False,
        help_text=_(
            "Comments on this commune's arrangements are published once a moderator approves them."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["commune"]
        verbose_name = _("commune moderation setting")
        verbose_name_plural = _("commune moderation settings")

    def __str__(self) -> str:
        return str(self.commune)


class ModerationLogEntry(LogEntry):
    """One moderation act: who did what to which comment, when, with the reason given.

    `action` is a dotted code ("comment.reported", "comment.hidden", "comment.restored"…);
    `payload` holds the statuses before and after, the reason and the report count. It names
    nobody: the actor is the foreign key (NULL for automatic acts, or once the account is gone).
    """

    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_log",
    )
    commune = models.ForeignKey(
        "amenagements.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        constraints = [
            models.CheckConstraint(condition=DOTTED_ACTION, name="moderation_log_action_is_dotted"),
        ]
