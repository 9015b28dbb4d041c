"""Recording a file's adaptations (`reading`), through `amenagements.services.amenagement_adapt`.

Rules:
- Lines are recorded in date order (the file's order among lines of one date): an
  arrangement's events must be in date order, whatever the file's.
- A line whose arrangement (number or slug) is unknown, or that the service refuses (a date
  before the arrangement's last event, a removed arrangement, a bad geometry, a status change
  that changes nothing…) is rejected with its number and the service's reason; the others are
  recorded, each in its own savepoint.
- Idempotent: a line the arrangement already has — same date, kind and description — is
  counted as already recorded and changes nothing, so the same file imported twice records
  its adaptations once.
- With `dry_run` everything is done, then undone: the report says what the import would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amenagements.bulk.reading import AdaptationsRead, BulkReject
from amenagements.models import Adaptation, Amenagement
from amenagements.services import amenagement_adapt

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REJECT_UNKNOWN = _("no arrangement “%(value)s” (give its number or its slug)")
REJECT_OUT_OF_SCOPE = _("“%(name)s” is in a commune you do not act for")


@dataclass
class BulkResult:
    """What an import of adaptations did (or would do, in a dry run)."""

    read: int
    recorded: int = 0
    already: int = 0
    rejects: list[BulkReject] = field(default_factory=list)
    arrangements: int = 0  # arrangements adapted
    dry_run: bool = False


@transaction.atomic
def adaptations_import(
    *,
    read: AdaptationsRead,
    recorded_by: User | None = None,
    dry_run: bool = False,
    communes: frozenset[int] | None = None,
) -> BulkResult:
    """Record the adaptations read from a file (see the module's rules). With `communes` (the
    scope of an agent, `amenagements.permissions.commune_scope`), a line on an arrangement of
    another commune, or of none, is rejected."""
    result = BulkResult(read=read.count, rejects=list(read.rejects), dry_run=dry_run)
    wanted = {line.arrangement for line in read.lines}
    numbers = {int(text) for text in wanted if text.isascii() and text.isdigit()}
    found = Amenagement.objects.filter(Q(pk__in=numbers) | Q(slug__in=wanted))
    by_key: dict[str, Amenagement] = {}
    for each in found:
        by_key[each.slug] = each
        by_key[str(each.pk)] = each
    known = set(
        Adaptation.objects.filter(amenagement__in=found).values_list(
            "amenagement_id", "date", "kind", "description"
        )
    )
    adapted: set[int] = set()
    for line in sorted(read.lines, key=lambda line: (line.date, line.line)):
        amenagement = by_key.get(line.arrangement)
        if amenagement is None:
            result.rejects.append(
                BulkReject(line.line, str(REJECT_UNKNOWN % {"value": line.arrangement}))
            )
            continue
        if communes is not None and amenagement.commune_id not in communes:
            result.rejects.append(
                BulkReject(line.line, str(REJECT_OUT_OF_SCOPE % {"name": amenagement.name}))
            )
            continue
        key = (amenagement.pk, line.date, line.kind, line.description)
        if key in known:
            result.already += 1
            continue
        try:
            with transaction.atomic():
                amenagement_adapt(
                    amenagement=amenagement,
                    date=line.date,
                    kind=line.kind,
                    description=line.description,
                    geom=line.geom,
                    status=line.status,
                    origin=Adaptation.Origin.STAFF,
                    recorded_by=recorded_by,
                )
        except ValidationError as error:
            result.rejects.append(BulkReject(line.line, " ".join(error.messages)))
            continue
        known.add(key)
        adapted.add(amenagement.pk)
        result.recorded += 1
    result.rejects.sort(key=lambda reject: reject.line)
    result.arrangements = len(adapted)
    if dry_run:
        transaction.set_rollback(True)
    return result
