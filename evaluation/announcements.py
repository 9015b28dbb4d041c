"""What a new evaluation tells the followers of an arrangement.

Rule: when a run proposes something else than the run before it (another set of actions —
the first run's proposals included), the arrangement's and its commune's followers are told,
once per run, with the new proposals and a link to their evidence
(`participation.follows.notices` says who and how). A run that proposes the same as before
writes to nobody: followers hear of changes, not of every nightly evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext

from common.dates import long_date
from common.http import site_url
from participation.follows.notices import Message, notify

if TYPE_CHECKING:
    from evaluation.models import AdjustmentProposal, EvaluationRun


def _message(run: EvaluationRun, proposals: list[AdjustmentProposal]) -> Message:
    amenagement = run.amenagement
    url = site_url(amenagement.get_absolute_url() + "#evaluation")
    actions = ", ".join(f"« {p.get_action_display()} »" for p in proposals)
    lines = [
        gettext(
            "The evaluation of “%(arrangement)s” with the data up to %(date)s proposes "
            "something new: %(actions)s."
        )
        % {"arrangement": amenagement.name, "date": long_date(run.as_of), "actions": actions},
        "",
        gettext(
            "A proposal is not a decision: the services will decide in public, with their "
            "reasons. The numbers behind it: %(url)s"
        )
        % {"url": url},
    ]
    subject = gettext("[Tactique] “%(arrangement)s”: a new proposal") % {
        "arrangement": amenagement.name
    }
    return Message(subject=subject, body="\n".join(lines))


def proposals_announce(
    *, run: EvaluationRun, proposals: list[AdjustmentProposal], previous_actions: set[str]
) -> int:
    """Tell the followers when `proposals` (the run's) differ from the previous run's
    actions (module rule); the number of people told."""
    if not proposals or {p.action for p in proposals} == previous_actions:
        return 0
    told = notify(
        key=f"proposal:{run.pk}",
        amenagement=run.amenagement,
        compose=lambda: _message(run, proposals),
    )
    return len(told)
