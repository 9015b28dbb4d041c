"""Who is told of an event on an arrangement, how, and only once.

Rules:
- what a person receives about an arrangement is decided by the most precise choice they
  made: their follow of the arrangement, else their follow of its commune, else — for the
  events that concern those who gave their opinion on it (`raters=True`: a decision, an
  invitation to judge a new layout) — an email at once if they gave one. A follow set to
  "no message" silences all three;
- only active accounts with an email address are written to;
- each person gets at most one notice per event (`Notice.key`, a database constraint): the
  same event reported again writes to nobody twice;
- a message is written in the language of the follow it comes from (the site's language for
  raters without one), when the event happens; "at once" queues one email per person, through
  the background jobs, with the caller's transaction (never sent if it rolls back); "weekly"
  keeps the notice for the Monday digest (`digests`);
- every email says why it was received and ends with a signed one-click unsubscribe link,
  also given as the `List-Unsubscribe` header (with `List-Unsubscribe-Post`, RFC 8058).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from common.http import site_url
from common.mail import email_queue
from participation.follows.tokens import Target, unsubscribe_url
from participation.models import Contribution, Follow, Frequency, Notice

if TYPE_CHECKING:
    from amenagements.models import Amenagement


@dataclass(frozen=True)
class Message:
    """An event told in one language: a subject and the text (without the footer)."""

    subject: str
    body: str


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    frequency: str
    language: str
    follow: Follow | None  # None: told as one who gave their opinion


def recipients(
    amenagement: Amenagement, *, followers: bool = True, raters: bool = False
) -> list[Recipient]:
    """Who is told of an event on `amenagement`, and how (the module's first rule): its and
    its commune's followers if `followers`, those who gave their opinion on it if `raters`;
    those whose choice is "no message" are left out. Three queries."""
    targets = Q(amenagement=amenagement)
    if amenagement.commune_id is not None:
        targets |= Q(commune_id=amenagement.commune_id)
    choice: dict[int, Follow] = {}
    for follow in Follow.objects.filter(targets).select_related("commune"):
        # A follow of the arrangement itself overrides one of its commune.
        if follow.user_id not in choice or follow.amenagement_id is not None:
            choice[follow.user_id] = follow
    people = set(choice) if followers else set()
    if raters:
        people |= set(
            Contribution.objects.filter(
                version__amenagement=amenagement, user__isnull=False
            ).values_list("user_id", flat=True)
        )
    wanted = {
        uid: choice.get(uid)
        for uid in people
        if uid not in choice or choice[uid].frequency != Frequency.NONE
    }
    emails = dict(
        get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    return [
        Recipient(
            user_id=uid,
            email=emails[uid],
            # Without a follow, only as a rater: at once.
            frequency=follow.frequency if follow else Frequency.IMMEDIATE,
            language=follow.language if follow else settings.LANGUAGE_CODE,
            follow=follow,
        )
        for uid, follow in sorted(wanted.items())
        if uid in emails
    ]


def target_of(recipient: Recipient, amenagement: Amenagement) -> Target:
    """What the unsubscribe link of a message to `recipient` silences: the commune when the
    message came from a follow of the commune, else the arrangement."""
    follow = recipient.follow
    if follow is not None and follow.commune_id is not None:
        return Target(user_id=recipient.user_id, commune_id=follow.commune_id)
    return Target(user_id=recipient.user_id, amenagement_id=amenagement.pk)


def footer(recipient: Recipient, amenagement: Amenagement) -> tuple[str, str]:
    """The end of a message (why it was received, how to stop it) and its unsubscribe link,
    in the active language."""
    link = unsubscribe_url(target_of(recipient, amenagement))
    follow = recipient.follow
    if follow is None:
        why = gettext("You receive this message because you gave your opinion on “%(name)s”.")
        name = amenagement.name
    elif follow.commune_id is not None:
        why = gettext("You receive this message because you follow the commune of %(name)s.")
        name = follow.commune.name if follow.commune else ""
    else:
        why = gettext("You receive this message because you follow “%(name)s”.")
        name = amenagement.name
    lines = [
        "",
        "-- ",
        why % {"name": name},
        gettext("To stop receiving these messages, one click: %(url)s") % {"url": link},
        gettext("Your data and how to delete them: %(url)s")
        % {"url": site_url(reverse("privacy:privacy"))},
    ]
    return "\n".join(lines), link


def unsubscribe_headers(link: str) -> dict[str, str]:
    """The one-click unsubscribe headers of RFC 8058 (mail clients show an "unsubscribe"
    button that POSTs to the link)."""
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def notify(
    *,
    key: str,
    amenagement: Amenagement,
    compose: Callable[[], Message],
    followers: bool = True,
    raters: bool = False,
    exclude: Iterable[int] = (),
) -> list[int]:
    """Tell the event `key` on `amenagement` to those it concerns (module rules); `compose`
    writes it in the active language. Returns the ids of the people told now or in their
    digest (not those told of this event before, nor `exclude`)."""
    left_out = set(exclude)
    told = [
        r
        for r in recipients(amenagement, followers=followers, raters=raters)
        if r.user_id not in left_out
    ]
    already = set(
        Notice.objects.filter(key=key, user_id__in=[r.user_id for r in told]).values_list(
            "user_id", flat=True
        )
    )
    told = [r for r in told if r.user_id not in already]
    if not told:
        return []
    messages: dict[str, Message] = {}
    now = timezone.now()
    notices, emails = [], []
    for recipient in told:
        with translation.override(recipient.language):
            if recipient.language not in messages:
                messages[recipient.language] = compose()
            message = messages[recipient.language]
            weekly = recipient.frequency == Frequency.WEEKLY
            notices.append(
                Notice(
                    user_id=recipient.user_id,
                    key=key,
                    amenagement=amenagement,
                    follow=recipient.follow,
                    weekly=weekly,
                    subject=message.subject[:250],
                    body=message.body,
                    sent_at=None if weekly else now,
                )
            )
            if not weekly:
                end, link = footer(recipient, amenagement)
                emails.append((message.subject, message.body + "\n" + end, recipient.email, link))
    Notice.objects.bulk_create(notices)
    for subject, body, address, link in emails:
        email_queue(subject=subject, body=body, to=[address], headers=unsubscribe_headers(link))
    return [r.user_id for r in told]
