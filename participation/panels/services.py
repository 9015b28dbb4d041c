"""Writes on citizen panels: creating one, its adoption rule, joining it.

Rules:
- one joins a panel by a request a facilitator approves, or by an invitation one accepts; at
  most one of them is pending per person and panel;
- the panel's adoption rule is changed by its facilitators only, in public;
- `require_member` and `require_facilitator` are the one check of "only members" and "only
  facilitators" for every write on a panel's work (its indicators included).
Every step of a panel's public life is logged (`participation.panels.log`) in the same
transaction as the change it records. Permissions are checked by views; these functions check
the rules that must hold whoever calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.mail import email_queue
from common.text import unique_slug
from participation.models import CitizenPanel, JoinRequest, Membership, Profile
from participation.panels.log import (
    MEMBER_INVITED,
    MEMBER_JOINED,
    PANEL_CREATED,
    PANEL_RULE_CHANGED,
    panel_log_record,
)
from participation.profiles.selectors import public_name
from participation.profiles.services import profile_ensure

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from amenagements.models import Amenagement, Commune


ERROR_ALREADY_MEMBER = gettext_lazy("%(name)s is already a member of this panel.")
ERROR_ALREADY_PENDING = gettext_lazy(
    "A request or invitation to join this panel is already pending for %(name)s."
)
ERROR_CLOSED_TO_REQUESTS = gettext_lazy("This panel does not take requests to join.")
ERROR_UNKNOWN_PSEUDONYM = gettext_lazy("Nobody has the pseudonym “%(pseudonym)s”.")
ERROR_ALREADY_DECIDED = gettext_lazy("This request has already been answered.")
ERROR_NOT_A_FACILITATOR = gettext_lazy("Only a facilitator of the panel can do this.")
ERROR_NOT_A_MEMBER = gettext_lazy("Only members of the panel can do this.")
ERROR_BAD_RULE = gettext_lazy(
    "The quorum must be at least 1, and the share of endorsements between 1 and 100 percent."
)


@transaction.atomic
def panel_create(
    *,
    name: str,
    description: str = "",
    quorum: int = 3,
    min_endorsement_percent: int = 60,
    communes: Iterable[Commune] = (),
    amenagements: Iterable[Amenagement] = (),
    accepts_requests: bool = True,
    is_demo: bool = False,
    facilitators: Iterable[User] = (),
    created_by: User | None = None,
) -> CitizenPanel:
    """Create a panel with its scope and adoption rule; `facilitators` become its first members.

    Logs "panel.created" (and "member.joined" for each facilitator).
    """
    panel = CitizenPanel(
        name=name,
        slug=unique_slug(CitizenPanel, name, fallback="panel"),
        description=description,
        quorum=quorum,
        min_endorsement_percent=min_endorsement_percent,
        accepts_requests=accepts_requests,
        is_demo=is_demo,
    )
    panel.full_clean()
    panel.save()
    panel.communes.set(communes)
    panel.amenagements.set(amenagements)
    panel_log_record(
        panel=panel,
        action=PANEL_CREATED,
        actor=created_by,
        payload={"quorum": quorum, "min_endorsement_percent": min_endorsement_percent},
    )
    for user in facilitators:
        membership_add(panel=panel, user=user, role=Membership.Role.FACILITATOR, by=created_by)
    return panel


def require_facilitator(panel: CitizenPanel, user: User) -> None:
    """Raise `ValidationError` (`ERROR_NOT_A_FACILITATOR`, code "not_facilitator") unless `user`
    is a facilitator of `panel`."""
    if not Membership.objects.filter(
        panel=panel, user=user, role=Membership.Role.FACILITATOR
    ).exists():
        raise ValidationError(ERROR_NOT_A_FACILITATOR, code="not_facilitator")


def require_member(panel: CitizenPanel, user: User) -> None:
    """Raise `ValidationError` (`ERROR_NOT_A_MEMBER`, code "not_member") unless `user` is a
    member of `panel`."""
    if not Membership.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(ERROR_NOT_A_MEMBER, code="not_member")


@transaction.atomic
def panel_set_rule(
    *, panel: CitizenPanel, by: User, quorum: int, min_endorsement_percent: int
) -> CitizenPanel:
    """A facilitator changes the panel's adoption rule; logs "panel.rule_changed" with the old
    and new values. It applies to adoptions from now on, including of open proposals.

    Raises `ValidationError` if `by` is not a facilitator or the values are out of range.
    """
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    require_facilitator(panel, by)
    if quorum < 1 or not 1 <= min_endorsement_percent <= 100:
        raise ValidationError(ERROR_BAD_RULE, code="bad_rule")
    before = {"quorum": panel.quorum, "min_endorsement_percent": panel.min_endorsement_percent}
    panel.quorum = quorum
    panel.min_endorsement_percent = min_endorsement_percent
    panel.save(update_fields=["quorum", "min_endorsement_percent"])
    panel_log_record(
        panel=panel,
        action=PANEL_RULE_CHANGED,
        actor=by,
        payload={
            "before": before,
            "after": {"quorum": quorum, "min_endorsement_percent": min_endorsement_percent},
        },
    )
    return panel


@transaction.atomic
def membership_add(
    *,
    panel: CitizenPanel,
    user: User,
    role: str = Membership.Role.MEMBER,
    by: User | None = None,
    via: str = "appointment",
) -> Membership:
    """Make `user` a member of `panel` with `role`; logs "member.joined".

    Used when a request or invitation is accepted, and by staff (admin, demo data). The new
    member gets a profile if they had none, since members are listed by pseudonym.
    Raises `ValidationError` if they are already a member.
    """
    profile_ensure(user=user)
    if Membership.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(
            ERROR_ALREADY_MEMBER, code="already_member", params={"name": public_name(user)}
        )
    membership = Membership.objects.create(panel=panel, user=user, role=role)
    panel_log_record(
        panel=panel,
        action=MEMBER_JOINED,
        actor=user,
        payload={"member": public_name(user), "role": role, "via": via},
    )
    return membership


def _check_can_be_asked(panel: CitizenPanel, user: User) -> None:
    if Membership.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(
            ERROR_ALREADY_MEMBER, code="already_member", params={"name": public_name(user)}
        )
    if JoinRequest.objects.filter(
        panel=panel, user=user, status=JoinRequest.Status.PENDING
    ).exists():
        raise ValidationError(
            ERROR_ALREADY_PENDING, code="already_pending", params={"name": public_name(user)}
        )


@transaction.atomic
def join_request_create(*, panel: CitizenPanel, user: User, message: str = "") -> JoinRequest:
    """A resident asks to join `panel`; a facilitator will approve or decline.

    Requests are not in the public log (a declined request is nobody else's business); the
    joining is. Raises `ValidationError` if the panel takes no requests, the resident is already
    a member, or a request or invitation is already pending.
    """
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    if not panel.accepts_requests:
        raise ValidationError(ERROR_CLOSED_TO_REQUESTS, code="closed")
    _check_can_be_asked(panel, user)
    profile_ensure(user=user)
    return JoinRequest.objects.create(
        panel=panel,
        user=user,
        kind=JoinRequest.Kind.REQUEST,
        message=message.strip(),
        created_by=user,
    )


@transaction.atomic
def invitation_create(
    *, panel: CitizenPanel, by: User, pseudonym: str, message: str = ""
) -> JoinRequest:
    """A facilitator invites the resident known as `pseudonym`; logs "member.invited" and emails
    the invitee once the transaction commits.

    Raises `ValidationError` if `by` is not a facilitator, nobody has that pseudonym, or the
    invitee is already a member or has a pending request or invitation.
    """
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    require_facilitator(panel, by)
    profile = (
        Profile.objects.select_related("user")
        .filter(pseudonym__iexact=" ".join(pseudonym.split()))
        .first()
    )
    if profile is None:
        raise ValidationError(
            ERROR_UNKNOWN_PSEUDONYM, code="unknown_pseudonym", params={"pseudonym": pseudonym}
        )
    invitee = profile.user
    _check_can_be_asked(panel, invitee)
    invitation = JoinRequest.objects.create(
        panel=panel,
        user=invitee,
        kind=JoinRequest.Kind.INVITATION,
        message=message.strip(),
        created_by=by,
    )
    panel_log_record(
        panel=panel, action=MEMBER_INVITED, actor=by, payload={"member": profile.pseudonym}
    )
    _email_invitation(invitation)
    return invitation


def _email_invitation(invitation: JoinRequest) -> None:
    """Queue the invitation's email (a job, sent once the invitation commits; retried)."""
    address = getattr(invitation.user, "email", "")
    if not address:
        return
    profile_url = settings.TACTIQUE_SITE_URL.rstrip("/") + reverse("participation:profile")
    email_queue(
        subject=_("[Tactique] Invitation to the panel “%(panel)s”") % {"panel": invitation.panel},
        body=_(
            "You have been invited to join the citizen panel “%(panel)s”. "
            "Accept or decline the invitation from your profile page: %(url)s"
        )
        % {"panel": invitation.panel, "url": profile_url},
        to=[address],
    )


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().select_related("panel").get(pk=join_request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise ValidationError(ERROR_ALREADY_DECIDED, code="already_decided")
    return locked


def _decide(join_request: JoinRequest, *, by: User, accept: bool) -> JoinRequest:
    join_request.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.DECLINED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        membership_add(
            panel=join_request.panel, user=join_request.user, by=by, via=join_request.kind
        )
    return join_request


@transaction.atomic
def join_request_decide(*, join_request: JoinRequest, by: User, accept: bool) -> JoinRequest:
    """A facilitator approves (the resident becomes a member, "member.joined") or declines a
    request to join. Raises `ValidationError` if `by` is not a facilitator of that panel or the
    request was already answered."""
    join_request = _lock_pending(join_request)
    if join_request.kind != JoinRequest.Kind.REQUEST:
        raise ValidationError(ERROR_NOT_A_FACILITATOR, code="not_facilitator")
    require_facilitator(join_request.panel, by)
    return _decide(join_request, by=by, accept=accept)


@transaction.atomic
def invitation_answer(*, invitation: JoinRequest, user: User, accept: bool) -> JoinRequest:
    """The invitee accepts (they become a member, "member.joined") or declines an invitation.
    Raises `ValidationError` if the invitation is not theirs or was already answered."""
    invitation = _lock_pending(invitation)
    if invitation.kind != JoinRequest.Kind.INVITATION or invitation.user_id != user.pk:
        raise ValidationError(ERROR_ALREADY_DECIDED, code="not_yours")
    return _decide(invitation, by=user, accept=accept)
