"""What an adaptation tells people (registered on `amenagements.hooks.on_adapted`).

Rules:
- only news is told: an adaptation dated within the last `NEWS_DAYS` days (an import finding
  a change made years ago writes to nobody), on or before today;
- an adaptation that opened a new layout (a version) invites those who gave their opinion on
  the arrangement to judge the new one — the before/after perception the evaluation needs;
  at most one invitation per person and adaptation (`Notice.key`), whatever path reports it;
- the arrangement's and its commune's followers are told of every adaptation (that it
  carries out a planned one, when it does); a follower who is invited gets the invitation
  only, which tells the same news;
- both are written with the adaptation's transaction (a dry run or a failed import tells
  nobody).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext

from amenagements.models import PlannedAdaptation
from common.dates import long_date
from common.http import site_url
from participation.follows.notices import Message, notify
from participation.models import Notice

if TYPE_CHECKING:
    from amenagements.models import Adaptation

NEWS_DAYS = 30


def _page(adaptation: Adaptation, anchor: str = "") -> str:
    url: str = adaptation.amenagement.get_absolute_url()
    return site_url(url + anchor)


def _what(adaptation: Adaptation) -> list[str]:
    text = gettext("On %(date)s “%(arrangement)s” was adapted: %(kind)s.") % {
        "date": long_date(adaptation.date),
        "arrangement": adaptation.amenagement.name,
        "kind": adaptation.get_kind_display().lower(),
    }
    lines = [text]
    if adaptation.description:
        lines += ["", adaptation.description]
    return lines


def _invitation(adaptation: Adaptation) -> Message:
    name = adaptation.amenagement.name
    lines = [
        gettext("You gave your opinion on “%(arrangement)s”. It has changed since.")
        % {"arrangement": name},
        "",
        *_what(adaptation),
        "",
        gettext(
            "Your earlier opinion stays with the layout you judged. What do you think of the "
            "new one? Your answer tells whether the change made things better: %(url)s"
        )
        % {"url": _page(adaptation, "#avis")},
    ]
    subject = gettext("[Tactique] “%(arrangement)s” has changed: what do you think now?") % {
        "arrangement": name
    }
    return Message(subject=subject, body="\n".join(lines))


def _news(adaptation: Adaptation, planned: bool) -> Message:
    lines = _what(adaptation)
    if planned:
        lines += ["", gettext("This carries out an adaptation the services had planned.")]
    lines += [
        "",
        gettext("The arrangement's page and its history: %(url)s") % {"url": _page(adaptation)},
    ]
    subject = gettext("[Tactique] “%(arrangement)s”: %(kind)s on %(date)s") % {
        "arrangement": adaptation.amenagement.name,
        "kind": adaptation.get_kind_display().lower(),
        "date": long_date(adaptation.date),
    }
    return Message(subject=subject, body="\n".join(lines))


def adaptation_announce(adaptation: Adaptation) -> None:
    """Invite the raters to judge a new layout and tell the followers (module rules)."""
    today = timezone.localdate()
    if not today - dt.timedelta(days=NEWS_DAYS) <= adaptation.date <= today:
        return
    amenagement = adaptation.amenagement
    invitation = f"invitation:{adaptation.pk}"
    if adaptation.version_id is not None:
        notify(
            key=invitation,
            amenagement=amenagement,
            compose=lambda: _invitation(adaptation),
            followers=False,
            raters=True,
        )
    # Those invited, now or when the adaptation was first reported, are not told twice.
    invited = Notice.objects.filter(key=invitation).values_list("user_id", flat=True)
    planned = PlannedAdaptation.objects.filter(adaptation=adaptation).exists()
    notify(
        key=f"adaptation:{adaptation.pk}",
        amenagement=amenagement,
        compose=lambda: _news(adaptation, planned),
        exclude=invited,
    )
