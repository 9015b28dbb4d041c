"""Moderation: reports hide a comment after the threshold, moderators hide or restore with a
public reason, pre-moderation per commune, and every act in the log."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from participation.contributions import moderation, ratelimits, selectors
from participation.models import CommentStatus, Contribution, ModerationLogEntry, Report
from tests.participation.fixtures import PASSWORD, make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import submit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RUDE = "Ce commentaire est injurieux."


@pytest.fixture
def rude(amenagement, alice, safety):
    return submit(alice, amenagement, ratings={safety.pk: 1}, comment=RUDE).contribution


def report(contribution, user, reason="abuse"):
    return moderation.report_create(contribution=contribution, reporter=user, reason=reason)


def actions(contribution=None):
    qs = ModerationLogEntry.objects.order_by("created_at", "pk")
    if contribution is not None:
        qs = qs.filter(contribution=contribution)
    return list(qs.values_list("action", flat=True))


def test_the_migration_creates_the_moderators_group_once():
    # Run the migration's function again (a transactional test's flush may have emptied the
    # table since `migrate` ran): it creates the group, and running it twice keeps one.
    migration = importlib.import_module("participation.migrations.0003_moderators_group")
    Group.objects.filter(name=django_settings.TACTIQUE_MODERATORS_GROUP).delete()
    migration.create_group(django_apps, None)
    migration.create_group(django_apps, None)
    assert Group.objects.filter(name=django_settings.TACTIQUE_MODERATORS_GROUP).count() == 1


def test_group_members_and_superusers_moderate_others_do_not(resident, moderator, staff):
    assert selectors.contributor_for(moderator).is_moderator
    assert not selectors.contributor_for(resident).is_moderator
    assert not selectors.contributor_for(staff).is_moderator
    staff.is_superuser = True
    staff.save()
    assert selectors.contributor_for(staff).is_moderator


# --- reports ----------------------------------------------------------------------------------


def test_a_comment_is_hidden_pending_review_once_the_threshold_is_reached(
    client, amenagement, rude, settings
):
    settings.TACTIQUE_REPORT_HIDE_THRESHOLD = 3
    reporters = [make_user(f"Lecteur{i}") for i in range(3)]
    report(rude, reporters[0])
    report(rude, reporters[1], reason="spam")
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.PUBLISHED
    assert RUDE in client.get(amenagement.get_absolute_url()).content.decode()

    report(rude, reporters[2])

    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.REPORTED
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert RUDE not in html
    assert _("Comment hidden after several reports, waiting for a moderator’s review.") in html
    assert actions(rude) == [
        moderation.COMMENT_REPORTED,
        moderation.COMMENT_REPORTED,
        moderation.COMMENT_REPORTED,
        moderation.COMMENT_AUTO_HIDDEN,
    ]
    # Ratings still count: moderation is about what is written.
    assert rude.ratings.count() == 1


def test_one_report_per_resident_and_never_on_ones_own_comment(rude, alice, bruno):
    report(rude, bruno)
    with pytest.raises(ValidationError) as error:
        report(rude, bruno)
    assert error.value.messages == [str(moderation.ERROR_ALREADY_REPORTED)]
    with pytest.raises(ValidationError) as error:
        report(rude, alice)
    assert error.value.messages == [str(moderation.ERROR_OWN_COMMENT)]
    assert Report.objects.count() == 1


def test_reporting_from_the_page_with_htmx_thanks_in_place(client, amenagement, rude, bruno):
    client.login(username=bruno.username, password=PASSWORD)
    page = client.get(amenagement.get_absolute_url()).content.decode()
    url = reverse("contributions:report", kwargs={"pk": rude.pk})
    assert f'action="{url}"' in page

    response = client.post(
        url,
        {f"report-{rude.pk}-reason": "abuse", f"report-{rude.pk}-details": "", "n": "1"},
        **HTMX,
    )

    html = response.content.decode()
    assert "<html" not in html
    assert _("Thank you: the moderators will review this comment.") in html
    assert 'class="report"' not in html  # no second report
    assert Report.objects.get().reporter == bruno


def test_reporting_without_javascript_redirects_and_a_bad_form_keeps_its_errors(
    client, amenagement, rude, bruno
):
    client.login(username=bruno.username, password=PASSWORD)
    url = reverse("contributions:report", kwargs={"pk": rude.pk})
    bad = client.post(url, {f"report-{rude.pk}-details": "Sans motif"})
    assert bad.status_code == 200
    assert "Sans motif" in bad.content.decode()
    good = client.post(url, {f"report-{rude.pk}-reason": "spam"})
    assert good.status_code == 302
    assert good["Location"].endswith(f"#avis-{rude.pk}")
    assert Report.objects.count() == 1


def test_reports_are_rate_limited_per_account(client, amenagement, safety, bruno):
    comments = [
        submit(make_user(f"Auteur{i}"), amenagement, comment=f"Avis {i}").contribution
        for i in range(6)
    ]
    client.login(username=bruno.username, password=PASSWORD)
    statuses = [
        client.post(
            reverse("contributions:report", kwargs={"pk": c.pk}),
            {f"report-{c.pk}-reason": "spam"},
        ).status_code
        for c in comments
    ]
    assert statuses == [302] * 5 + [429]
    assert Report.objects.count() == 5
    last = comments[-1]
    html = client.post(
        reverse("contributions:report", kwargs={"pk": last.pk}),
        {f"report-{last.pk}-reason": "spam"},
    ).content.decode()
    assert str(ratelimits.ERROR_RATE_LIMITED) in html
    # An empty form past the limit is refused the same way (it answered 500: an unbound form).
    empty = client.post(reverse("contributions:report", kwargs={"pk": last.pk}), {})
    assert empty.status_code == 429
    assert str(ratelimits.ERROR_RATE_LIMITED) in empty.content.decode()


# --- moderators ---------------------------------------------------------------------------------


def test_a_moderator_hides_a_comment_with_a_public_reason_and_it_is_logged(
    client, amenagement, rude, bruno, moderator
):
    report(rude, bruno)
    moderation.comment_moderate(
        contribution=rude, by=moderator, decision=moderation.HIDE, reason="Propos injurieux."
    )

    rude.refresh_from_db()
    assert (rude.comment_status, rude.moderation_reason, rude.moderated_by) == (
        CommentStatus.HIDDEN,
        "Propos injurieux.",
        moderator,
    )
    assert Report.objects.get().resolved_at is not None
    entry = ModerationLogEntry.objects.get(action=moderation.COMMENT_HIDDEN)
    assert entry.actor == moderator
    assert entry.payload == {
        "from": "published",
        "to": "hidden",
        "reason": "Propos injurieux.",
        "reports_reviewed": 1,
    }
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert RUDE not in html
    assert "Propos injurieux." in html


def test_hiding_needs_a_reason(rude, moderator):
    with pytest.raises(ValidationError) as error:
        moderation.comment_moderate(contribution=rude, by=moderator, decision=moderation.HIDE)
    assert error.value.message_dict["reason"] == [str(moderation.ERROR_REASON_REQUIRED)]
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.PUBLISHED
    assert actions() == []


def test_a_restored_comment_shows_again_with_the_reason(client, amenagement, rude, moderator):
    moderation.comment_moderate(
        contribution=rude, by=moderator, decision=moderation.HIDE, reason="Trop vif."
    )
    moderation.comment_moderate(
        contribution=rude, by=moderator, decision=moderation.PUBLISH, reason="Critique légitime."
    )
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert RUDE in html
    assert "Critique légitime." in html
    assert actions(rude) == [moderation.COMMENT_HIDDEN, moderation.COMMENT_RESTORED]


def test_editing_a_hidden_comment_waits_for_a_moderator(amenagement, rude, alice, moderator):
    moderation.comment_moderate(
        contribution=rude, by=moderator, decision=moderation.HIDE, reason="Injurieux."
    )
    submit(alice, amenagement, comment="Version polie de mon avis.")
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.PENDING
    assert actions(rude)[-1] == moderation.COMMENT_HELD


# --- pre-moderation ------------------------------------------------------------------------------


def test_with_pre_moderation_a_comment_waits_and_only_its_author_sees_it(
    client, amenagement, alice, bruno, safety, moderator
):
    moderation.premoderation_set(commune=amenagement.commune, enabled=True, by=moderator)
    contribution = submit(
        alice, amenagement, ratings={safety.pk: 3}, comment="En attente de lecture."
    ).contribution
    assert contribution.comment_status == CommentStatus.PENDING

    assert (
        "En attente de lecture." not in client.get(amenagement.get_absolute_url()).content.decode()
    )
    client.login(username=alice.username, password=PASSWORD)
    assert "En attente de lecture." in client.get(amenagement.get_absolute_url()).content.decode()
    assert contribution in selectors.moderation_queue()

    moderation.comment_moderate(
        contribution=contribution, by=moderator, decision=moderation.PUBLISH
    )
    client.logout()
    assert "En attente de lecture." in client.get(amenagement.get_absolute_url()).content.decode()
    assert actions() == [
        moderation.PREMODERATION_ON,
        moderation.COMMENT_HELD,
        moderation.COMMENT_PUBLISHED,
    ]


# --- the moderation page ----------------------------------------------------------------------


def test_only_moderators_open_the_queue(client, resident, moderator):
    url = reverse("contributions:moderation")
    assert client.get(url).status_code == 302
    client.login(username=resident.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    client.login(username=moderator.username, password=PASSWORD)
    assert client.get(url).status_code == 200


def test_a_moderator_works_from_the_queue(
    client, rude, bruno, moderator, django_assert_max_num_queries
):
    report(rude, bruno, reason="personal_data")
    client.login(username=moderator.username, password=PASSWORD)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("contributions:moderation")).content.decode()
    assert RUDE in html
    assert str(Report.Reason.PERSONAL_DATA.label) in html

    url = reverse("contributions:moderate", kwargs={"pk": rude.pk})
    refused = client.post(url, {"decision": "hide", "reason": ""})
    assert refused.status_code == 302
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.PUBLISHED

    client.post(url, {"decision": "hide", "reason": "Données personnelles."})
    rude.refresh_from_db()
    assert rude.comment_status == CommentStatus.HIDDEN
    queue = client.get(reverse("contributions:moderation")).content.decode()
    assert RUDE not in queue.split("moderation-log-title")[0]
    assert "Données personnelles." in queue  # in the log of acts
    hidden = client.get(reverse("contributions:moderation") + "?etat=masques").content.decode()
    assert RUDE in hidden


def test_a_resident_cannot_moderate(client, rude, resident):
    client.login(username=resident.username, password=PASSWORD)
    url = reverse("contributions:moderate", kwargs={"pk": rude.pk})
    assert client.post(url, {"decision": "hide", "reason": "x"}).status_code == 403
    assert Contribution.objects.get().comment_status == CommentStatus.PUBLISHED


def test_the_moderation_log_never_names_who_reported_a_comment(client, rude, moderator):
    # The report page promises "who reported a comment is never shown": not in the log either.
    reporter = make_user("Signaleuse")
    report(rude, reporter, reason="spam")
    client.login(username=moderator.username, password=PASSWORD)
    html = client.get(reverse("contributions:moderation")).content.decode()
    log = html.split('id="moderation-log-title"')[1]
    assert "Quelqu’un a signalé un commentaire (1 signalement en cours)." in log
    assert "Signaleuse" not in html
    assert reporter.email not in html
    assert moderation.COMMENT_REPORTED not in html  # no dotted code shown to people
