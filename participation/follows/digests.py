"""The two digests: residents' weekly one, moderators' daily one (run by `participation.tasks`).

Rules:
- the weekly digest gathers, for each person, the notices kept for it (`Notice.weekly`, not yet
  sent) into one email, oldest first, each with its own "stop following" link; the email ends
  with a link that stops every weekly digest, also given as the `List-Unsubscribe` header.
  Its notices are marked sent with the queueing, so a digest run twice (or by two workers at
  once: the rows are locked) sends each notice once. Notices of a person who closed their
  account or has no address any more are dropped;
- the moderators' digest tells each moderator (an active member of the moderators' group, or
  a superuser, with an address) the reports made yesterday (local day) on the comments they
  moderate — residents' on arrangements of their communes and panels' of panels speaking for
  one of them, when they are assigned communes — with the number still waiting in their
  queue and its link; nobody is written to about a day without report, and
  a moderator gets one digest per day (`Notice.key` "reports:<day>"). Moderating is a duty
  given by the services, so this digest has no unsubscribe link: one leaves the group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from amenagements.permissions import commune_scope
from common.dates import long_date
from common.http import site_url
from common.mail import email_queue
from participation.follows.notices import unsubscribe_headers
from participation.follows.tokens import Target, unsubscribe_url
from participation.models import CitizenPanel, Notice, PanelCommentReport, Report

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _stop_link(notice: Notice) -> str:
    """The "stop following" line under a digest item: what it silences, and its link."""
    follow = notice.follow
    if follow is not None and follow.commune_id is not None:
        name = follow.commune.name if follow.commune else ""
        target = Target(user_id=notice.user_id, commune_id=follow.commune_id)
        label = gettext("Stop following the commune of %(name)s: %(url)s")
    else:
        name = notice.amenagement.name if notice.amenagement else ""
        target = Target(user_id=notice.user_id, amenagement_id=notice.amenagement_id)
        label = gettext("Stop following “%(name)s”: %(url)s")
    return label % {"name": name, "url": unsubscribe_url(target)}


def _weekly_email(user_id: int, notices: list[Notice]) -> tuple[str, str, str]:
    """The subject, text and unsubscribe link of one person's digest, in the active language."""
    count = len(notices)
    subject = ngettext(
        "[Tactique] Your weekly digest: %(count)d news",
        "[Tactique] Your weekly digest: %(count)d news",
        count,
    ) % {"count": count}
    lines = [gettext("Here is what happened this week to what you follow on Tactique.")]
    for notice in notices:
        lines += ["", "=" * 8, notice.subject, "", notice.body, "", _stop_link(notice)]
    link = unsubscribe_url(Target(user_id=user_id, weekly=True))
    lines += [
        "",
        "-- ",
        gettext("You receive this digest because you chose weekly news on Tactique."),
        gettext("To stop every weekly digest, one click: %(url)s") % {"url": link},
        gettext("Your data and how to delete them: %(url)s")
        % {"url": site_url(reverse("privacy:privacy"))},
    ]
    return subject, "\n".join(lines), link


@transaction.atomic
def weekly_digests_send() -> int:
    """Queue each person's weekly digest (module rules); the number of digests queued."""
    waiting = list(
        Notice.objects.filter(weekly=True, sent_at__isnull=True)
        .select_related("user", "follow__commune", "amenagement")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("user_id", "created_at", "pk")
    )
    sent: list[int] = []
    dropped: list[int] = []
    digests = 0
    for user_id, group in groupby(waiting, key=lambda n: n.user_id):
        notices = list(group)
        user = notices[0].user
        if not user.is_active or not user.email:
            dropped += [n.pk for n in notices]
            continue
        language = next(
            (n.follow.language for n in notices if n.follow is not None), settings.LANGUAGE_CODE
        )
        with translation.override(language):
            subject, body, link = _weekly_email(user_id, notices)
        email_queue(subject=subject, body=body, to=[user.email], headers=unsubscribe_headers(link))
        sent += [n.pk for n in notices]
        digests += 1
    Notice.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    Notice.objects.filter(pk__in=dropped).delete()
    return digests


def _moderators() -> list[User]:
    """The active moderators with an address (the module's second rule)."""
    return list(
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__name=settings.TACTIQUE_MODERATORS_GROUP),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class Reported:
    """One report of the day, in the terms of the digest: what was reported, why, and the
    communes whose moderators handle it (a panel's: all its communes)."""

    name: str
    reason: str
    details: str
    communes: frozenset[int | None]


def _theirs(communes: frozenset[int | None], scope: frozenset[int] | None) -> bool:
    return scope is None or any(c in scope for c in communes)


def _reported(opinions: QuerySet[Report], panels: QuerySet[PanelCommentReport]) -> list[Reported]:
    """These reports on residents' comments and on panels' comments, in the digest's terms.
    Three queries."""
    opinions = opinions.select_related("contribution__version__amenagement")
    panels = panels.select_related("comment__definition__panel")
    items = [
        Reported(
            name=r.contribution.version.amenagement.name,
            reason=r.get_reason_display(),
            details=r.details,
            communes=frozenset({r.contribution.version.amenagement.commune_id}),
        )
        for r in opinions.order_by("created_at", "pk")
    ]
    panel_reports = list(panels.order_by("created_at", "pk"))
    communes_of: dict[int, set[int]] = defaultdict(set)
    for panel_id, commune_id in CitizenPanel.communes.through.objects.filter(
        citizenpanel_id__in={r.comment.definition.panel_id for r in panel_reports}
    ).values_list("citizenpanel_id", "commune_id"):
        communes_of[panel_id].add(commune_id)
    items += [
        Reported(
            name=f"{r.comment.definition.panel.name} — {r.comment.definition.name}",
            reason=r.get_reason_display(),
            details=r.details,
            communes=frozenset(communes_of[r.comment.definition.panel_id]),
        )
        for r in panel_reports
    ]
    return items


def _moderator_email(
    reports: list[Reported], day: dt.date, waiting: int, queue_url: str
) -> tuple[str, str]:
    """The subject and text of one moderator's digest, in the active language."""
    count = len(reports)
    subject = ngettext(
        "[Tactique] %(count)d report on %(date)s",
        "[Tactique] %(count)d reports on %(date)s",
        count,
    ) % {"count": count, "date": long_date(day)}
    lines = [
        ngettext(
            "%(count)d comment was reported on %(date)s:",
            "%(count)d comments were reported on %(date)s:",
            count,
        )
        % {"count": count, "date": long_date(day)},
        "",
    ]
    for report in reports:
        item = {"name": report.name, "reason": report.reason, "details": report.details}
        if report.details:
            lines.append(gettext("- %(name)s — %(reason)s: “%(details)s”") % item)
        else:
            lines.append(gettext("- %(name)s — %(reason)s") % item)
    lines += [
        "",
        ngettext(
            "%(count)d report waits in your moderation queue: %(url)s",
            "%(count)d reports wait in your moderation queue: %(url)s",
            waiting,
        )
        % {"count": waiting, "url": queue_url},
        "",
        "-- ",
        gettext(
            "You receive this digest as a moderator of Tactique. Moderators are appointed by "
            "the services: ask them to stop."
        ),
    ]
    return subject, "\n".join(lines)


@transaction.atomic
def moderators_digest_send(day: dt.date | None = None) -> int:
    """Queue the digest of the reports made on `day` (yesterday by default) to each
    moderator they concern (module rules); the number of moderators written to."""
    day = day or timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    made = {"created_at__gte": start, "created_at__lt": end}
    reports = _reported(Report.objects.filter(**made), PanelCommentReport.objects.filter(**made))
    if not reports:
        return 0
    still_open = _reported(
        Report.objects.filter(resolved_at__isnull=True),
        PanelCommentReport.objects.filter(resolved_at__isnull=True),
    )
    key = f"reports:{day.isoformat()}"
    moderators = _moderators()
    already = set(
        Notice.objects.filter(key=key, user__in=moderators).values_list("user_id", flat=True)
    )
    queue_url = site_url(reverse("contributions:moderation"))
    notices = []
    now = timezone.now()
    for moderator in moderators:
        if moderator.pk in already:
            continue
        scope = commune_scope(moderator)
        theirs = [r for r in reports if _theirs(r.communes, scope)]
        if not theirs:
            continue
        waiting = sum(1 for r in still_open if _theirs(r.communes, scope))
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _moderator_email(theirs, day, waiting, queue_url)
        notices.append(
            Notice(user=moderator, key=key, subject=subject[:250], body=body, sent_at=now)
        )
        email_queue(subject=subject, body=body, to=[moderator.email])
    Notice.objects.bulk_create(notices)
    return len(notices)
