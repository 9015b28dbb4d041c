"""Writes: the services' public decisions on adjustment proposals.

Rules:
- only an open proposal is decided (accepted, rejected or deferred), once, by staff, with a
  note that is published next to it; a deferred proposal keeps its note and the next
  evaluation brings fresh proposals (a newer run supersedes open proposals only);
- accepting a proposal that changes something on the ground (make permanent, adjust, add
  separation, extend, redesign or remove) creates, in the same transaction, the planned
  adaptation that carries it out, prefilled from the proposal (kind, description, the hot-spot
  segments it names) and linked to it; "keep and monitor" and "collect more data" change
  nothing, so accepting them plans nothing;
- residents who gave their opinion on the arrangement (any version, account still active, an
  address on file) and those who follow it or its commune are told of the decision
  (`participation.follows.notices`: at once or in their weekly digest, unless they chose no
  message): one email each (nobody sees another's address), queued with the decision, so
  sent once it commits and never if it rolls back; a failing mail server is retried
  (`common.mail`).
Decisions on one proposal are serialised by locking its row, so two staff members cannot
decide it twice.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amenagements import services as amenagement_services
from amenagements.models import Adaptation
from common.dates import long_date
from common.http import site_url
from common.rules import require_open
from evaluation.models import AdjustmentProposal
from participation.follows.notices import Message, notify

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Action = AdjustmentProposal.Action
Status = AdjustmentProposal.Status

ERROR_NOTE_REQUIRED = _("Explain the decision: the note is published with it.")
ERROR_PLANNED_IN_PAST = _("The planned date cannot be in the past.")

# The kind of adaptation that carries out an accepted proposal; None: nothing to plan.
ADAPTATION_KIND_FOR_ACTION: dict[str, str | None] = {
    Action.MAKE_PERMANENT: Adaptation.Kind.MADE_PERMANENT,
    Action.ADJUST: Adaptation.Kind.OTHER,
    Action.ADD_SEPARATION: Adaptation.Kind.SEPARATED,
    Action.EXTEND: Adaptation.Kind.EXTENDED,
    # Redesign or remove: which of the two is the services' call, so no kind is presumed.
    Action.REDESIGN_OR_REMOVE: Adaptation.Kind.OTHER,
    Action.KEEP_AND_MONITOR: None,
    Action.COLLECT_MORE_DATA: None,
}


def plans_an_adaptation(proposal: AdjustmentProposal) -> bool:
    """Whether accepting `proposal` creates a planned adaptation."""
    return ADAPTATION_KIND_FOR_ACTION.get(proposal.action) is not None


def planned_adaptation_defaults(proposal: AdjustmentProposal) -> dict[str, object]:
    """What the planned adaptation of an accepted proposal is prefilled with."""
    return {
        "kind": ADAPTATION_KIND_FOR_ACTION.get(proposal.action) or Adaptation.Kind.OTHER,
        "description": f"{proposal.get_action_display()}. {proposal.rationale}",
    }


def _lock_open(proposal: AdjustmentProposal, note: str) -> tuple[AdjustmentProposal, str]:
    note = note.strip()
    if not note:
        raise ValidationError(ERROR_NOTE_REQUIRED, code="note")
    locked = (
        AdjustmentProposal.objects.select_for_update()
        .select_related("amenagement", "run")
        .get(pk=proposal.pk)
    )
    require_open(locked)
    return locked, note


def _record(
    proposal: AdjustmentProposal, *, status: str, note: str, by: User
) -> AdjustmentProposal:
    proposal.status = status
    proposal.decision_note = note
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    proposal.save(
        update_fields=[
            "status",
            "decision_note",
            "decided_by",
            "decided_at",
            "planned_adaptation",
        ]
    )
    decision_notify(proposal_id=proposal.pk)
    return proposal


@transaction.atomic
def proposal_accept(
    *,
    proposal: AdjustmentProposal,
    decided_by: User,
    note: str,
    kind: str | None = None,
    description: str | None = None,
    planned_for: dt.date | None = None,
) -> AdjustmentProposal:
    """Accept an open proposal, publishing `note`; plan the adaptation that carries it out.

    The planned adaptation takes `kind`, `description` and `planned_for` when given, else the
    proposal's defaults (`planned_adaptation_defaults`), and the geometry of the hot-spot
    segments the proposal names. Nothing is planned for "keep and monitor" and "collect more
    data". Raises `ValidationError` if the proposal is not open, the note is empty, the planned
    date is past, or the arrangement was removed meanwhile.
    """
    proposal, note = _lock_open(proposal, note)
    if plans_an_adaptation(proposal):
        if planned_for is not None and planned_for < timezone.localdate():
            raise ValidationError(ERROR_PLANNED_IN_PAST, code="planned_in_past")
        defaults = planned_adaptation_defaults(proposal)
        proposal.planned_adaptation = amenagement_services.adaptation_plan(
            amenagement=proposal.amenagement,
            kind=kind or str(defaults["kind"]),
            description=description if description is not None else str(defaults["description"]),
            planned_for=planned_for,
            geom=proposal.segment_geom,
            created_by=decided_by,
        )
    return _record(proposal, status=Status.ACCEPTED, note=note, by=decided_by)


@transaction.atomic
def proposal_reject(
    *, proposal: AdjustmentProposal, decided_by: User, note: str
) -> AdjustmentProposal:
    """Reject an open proposal, publishing `note` (why the services will not do it).

    Raises `ValidationError` if the proposal is not open or the note is empty.
    """
    proposal, note = _lock_open(proposal, note)
    return _record(proposal, status=Status.REJECTED, note=note, by=decided_by)


@transaction.atomic
def proposal_defer(
    *, proposal: AdjustmentProposal, decided_by: User, note: str
) -> AdjustmentProposal:
    """Defer an open proposal, publishing `note` (what the services wait for).

    Raises `ValidationError` if the proposal is not open or the note is empty.
    """
    proposal, note = _lock_open(proposal, note)
    return _record(proposal, status=Status.DEFERRED, note=note, by=decided_by)


def _decision_message(proposal: AdjustmentProposal) -> Message:
    """The decision on `proposal`, told in the active language."""
    amenagement = proposal.amenagement
    url = site_url(amenagement.get_absolute_url() + "#evaluation")
    subject = gettext("[Tactique] Decision on “%(arrangement)s”: %(action)s — %(status)s") % {
        "arrangement": amenagement.name,
        "action": proposal.get_action_display(),
        "status": proposal.get_status_display(),
    }
    lines = [
        gettext(
            "On %(date)s the services decided on the proposal “%(action)s” for "
            "“%(arrangement)s”: %(status)s."
        )
        % {
            "arrangement": amenagement.name,
            "date": long_date(timezone.localtime(proposal.decided_at)),
            "action": proposal.get_action_display(),
            "status": proposal.get_status_display().lower(),
        },
        "",
        gettext("Their reasons:"),
        proposal.decision_note,
        "",
        gettext("The proposal, its evidence and the decision: %(url)s") % {"url": url},
    ]
    return Message(subject=subject, body="\n".join(lines))


def decision_notify(*, proposal_id: int) -> int:
    """Tell the decision on a proposal to those who gave their opinion on its arrangement and
    to its and its commune's followers (see the module's rules and
    `participation.follows.notices`); the number of people told."""
    proposal = AdjustmentProposal.objects.select_related("amenagement").get(pk=proposal_id)
    told = notify(
        key=f"decision:{proposal.pk}",
        amenagement=proposal.amenagement,
        compose=lambda: _decision_message(proposal),
        raters=True,
    )
    return len(told)
