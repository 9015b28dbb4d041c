"""Writes on indicator definitions: propose, revise a proposal, adopt, close, retire.

The life of a definition:
    proposed ──adopt──▶ adopted ──retire / superseded by a new version──▶ retired
        └────close (with a reason)──▶ closed
Rules:
- a member of the panel proposes; a new proposal may revise an adopted version (`supersedes`),
  keeping its code; a brand-new proposal may not reuse the code of an indicator the panel has
  already adopted;
- only the proposer edits a proposal, only while it is open; editing withdraws the stances
  taken on the earlier text (members endorsed words that changed);
- an adopted, closed or retired definition is never edited (`ERROR_FROZEN`; the database
  refuses too, see migration indicators 0003): a change is a new version;
- a facilitator adopts when the panel's rule is met: at least `quorum` current members took a
  stance, and endorsements are at least `min_endorsement_percent` % of those stances
  (`selectors.AdoptionTally`); otherwise the refusal states the numbers;
- adopting a revision retires the version it supersedes, which keeps its row and points to its
  successor (`superseded_by`); the new one gets the next version number of the code;
- a facilitator closes a proposal with a reason, or retires an adopted indicator with one.
Every step is logged in the panel's public log, in the same transaction. Adoptions in a panel
are serialised by locking the panel row, so two versions of a code can never be adopted at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.dates import long_date
from common.rules import require_open
from participation.indicators.selectors import proposal_tally
from participation.indicators.text import DefinitionText, definition_text_check
from participation.models import CitizenPanel, IndicatorDefinition
from participation.panels.log import (
    INDICATOR_RETIRED,
    PROPOSAL_ADOPTED,
    PROPOSAL_CLOSED,
    PROPOSAL_CREATED,
    PROPOSAL_REVISED,
    panel_log_record,
)
from participation.panels.services import require_facilitator, require_member

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_FROZEN = _(
    "This indicator is %(status)s (%(date)s): its definition can no longer be changed. "
    "Propose a new version instead."
)
ERROR_NOT_PROPOSER = _("Only the member who made this proposal can edit it.")
ERROR_RULE_NOT_MET = _(
    "The panel's rule is not met: adoption needs at least %(quorum)s stances with at least "
    "%(required)s %% endorsements; there are %(votes)s stances, %(endorsements)s of them "
    "endorsements (%(share)s %%)."
)
ERROR_CODE_TAKEN = _(
    "The panel already has an indicator with the code “%(code)s”: propose a new version of it "
    "instead, or choose another code."
)
ERROR_REVISE_ONLY_ADOPTED = _("Only an adopted indicator can be revised.")
ERROR_SUPERSEDED_MEANWHILE = _(
    "The version this proposal revises is no longer the adopted one (it is now %(status)s): "
    "close this proposal and propose a revision of the current version."
)
ERROR_REASON_REQUIRED = _("Give the reason, for the public record.")
ERROR_NOT_ADOPTED = _("Only an adopted indicator can be retired.")
ERROR_OTHER_PANEL = _("This indicator belongs to another panel.")


def _frozen_error(definition: IndicatorDefinition) -> ValidationError:
    when = definition.retired_at or definition.adopted_at or definition.closed_at
    return ValidationError(
        ERROR_FROZEN,
        code="frozen",
        params={
            "status": definition.get_status_display().lower(),
            "date": long_date(timezone.localtime(when)) if when else "",
        },
    )


def _code_is_taken(panel: CitizenPanel, code: str) -> bool:
    return IndicatorDefinition.objects.filter(
        panel=panel,
        code=code,
        status__in=[IndicatorDefinition.Status.ADOPTED, IndicatorDefinition.Status.RETIRED],
    ).exists()


@transaction.atomic
def definition_propose(
    *,
    panel: CitizenPanel,
    proposed_by: User,
    text: DefinitionText,
    supersedes: IndicatorDefinition | None = None,
    is_starter: bool = False,
) -> IndicatorDefinition:
    """A member proposes an indicator, or a new version of an adopted one (`supersedes`).

    A revision keeps the code of the version it revises. `is_starter` marks the demonstration
    starter set. Logs "proposal.created".
    Raises `ValidationError` if `proposed_by` is not a member, the text is invalid, the code is
    already used by an adopted indicator of the panel (for a new one), or `supersedes` is not
    an adopted indicator of this panel.
    """
    require_member(panel, proposed_by)
    definition_text_check(text)
    fields = text.fields()
    if supersedes is not None:
        if supersedes.panel_id != panel.pk:
            raise ValidationError(ERROR_OTHER_PANEL, code="other_panel")
        if supersedes.status != IndicatorDefinition.Status.ADOPTED:
            raise ValidationError(ERROR_REVISE_ONLY_ADOPTED, code="revise_adopted")
        fields["code"] = supersedes.code
    elif _code_is_taken(panel, text.code):
        raise ValidationError(
            {"code": ValidationError(ERROR_CODE_TAKEN, params={"code": text.code})},
            code="code_taken",
        )
    definition = IndicatorDefinition(
        panel=panel,
        supersedes=supersedes,
        proposed_by=proposed_by,
        proposed_at=timezone.now(),
        is_starter=is_starter,
        **fields,
    )
    definition.full_clean()
    definition.save()
    panel_log_record(
        panel=panel,
        action=PROPOSAL_CREATED,
        actor=proposed_by,
        definition=definition,
        payload={
            "code": definition.code,
            "name": definition.name,
            "revises_version": supersedes.version if supersedes else None,
        },
    )
    return definition


@transaction.atomic
def definition_update(
    *, definition: IndicatorDefinition, by: User, text: DefinitionText
) -> IndicatorDefinition:
    """The proposer edits their open proposal. Stances on the earlier text are withdrawn.

    Logs "proposal.revised" with the number of stances withdrawn. Raises `ValidationError`
    (`ERROR_FROZEN`) for an adopted, retired or closed definition — a change to those is a new
    version —, if `by` is not the proposer, or if the text is invalid.
    """
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    if definition.is_frozen:
        raise _frozen_error(definition)
    if definition.proposed_by_id != by.pk:
        raise ValidationError(ERROR_NOT_PROPOSER, code="not_proposer")
    definition_text_check(text)
    fields = text.fields()
    if definition.supersedes_id is not None:
        fields["code"] = definition.code
    elif fields["code"] != definition.code and _code_is_taken(definition.panel, text.code):
        raise ValidationError(
            {"code": ValidationError(ERROR_CODE_TAKEN, params={"code": text.code})},
            code="code_taken",
        )
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.full_clean()
    definition.save()
    withdrawn, _detail = definition.stances.all().delete()
    panel_log_record(
        panel=definition.panel,
        action=PROPOSAL_REVISED,
        actor=by,
        definition=definition,
        payload={"stances_withdrawn": withdrawn},
    )
    return definition


def _lock_open(definition: IndicatorDefinition) -> tuple[CitizenPanel, IndicatorDefinition]:
    # Lock the panel first, then the proposal: adoptions in a panel are serialised, and stance
    # changes (which lock the proposal) wait for the adoption to finish.
    panel = CitizenPanel.objects.select_for_update().get(pk=definition.panel_id)
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    require_open(definition)
    return panel, definition


@transaction.atomic
def definition_adopt(*, definition: IndicatorDefinition, by: User) -> IndicatorDefinition:
    """A facilitator adopts an open proposal once the panel's rule is met.

    The definition gets the next version number of its code and becomes immutable. If it
    revises an adopted version, that version is retired and points to it (`superseded_by`).
    Logs "proposal.adopted" with the tally and the rule it met. Raises `ValidationError` if
    `by` is not a facilitator, the proposal is not open, the rule is not met (the message
    states the numbers), the code was adopted meanwhile, or the revised version was
    superseded or retired meanwhile.
    """
    panel, definition = _lock_open(definition)
    require_facilitator(panel, by)
    tally = proposal_tally(definition, panel=panel)
    if not tally.is_met:
        raise ValidationError(ERROR_RULE_NOT_MET, code="rule_not_met", params=tally.as_params())

    now = timezone.now()
    previous = None
    if definition.supersedes_id is not None:
        previous = IndicatorDefinition.objects.select_for_update().get(pk=definition.supersedes_id)
        if previous.status != IndicatorDefinition.Status.ADOPTED:
            raise ValidationError(
                ERROR_SUPERSEDED_MEANWHILE,
                code="superseded",
                params={"status": previous.get_status_display().lower()},
            )
    elif _code_is_taken(panel, definition.code):
        raise ValidationError(ERROR_CODE_TAKEN, code="code_taken", params={"code": definition.code})
    last = IndicatorDefinition.objects.filter(panel=panel, code=definition.code).aggregate(
        last=Max("version")
    )["last"]
    if previous is not None:
        # Retire first (one adopted version per code, checked row by row), in one write: the
        # database lets a decided row change only as it leaves the adopted state.
        previous.status = IndicatorDefinition.Status.RETIRED
        previous.retired_at = now
        previous.retired_by = by
        previous.superseded_by = definition
        previous.save(update_fields=["status", "retired_at", "retired_by", "superseded_by"])
    definition.status = IndicatorDefinition.Status.ADOPTED
    definition.version = (last or 0) + 1
    definition.adopted_by = by
    definition.adopted_at = now
    definition.save(update_fields=["status", "version", "adopted_by", "adopted_at"])
    panel_log_record(
        panel=panel,
        action=PROPOSAL_ADOPTED,
        actor=by,
        definition=definition,
        payload={
            "code": definition.code,
            "name": definition.name,
            "version": definition.version,
            "supersedes_version": previous.version if previous else None,
            **tally.as_params(),
        },
    )
    return definition


@transaction.atomic
def definition_close(
    *, definition: IndicatorDefinition, by: User, reason: str
) -> IndicatorDefinition:
    """A facilitator closes an open proposal without adopting it, saying why (public).

    Logs "proposal.closed" with the reason and the tally at that moment. Raises
    `ValidationError` if `by` is not a facilitator, the proposal is not open, or the reason is
    empty.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REASON_REQUIRED}, code="reason_required")
    panel, definition = _lock_open(definition)
    require_facilitator(panel, by)
    tally = proposal_tally(definition, panel=panel)
    definition.status = IndicatorDefinition.Status.CLOSED
    definition.closed_by = by
    definition.closed_at = timezone.now()
    definition.close_reason = reason
    definition.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    panel_log_record(
        panel=panel,
        action=PROPOSAL_CLOSED,
        actor=by,
        definition=definition,
        payload={"code": definition.code, "reason": reason, **tally.as_params()},
    )
    return definition


@transaction.atomic
def definition_retire(
    *, definition: IndicatorDefinition, by: User, reason: str
) -> IndicatorDefinition:
    """A facilitator retires an adopted indicator (no successor), saying why (public).

    Its row stays, so results computed with it keep pointing to it. Logs "indicator.retired".
    Raises `ValidationError` if `by` is not a facilitator, the indicator is not adopted, or
    the reason is empty.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REASON_REQUIRED}, code="reason_required")
    panel = CitizenPanel.objects.select_for_update().get(pk=definition.panel_id)
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    require_facilitator(panel, by)
    if not definition.can_be_retired:
        raise ValidationError(ERROR_NOT_ADOPTED, code="not_adopted")
    definition.status = IndicatorDefinition.Status.RETIRED
    definition.retired_by = by
    definition.retired_at = timezone.now()
    definition.retirement_reason = reason
    definition.save(update_fields=["status", "retired_by", "retired_at", "retirement_reason"])
    panel_log_record(
        panel=panel,
        action=INDICATOR_RETIRED,
        actor=by,
        definition=definition,
        payload={"code": definition.code, "version": definition.version, "reason": reason},
    )
    return definition
