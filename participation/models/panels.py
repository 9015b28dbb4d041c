"""Citizen panels, their members, and the ways in (a request or an invitation).

The database holds: a person is a member of a panel at most once, and has at most one pending
request or invitation per panel; a panel's adoption rule is sane (a quorum of at least one
vote, a share between 1 and 100 %)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CitizenPanel(models.Model):
    """A group of residents who define the indicators and targets arrangements are judged by.

    Its scope is the communes and/or arrangements it speaks for. Its adoption rule: a proposal
    can be adopted once at least `quorum` members have taken a stance on it, and endorsements
    make at least `min_endorsement_percent` % of those stances. Its indicators' results count
    the answers of imported surveys only if `include_survey_opinions`.
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
    include_survey_opinions = models.BooleanField(
        _("count survey opinions with residents' ratings"),
        default=False,
        help_text=_(
            "Answers to existing surveys imported by the services are shown apart; ticked, the "
            "results and evaluations of this panel's indicators count them too."
        ),
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
