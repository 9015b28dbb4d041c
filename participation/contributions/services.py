"""Writes on residents' opinions: giving, editing and withdrawing one.

Rules:
- one contribution per resident and arrangement version (a database constraint): submitting
  again edits it; once an adaptation has opened a new version, the next submission starts a new
  contribution and the earlier one stays with the version it judged;
- a contribution answers the adopted perception indicators that apply to its arrangement, each
  from 1 to 5 (or not at all), and holds at least one rating or a comment;
- a pinned spot is snapped onto the arrangement and located along it; a spot farther than
  `TACTIQUE_PIN_MAX_DISTANCE_M` is refused rather than moved;
- a comment is published at once, unless its commune is pre-moderated or moderation had held it
  back (then an edit waits for a moderator); holding it is logged in the moderation log in the
  same transaction. Reports and moderators' decisions are in `moderation`.
Permissions are checked by views; these functions check the rules that must hold whoever calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement, AmenagementVersion
from amenagements.selectors import amenagement_locate
from participation.contributions.moderation import (
    COMMENT_HELD,
    HELD_AFTER_MODERATION,
    HELD_BY_PREMODERATION,
    premoderated,
)
from participation.indicators.selectors import adopted_for_amenagement
from participation.logs import log_record
from participation.models import (
    COMMENT_MAX_LENGTH,
    CommentStatus,
    Contribution,
    ContributorProfile,
    IndicatorDefinition,
    ModerationLogEntry,
    Rating,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_REMOVED = _("This arrangement has been removed: it no longer takes opinions.")
ERROR_VERSION_CHANGED = _(
    "The arrangement was adapted while you were answering: your opinion now concerns its new "
    "layout (version %(number)s). Check your answers and send them again."
)
ERROR_UNKNOWN_INDICATOR = _("This question is not asked about this arrangement.")
ERROR_RATING_RANGE = _("A rating goes from 1 to 5.")
ERROR_UNKNOWN_PROFILE = _("Unknown profile: %(value)s.")
ERROR_COMMENT_TOO_LONG = _("Your comment has %(length)s characters; it can have at most %(max)s.")
ERROR_EMPTY = _("Answer at least one question or write a comment.")
ERROR_PIN_TOO_FAR = _(
    "This spot is %(distance)s m from the arrangement: place it on the arrangement or less than "
    "%(max)s m from it."
)
ERROR_PIN_NOT_A_POINT = _("The spot must be a point.")


# --- contributing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionInput:
    """What a resident submits. `ratings` maps an indicator definition id to 1–5, or to None
    for "no opinion" (an earlier rating of it is then withdrawn)."""

    ratings: Mapping[int, int | None] = field(default_factory=dict)
    comment: str = ""
    profiles: Sequence[str] = ()
    point: Point | None = None


@dataclass(frozen=True)
class Submission:
    contribution: Contribution
    created: bool  # a new contribution (first opinion on this version)
    changed: bool  # something was written (False when the same answers came again)


@dataclass(frozen=True)
class _Located:
    point: Point | None
    position_m: float | None


def _clean_comment(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": ValidationError(
                    ERROR_COMMENT_TOO_LONG,
                    code="comment_too_long",
                    params={"length": len(text), "max": COMMENT_MAX_LENGTH},
                )
            }
        )
    return text


def _clean_profiles(values: Sequence[str]) -> list[str]:
    for value in values:
        if value not in ContributorProfile.values:
            raise ValidationError(
                {
                    "profiles": ValidationError(
                        ERROR_UNKNOWN_PROFILE, code="unknown_profile", params={"value": value}
                    )
                }
            )
    return [v for v in ContributorProfile.values if v in set(values)]


def _clean_ratings(
    ratings: Mapping[int, int | None], definitions: dict[int, IndicatorDefinition]
) -> dict[int, int | None]:
    cleaned: dict[int, int | None] = {}
    for definition_id, value in ratings.items():
        if definition_id not in definitions:
            raise ValidationError(ERROR_UNKNOWN_INDICATOR, code="unknown_indicator")
        if value is not None and (isinstance(value, bool) or value not in range(1, 6)):
            raise ValidationError(
                {f"rating_{definition_id}": ValidationError(ERROR_RATING_RANGE, code="range")}
            )
        cleaned[definition_id] = value
    return cleaned


def _locate(amenagement: Amenagement, point: Point | None) -> _Located:
    if point is None:
        return _Located(None, None)
    if point.geom_type != "Point":
        raise ValidationError({"point": ValidationError(ERROR_PIN_NOT_A_POINT, code="not_point")})
    location = amenagement_locate(amenagement=amenagement, point=point)
    limit = settings.TACTIQUE_PIN_MAX_DISTANCE_M
    if location.distance_m > limit:
        raise ValidationError(
            {
                "point": ValidationError(
                    ERROR_PIN_TOO_FAR,
                    code="pin_too_far",
                    params={"distance": round(location.distance_m), "max": round(limit)},
                )
            }
        )
    position = None if location.position_m is None else round(location.position_m, 1)
    return _Located(location.point, position)


def _lock_or_create(
    user: User, version: AmenagementVersion, **values: Any
) -> tuple[Contribution, bool]:
    """The resident's contribution on `version`, locked, created if there is none.

    The arrangement row is already locked by the caller, so two submissions of one resident
    never race here; should another writer insert meanwhile, the unique constraint refuses the
    second row and the existing one is used (the savepoint keeps the transaction usable).
    """
    existing = Contribution.objects.select_for_update().filter(user=user, version=version).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Contribution.objects.create(user=user, version=version, **values), True
    except IntegrityError as error:
        if "contribution_one_per_resident_and_version" not in str(error):
            raise
    return Contribution.objects.select_for_update().get(user=user, version=version), False


@transaction.atomic
def contribution_submit(
    *,
    user: User,
    amenagement: Amenagement,
    data: ContributionInput,
    expected_version: int | None = None,
    is_demo: bool = False,
) -> Submission:
    """Record `user`'s opinion of the arrangement's current version, or edit it.

    The arrangement row is locked for the duration (`FOR NO KEY UPDATE`), so a submission and
    an adaptation are serialised: the opinion goes to the version in force, and the spot is
    snapped onto that version's geometry. `expected_version` is the version number the form was
    shown for: if an adaptation opened another one since, nothing is written.
    Side effects: a comment held for moderation is logged ("comment.held").
    Raises `ValidationError` (with field keys where one applies) if the arrangement was removed,
    the version changed, a rating is out of range or for a question not asked here, a profile is
    unknown, the comment is too long, the spot too far, or nothing at all is said.
    """
    amenagement = (
        Amenagement.objects.select_for_update(no_key=True, of=("self",))
        .select_related("commune")
        .get(pk=amenagement.pk)
    )
    if amenagement.status == Amenagement.Status.REMOVED:
        raise ValidationError(ERROR_REMOVED, code="removed")
    version = AmenagementVersion.objects.get(amenagement=amenagement, valid_to__isnull=True)
    if expected_version is not None and expected_version != version.number:
        raise ValidationError(
            ERROR_VERSION_CHANGED, code="version_changed", params={"number": version.number}
        )
    definitions = {
        d.pk: d
        for d in adopted_for_amenagement(amenagement, kind=IndicatorDefinition.Kind.PERCEPTION)
    }
    ratings = _clean_ratings(data.ratings, definitions)
    comment = _clean_comment(data.comment)
    profiles = _clean_profiles(data.profiles)
    located = _locate(amenagement, data.point)

    contribution, created = _lock_or_create(
        user,
        version,
        comment="",
        profiles=profiles,
        point=located.point,
        position_m=located.position_m,
        is_demo=is_demo,
    )
    existing = {r.definition_id: r for r in contribution.ratings.all()} if not created else {}
    kept = {d: r.value for d, r in existing.items() if ratings.get(d, r.value) is not None}
    final_ratings = {**kept, **{d: v for d, v in ratings.items() if v is not None}}
    if not final_ratings and not comment:
        raise ValidationError(ERROR_EMPTY, code="empty")

    changed = created
    # Ratings: add, change or withdraw; ratings of indicators no longer asked stay as given.
    for definition_id, value in ratings.items():
        rating = existing.get(definition_id)
        if value is None and rating is not None:
            rating.delete()
            changed = True
        elif value is not None and rating is None:
            Rating.objects.create(
                contribution=contribution, definition_id=definition_id, value=value
            )
            changed = True
        elif value is not None and rating is not None and rating.value != value:
            rating.value = value
            rating.save(update_fields=["value"])
            changed = True

    fields = []
    if not created:
        changes: tuple[tuple[str, object], ...] = (
            ("profiles", profiles),
            ("point", located.point),
            ("position_m", located.position_m),
        )
        for name, new in changes:
            if not _same(getattr(contribution, name), new):
                setattr(contribution, name, new)
                fields.append(name)
    if comment != contribution.comment:
        _set_comment(contribution, comment, amenagement.commune_id)
        fields += ["comment", "comment_status"]
    if fields:
        contribution.full_clean(
            exclude=["user", "version", "moderated_by"], validate_constraints=False
        )
        contribution.save(update_fields=[*fields, "updated_at"])
        changed = True
    elif changed:
        contribution.save(update_fields=["updated_at"])
    return Submission(contribution=contribution, created=created, changed=changed)


@transaction.atomic
def contribution_withdraw(*, user: User, amenagement: Amenagement) -> bool:
    """Withdraw `user`'s opinion of the arrangement's current version: the contribution and its
    ratings are deleted (its reports too; moderation log rows keep their action, without it).
    Opinions on earlier versions are part of the before/after record and stay. Returns whether
    there was one."""
    amenagement = Amenagement.objects.select_for_update(no_key=True).get(pk=amenagement.pk)
    deleted, _rows = Contribution.objects.filter(
        user=user, version__amenagement=amenagement, version__valid_to__isnull=True
    ).delete()
    return bool(deleted)


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Point) or isinstance(new, Point):
        if current is None or new is None:
            return current is new
        return bool(current.equals_exact(new, tolerance=1e-9))
    return bool(current == new)


def _set_comment(contribution: Contribution, comment: str, commune_id: int | None) -> None:
    """A new comment text: published, or held for a moderator when the commune is pre-moderated
    or moderation had held the previous text back (an edit must not undo a decision)."""
    previous = contribution.comment_status
    contribution.comment = comment
    if not comment:
        contribution.comment_status = CommentStatus.PUBLISHED
        return
    held_back = previous in {CommentStatus.HIDDEN, CommentStatus.REPORTED, CommentStatus.PENDING}
    if premoderated(commune_id):
        reason = HELD_BY_PREMODERATION
    elif held_back:
        reason = HELD_AFTER_MODERATION
    else:
        contribution.comment_status = CommentStatus.PUBLISHED
        return
    contribution.comment_status = CommentStatus.PENDING
    log_record(
        ModerationLogEntry,
        action=COMMENT_HELD,
        actor=None,
        contribution=contribution,
        payload={"from": previous, "to": CommentStatus.PENDING, "why": reason},
    )


# --- reporting --------------------------------------------------------------------------------


# --- moderating -------------------------------------------------------------------------------
