"""Writes on profiles, citizen panels, memberships and the deliberation around a proposal.

Every step of a panel's public life is logged in `DeliberationLogEntry` in the same
transaction as the change it records (`log_record`). Rules:
- a pseudonym is unique whatever its case; it is the only name ever shown publicly;
- one joins a panel by a request a facilitator approves, or by an invitation one accepts; at
  most one of them is pending per person and panel;
- only members take a stance or comment on a proposal, and only while it is open; a member has
  one stance per proposal, which they may change (the proposal row is locked meanwhile, so that
  an adoption never counts stances that are changing under it);
- the panel's adoption rule is changed by its facilitators only, in public.
Permissions are checked by views; these functions check the rules that must hold whoever calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participation.models import (
    CitizenPanel,
    Comment,
    DeliberationLogEntry,
    JoinRequest,
    Membership,
    Profile,
    Stance,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from amenagements.models import Amenagement, Commune
    from indicators.models import IndicatorDefinition

ERROR_PSEUDONYM_TAKEN = gettext_lazy("This pseudonym is already taken.")
ERROR_ALREADY_MEMBER = gettext_lazy("%(name)s is already a member of this panel.")
ERROR_ALREADY_PENDING = gettext_lazy(
    "A request or invitation to join this panel is already pending for %(name)s."
)
ERROR_CLOSED_TO_REQUESTS = gettext_lazy("This panel does not take requests to join.")
ERROR_UNKNOWN_PSEUDONYM = gettext_lazy("Nobody has the pseudonym “%(pseudonym)s”.")
ERROR_ALREADY_DECIDED = gettext_lazy("This request has already been answered.")
ERROR_NOT_A_FACILITATOR = gettext_lazy("Only a facilitator of the panel can do this.")
ERROR_NOT_A_MEMBER = gettext_lazy("Only members of the panel can do this.")
ERROR_NOT_OPEN = gettext_lazy(
    "This proposal is no longer open for discussion (status: %(status)s)."
)
ERROR_EMPTY_COMMENT = gettext_lazy("The comment is empty.")
ERROR_BAD_RULE = gettext_lazy(
    "The quorum must be at least 1, and the share of endorsements between 1 and 100 percent."
)

# Dotted action codes of the public log.
PANEL_CREATED = "panel.created"
PANEL_RULE_CHANGED = "panel.rule_changed"
MEMBER_JOINED = "member.joined"
MEMBER_INVITED = "member.invited"
PROPOSAL_CREATED = "proposal.created"
PROPOSAL_REVISED = "proposal.revised"
PROPOSAL_COMMENTED = "proposal.commented"
PROPOSAL_ENDORSED = "proposal.endorsed"
PROPOSAL_OBJECTED = "proposal.objected"
PROPOSAL_ADOPTED = "proposal.adopted"
PROPOSAL_CLOSED = "proposal.closed"
INDICATOR_RETIRED = "indicator.retired"


def public_name(user: AbstractBaseUser | None) -> str:
    """The name the public sees for `user`: their pseudonym, never their email address."""
    if user is None:
        return _("a former participant")
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.pseudonym
    return _("participant %(number)s") % {"number": user.pk}


def log_record(
    *,
    panel: CitizenPanel,
    action: str,
    actor: AbstractBaseUser | None,
    definition: IndicatorDefinition | None = None,
    payload: dict[str, Any] | None = None,
) -> DeliberationLogEntry:
    """Append one public step to the panel's log. Call it inside the transaction of the change.

    The actor's pseudonym is copied into the payload, so the log reads the same after the
    account is gone.
    """
    data = {"actor": public_name(actor) if actor is not None else "", **(payload or {})}
    return DeliberationLogEntry.objects.create(
        panel=panel, action=action, actor=actor, definition=definition, payload=data
    )


# --- profiles ---------------------------------------------------------------------------------


@transaction.atomic
def profile_set_pseudonym(*, user: AbstractBaseUser, pseudonym: str) -> Profile:
    """Give `user` the public `pseudonym`, creating their profile on first use.

    Raises `ValidationError` if the pseudonym is malformed or taken (whatever its case).
    """
    pseudonym = " ".join(pseudonym.split())
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    profile.pseudonym = pseudonym
    profile.full_clean(exclude=["user"], validate_constraints=False)
    taken = Profile.objects.filter(pseudonym__iexact=pseudonym).exclude(user=user).exists()
    if taken:
        raise ValidationError({"pseudonym": ERROR_PSEUDONYM_TAKEN}, code="pseudonym_taken")
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # taken by a concurrent sign-up between the check and the write
        raise ValidationError(
            {"pseudonym": ERROR_PSEUDONYM_TAKEN}, code="pseudonym_taken"
        ) from None
    return profile


def profile_ensure(*, user: AbstractBaseUser) -> Profile:
    """The profile of `user`, created with a neutral pseudonym if they have none yet
    (accounts made by `createsuperuser` or the admin)."""
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    base = f"participant-{user.pk}"
    return profile_set_pseudonym(user=user, pseudonym=base)


# --- panels -----------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:140] or "panel"
    slug, n = base, 1
    while CitizenPanel.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


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
    facilitators: Iterable[AbstractBaseUser] = (),
    created_by: AbstractBaseUser | None = None,
) -> CitizenPanel:
    """Create a panel with its scope and adoption rule; `facilitators` become its first members.

    Logs "panel.created" (and "member.joined" for each facilitator).
    """
    panel = CitizenPanel(
        name=name,
        slug=_unique_slug(name),
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
    log_record(
        panel=panel,
        action=PANEL_CREATED,
        actor=created_by,
        payload={"quorum": quorum, "min_endorsement_percent": min_endorsement_percent},
    )
    for user in facilitators:
        membership_add(panel=panel, user=user, role=Membership.Role.FACILITATOR, by=created_by)
    return panel


def _require_facilitator(panel: CitizenPanel, user: AbstractBaseUser) -> None:
    if not Membership.objects.filter(
        panel=panel, user=user, role=Membership.Role.FACILITATOR
    ).exists():
        raise ValidationError(ERROR_NOT_A_FACILITATOR, code="not_facilitator")


def _require_member(panel: CitizenPanel, user: AbstractBaseUser) -> None:
    if not Membership.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(ERROR_NOT_A_MEMBER, code="not_member")


@transaction.atomic
def panel_set_rule(
    *, panel: CitizenPanel, by: AbstractBaseUser, quorum: int, min_endorsement_percent: int
) -> CitizenPanel:
    """A facilitator changes the panel's adoption rule; logs "panel.rule_changed" with the old
    and new values. It applies to adoptions from now on, including of open proposals.

    Raises `ValidationError` if `by` is not a facilitator or the values are out of range.
    """
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    _require_facilitator(panel, by)
    if quorum < 1 or not 1 <= min_endorsement_percent <= 100:
        raise ValidationError(ERROR_BAD_RULE, code="bad_rule")
    before = {"quorum": panel.quorum, "min_endorsement_percent": panel.min_endorsement_percent}
    panel.quorum = quorum
    panel.min_endorsement_percent = min_endorsement_percent
    panel.save(update_fields=["quorum", "min_endorsement_percent"])
    log_record(
        panel=panel,
        action=PANEL_RULE_CHANGED,
        actor=by,
        payload={
            "before": before,
            "after": {"quorum": quorum, "min_endorsement_percent": min_endorsement_percent},
        },
    )
    return panel


# --- joining ----------------------------------------------------------------------------------


@transaction.atomic
def membership_add(
    *,
    panel: CitizenPanel,
    user: AbstractBaseUser,
    role: str = Membership.Role.MEMBER,
    by: AbstractBaseUser | None = None,
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
    log_record(
        panel=panel,
        action=MEMBER_JOINED,
        actor=user,
        payload={"member": public_name(user), "role": role, "via": via},
    )
    return membership


def _check_can_be_asked(panel: CitizenPanel, user: AbstractBaseUser) -> None:
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
def join_request_create(
    *, panel: CitizenPanel, user: AbstractBaseUser, message: str = ""
) -> JoinRequest:
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
    *, panel: CitizenPanel, by: AbstractBaseUser, pseudonym: str, message: str = ""
) -> JoinRequest:
    """A facilitator invites the resident known as `pseudonym`; logs "member.invited" and emails
    the invitee once the transaction commits.

    Raises `ValidationError` if `by` is not a facilitator, nobody has that pseudonym, or the
    invitee is already a member or has a pending request or invitation.
    """
    panel = CitizenPanel.objects.select_for_update().get(pk=panel.pk)
    _require_facilitator(panel, by)
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
    log_record(panel=panel, action=MEMBER_INVITED, actor=by, payload={"member": profile.pseudonym})
    transaction.on_commit(lambda: _email_invitation(invitation.pk))
    return invitation


def _email_invitation(invitation_id: int) -> None:
    invitation = JoinRequest.objects.select_related("panel", "user").get(pk=invitation_id)
    address = getattr(invitation.user, "email", "")
    if not address:
        return
    profile_url = reverse("participation:profile")
    send_mail(
        subject=_("[Tactique] Invitation to the panel “%(panel)s”") % {"panel": invitation.panel},
        message=_(
            "You have been invited to join the citizen panel “%(panel)s”. "
            "Accept or decline the invitation from your profile page: %(url)s"
        )
        % {"panel": invitation.panel, "url": profile_url},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
        fail_silently=True,
    )


def _lock_pending(join_request: JoinRequest) -> JoinRequest:
    locked = JoinRequest.objects.select_for_update().select_related("panel").get(pk=join_request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise ValidationError(ERROR_ALREADY_DECIDED, code="already_decided")
    return locked


def _decide(join_request: JoinRequest, *, by: AbstractBaseUser, accept: bool) -> JoinRequest:
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
def join_request_decide(
    *, join_request: JoinRequest, by: AbstractBaseUser, accept: bool
) -> JoinRequest:
    """A facilitator approves (the resident becomes a member, "member.joined") or declines a
    request to join. Raises `ValidationError` if `by` is not a facilitator of that panel or the
    request was already answered."""
    join_request = _lock_pending(join_request)
    if join_request.kind != JoinRequest.Kind.REQUEST:
        raise ValidationError(ERROR_NOT_A_FACILITATOR, code="not_facilitator")
    _require_facilitator(join_request.panel, by)
    return _decide(join_request, by=by, accept=accept)


@transaction.atomic
def invitation_answer(
    *, invitation: JoinRequest, user: AbstractBaseUser, accept: bool
) -> JoinRequest:
    """The invitee accepts (they become a member, "member.joined") or declines an invitation.
    Raises `ValidationError` if the invitation is not theirs or was already answered."""
    invitation = _lock_pending(invitation)
    if invitation.kind != JoinRequest.Kind.INVITATION or invitation.user_id != user.pk:
        raise ValidationError(ERROR_ALREADY_DECIDED, code="not_yours")
    return _decide(invitation, by=user, accept=accept)


# --- deliberation -----------------------------------------------------------------------------


def _lock_open_definition(definition: IndicatorDefinition) -> IndicatorDefinition:
    from indicators.models import IndicatorDefinition

    locked = (
        IndicatorDefinition.objects.select_for_update()
        .select_related("panel")
        .get(pk=definition.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            ERROR_NOT_OPEN, code="not_open", params={"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def stance_set(
    *, definition: IndicatorDefinition, user: AbstractBaseUser, position: str
) -> tuple[Stance, bool]:
    """A member endorses or objects to an open proposal, or changes their stance.

    One stance per member and proposal (a database constraint). Logs "proposal.endorsed" or
    "proposal.objected" when the stance is new or changed; taking the same stance again changes
    nothing. Returns the stance and whether it changed. Raises `ValidationError` if the
    proposal is not open or `user` is not a member of its panel.
    """
    definition = _lock_open_definition(definition)
    _require_member(definition.panel, user)
    if position not in Stance.Position.values:
        raise ValueError(position)
    stance, created = Stance.objects.get_or_create(
        definition=definition, user=user, defaults={"position": position}
    )
    if not created and stance.position == position:
        return stance, False
    previous = None if created else stance.position
    if not created:
        stance.position = position
        stance.save(update_fields=["position", "updated_at"])
    log_record(
        panel=definition.panel,
        action=PROPOSAL_ENDORSED if position == Stance.Position.ENDORSE else PROPOSAL_OBJECTED,
        actor=user,
        definition=definition,
        payload={"previous": previous},
    )
    return stance, True


@transaction.atomic
def comment_add(*, definition: IndicatorDefinition, user: AbstractBaseUser, body: str) -> Comment:
    """A member comments on an open proposal; logs "proposal.commented".

    Raises `ValidationError` if the comment is empty, the proposal is not open, or `user` is
    not a member of its panel.
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": ERROR_EMPTY_COMMENT}, code="empty")
    definition = _lock_open_definition(definition)
    _require_member(definition.panel, user)
    comment = Comment.objects.create(definition=definition, author=user, body=body)
    log_record(
        panel=definition.panel,
        action=PROPOSAL_COMMENTED,
        actor=user,
        definition=definition,
        payload={"comment": comment.pk},
    )
    return comment
