"""The opinion pages: the form on the arrangement page and in the map's side panel (htmx and
plain), reading results and comments, snapping a spot, the map coloured by a rating, and the
rate limits and honeypot that contain abuse."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from amenagements.selectors import amenagement_detail
from participation.contributions import ratelimits, services
from participation.contributions.forms import ERROR_HONEYPOT
from participation.contributions.opinions import opinions_context
from participation.models import Contribution
from tests.participation.fixtures import PASSWORD, make_user
from tests.participation.opinion_fixtures import *  # noqa: F403
from tests.participation.opinion_fixtures import BESIDE_THE_LINE, FAR_FROM_THE_LINE, submit

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def contribute_url(amenagement):
    return reverse("contributions:contribute", kwargs={"slug": amenagement.slug})


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def answers(safety, comfort=None, **extra):
    data = {"version": "1", f"rating_{safety.pk}": "4", "comment": "", "website": ""}
    if comfort is not None:
        data[f"rating_{comfort.pk}"] = "2"
    data.update(extra)
    return data


# --- reading ----------------------------------------------------------------------------------


def test_a_visitor_reads_results_and_comments_and_is_invited_to_sign_in(
    client, amenagement, alice, bruno, safety, comfort
):
    submit(alice, amenagement, ratings={safety.pk: 2}, comment="Le carrefour est dangereux.")
    submit(bruno, amenagement, ratings={safety.pk: 5}, point=BESIDE_THE_LINE)

    html = client.get(amenagement.get_absolute_url()).content.decode()

    assert "Le carrefour est dangereux." in html
    assert "Alice" in html
    assert "alice@example.org" not in html
    assert re.search(r"data-mean[^>]*>\s*3,5\s*<", html)
    assert reverse("account_login") + "?next=" + amenagement.get_absolute_url() in html
    assert '<form class="contribute-form"' not in html
    pins = json.loads(re.search(r'id="opinion-pins"[^>]*>(.*?)</script>', html).group(1))
    assert [p["n"] for p in pins] == [1]  # Bruno's spot, the newest item


@pytest.mark.parametrize("contributions", [1, 12])
def test_the_opinions_section_reads_in_three_queries_whatever_the_number_of_opinions(
    rf, amenagement, safety, comfort, django_assert_num_queries, contributions
):
    for i in range(contributions):
        submit(make_user(f"Habitant{i}"), amenagement, ratings={safety.pk: 3}, comment="Bien.")
    page = amenagement_detail(slug=amenagement.slug)  # prefetches the versions
    request = rf.get(page.get_absolute_url())
    request.user = AnonymousUser()
    # The questions asked, the ratings per version and answer, a page of comments.
    with django_assert_num_queries(3):
        context = opinions_context(request, page)
        html = render_to_string("participation/_opinions.html", context, request=request)
    assert html.count('class="opinion"') == min(contributions, 10)


def test_the_arrangement_page_query_count_does_not_grow_with_the_opinions(
    client, amenagement, safety
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(amenagement.get_absolute_url()).status_code == 200
        return len(queries)

    submit(make_user("Habitant0"), amenagement, ratings={safety.pk: 3}, comment="Bien.")
    few = count()
    for i in range(1, 15):
        submit(make_user(f"Habitant{i}"), amenagement, ratings={safety.pk: 3}, comment="Bien.")
    assert count() == few


def test_comments_are_paginated_with_htmx_and_plain_links(client, amenagement, safety):
    for i in range(12):
        submit(make_user(f"Habitant{i}"), amenagement, comment=f"Commentaire numéro {i}.")
    page1 = client.get(amenagement.get_absolute_url()).content.decode()
    assert "Commentaire numéro 11." in page1
    assert "Commentaire numéro 1." not in page1
    url = reverse("contributions:items", kwargs={"slug": amenagement.slug}) + "?page=2"
    assert f'hx-get="{url}"' in page1.replace("&amp;", "&")
    assert 'href="?avis=2#avis-items"' in page1

    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "Commentaire numéro 1." in fragment
    assert "Commentaire numéro 11." not in fragment
    plain = client.get(url)
    assert plain.status_code == 302
    assert plain["Location"].endswith("?avis=2#avis-items")
    assert "Commentaire numéro 0." in client.get(plain["Location"]).content.decode()


def test_the_side_panel_shows_current_results_and_the_form_to_a_resident(
    client, amenagement, alice, bruno, safety
):
    submit(bruno, amenagement, ratings={safety.pk: 2})
    url = reverse("pages:summary", kwargs={"slug": amenagement.slug})
    html = signed_in(client, alice).get(url, **HTMX).content.decode()
    assert "<html" not in html
    assert f'id="opinion-results-{amenagement.slug}"' in html
    assert 'data-pin-map="map"' in html
    assert f'name="rating_{safety.pk}"' in html
    assert 'name="display" value="panel"' in html


# --- contributing -----------------------------------------------------------------------------


def test_a_resident_rates_with_htmx_and_gets_the_form_and_fresh_results_in_place(
    client, amenagement, alice, safety, comfort
):
    signed_in(client, alice)
    data = answers(safety, comfort, display="panel", comment="Bien.", profiles=["cyclist"])
    response = client.post(contribute_url(amenagement), data, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert _("Thank you! Your opinion has been recorded.") in html
    assert 'hx-swap-oob="true"' in html
    assert re.search(r"data-mean[^>]*>\s*4,0\s*<", html)
    contribution = Contribution.objects.get()
    assert (contribution.user, contribution.comment, contribution.profiles) == (
        alice,
        "Bien.",
        ["cyclist"],
    )
    # The form now shows the saved answers, ready to be changed.
    assert re.search(rf'name="rating_{safety.pk}" value="4"[^>]*checked', html)


def test_without_javascript_a_success_goes_back_to_the_arrangement_page(
    client, amenagement, alice, safety
):
    signed_in(client, alice)
    response = client.post(contribute_url(amenagement), answers(safety, display="page"))
    assert response.status_code == 302
    assert response["Location"] == amenagement.get_absolute_url() + "#avis"
    assert Contribution.objects.count() == 1


def test_a_form_with_errors_keeps_everything_typed(
    client, amenagement, alice, safety, comfort, settings
):
    settings.TACTIQUE_PIN_MAX_DISTANCE_M = 50
    signed_in(client, alice)
    data = answers(
        safety,
        comfort,
        comment="Mon commentaire détaillé.",
        profiles=["pedestrian", "driver"],
        point_lon=str(FAR_FROM_THE_LINE.x),
        point_lat=str(FAR_FROM_THE_LINE.y),
    )
    response = client.post(contribute_url(amenagement), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert services.ERROR_PIN_TOO_FAR % {"distance": 111, "max": 50} in html
    assert "Mon commentaire détaillé." in html
    assert re.search(rf'name="rating_{safety.pk}" value="4"[^>]*checked', html)
    assert re.search(rf'name="rating_{comfort.pk}" value="2"[^>]*checked', html)
    assert re.search(r'name="profiles" value="pedestrian"[^>]*checked', html)
    assert re.search(r'name="profiles" value="driver"[^>]*checked', html)
    assert Contribution.objects.count() == 0


def test_a_filled_honeypot_saves_nothing_and_says_why(client, amenagement, alice, safety):
    signed_in(client, alice)
    response = client.post(
        contribute_url(amenagement), answers(safety, website="http://spam.example"), **HTMX
    )
    assert str(ERROR_HONEYPOT) in response.content.decode()
    assert Contribution.objects.count() == 0


def test_a_forged_rating_is_refused_without_a_stack_trace(client, amenagement, alice, safety):
    signed_in(client, alice)
    response = client.post(
        contribute_url(amenagement), answers(safety, **{f"rating_{safety.pk}": "9"})
    )
    assert response.status_code == 200
    assert f'id="c-{amenagement.slug}-rating_{safety.pk}_errors"' in response.content.decode()
    assert Contribution.objects.count() == 0


def test_visitors_are_sent_to_sign_in_and_unverified_accounts_told_why(client, amenagement, safety):
    response = client.post(contribute_url(amenagement), answers(safety))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    unverified = make_user("Nouveau", verified=False)
    client.force_login(unverified)
    response = client.post(contribute_url(amenagement), answers(safety))
    assert response.status_code == 403
    assert Contribution.objects.count() == 0


def test_the_form_page_works_without_javascript(client, amenagement, alice, safety):
    html = signed_in(client, alice).get(contribute_url(amenagement)).content.decode()
    assert "<html" in html
    assert f'action="{contribute_url(amenagement)}"' in html
    assert 'data-pin-map=""' in html  # no map here: the spot cannot be placed


# --- spots and the coloured map --------------------------------------------------------------


def test_the_locate_endpoint_snaps_a_click_or_says_it_is_too_far(client, amenagement, settings):
    settings.TACTIQUE_PIN_MAX_DISTANCE_M = 50
    url = reverse("contributions:locate", kwargs={"slug": amenagement.slug})
    near = client.get(url, {"lon": BESIDE_THE_LINE.x, "lat": BESIDE_THE_LINE.y}).json()
    assert near["ok"] is True
    assert near["lat"] == pytest.approx(45.76, abs=1e-6)
    assert 70 < near["position_m"] < 85
    far = client.get(url, {"lon": FAR_FROM_THE_LINE.x, "lat": FAR_FROM_THE_LINE.y}).json()
    assert far == {
        "ok": False,
        "distance_m": pytest.approx(111.2, abs=0.5),
        "message": services.ERROR_PIN_TOO_FAR % {"distance": 111, "max": 50},
    }
    assert client.get(url, {"lon": "abc", "lat": "1"}).status_code == 400


def test_the_colour_endpoint_lists_indicators_then_gives_means(
    client, amenagement, alice, safety, comfort, django_assert_num_queries
):
    submit(alice, amenagement, ratings={safety.pk: 2})
    url = reverse("contributions:colour")
    with django_assert_num_queries(1):
        listed = client.get(url).json()
    assert [i["name"] for i in listed["indicators"]] == ["Confort", "Sentiment de sécurité"]
    with django_assert_num_queries(2):
        data = client.get(url, {"indicateur": safety.pk}).json()
    assert data["arrangements"] == {amenagement.slug: {"mean": 2.0, "n": 1}}
    assert client.get(url, {"indicateur": "x"}).status_code == 400
    assert client.get(url, {"indicateur": "999999"}).status_code == 404


def test_the_map_geojson_endpoint_still_answers_in_one_query(
    client, amenagement, alice, safety, django_assert_num_queries
):
    submit(alice, amenagement, ratings={safety.pk: 2})
    with django_assert_num_queries(1):
        response = client.get(reverse("amenagements:geojson"))
    assert response.status_code == 200


# --- rate limits ------------------------------------------------------------------------------


def test_an_account_sending_too_many_opinions_is_stopped_with_a_clear_message(
    client, amenagement, alice, safety
):
    signed_in(client, alice)
    for i in range(10):
        response = client.post(contribute_url(amenagement), answers(safety, comment=f"v{i}"))
        assert response.status_code == 302
    response = client.post(contribute_url(amenagement), answers(safety, comment="v10"))

    assert response.status_code == 429
    html = response.content.decode()
    assert str(ratelimits.ERROR_RATE_LIMITED) in html
    assert "v10" in html  # what was typed is kept
    assert Contribution.objects.get().comment == "v9"  # and not saved


def test_the_rate_limit_answers_htmx_with_the_message_in_the_form(
    client, amenagement, alice, safety
):
    signed_in(client, alice)
    for _i in range(10):
        client.post(contribute_url(amenagement), answers(safety), **HTMX)
    response = client.post(contribute_url(amenagement), answers(safety), **HTMX)
    assert response.status_code == 200  # htmx does not swap error responses
    assert str(ratelimits.ERROR_RATE_LIMITED) in response.content.decode()


def test_many_accounts_from_one_address_are_stopped_too(client, amenagement, safety):
    residents = [make_user(f"Voisin{i}") for i in range(3)]
    statuses = []
    for i in range(21):
        client.force_login(residents[i % 3])  # 7 each: under the per-account limit
        statuses.append(client.post(contribute_url(amenagement), answers(safety)).status_code)
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_a_resident_withdraws_their_opinion_of_the_current_layout(
    client, amenagement, alice, safety
):
    submit(alice, amenagement, ratings={safety.pk: 2}, comment="Je retire cet avis.")
    signed_in(client, alice)
    html = client.get(amenagement.get_absolute_url()).content.decode()
    assert 'name="action" value="withdraw"' in html

    response = client.post(contribute_url(amenagement), answers(safety, action="withdraw"), **HTMX)

    assert _("Your opinion has been withdrawn.") in response.content.decode()
    assert not Contribution.objects.exists()


def test_the_profile_lists_ones_own_opinions_only(
    client, amenagement, alice, bruno, safety, comfort, django_assert_max_num_queries
):
    submit(alice, amenagement, ratings={safety.pk: 4, comfort.pk: 2}, comment="Trop étroit.")
    submit(bruno, amenagement, ratings={safety.pk: 1}, comment="Avis de Bruno.")
    client.force_login(alice)
    page = client.get(reverse("participation:profile")).content.decode()
    mine = page.split('id="opinions-title"')[1].split("</section>")[0]
    assert f'href="{amenagement.get_absolute_url()}#avis">{amenagement.name}</a>' in mine
    assert "version 1 du tracé, 2 notes, un commentaire (publié)" in mine
    assert mine.count("<li>") == 1  # not Bruno's

    client.force_login(bruno)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("participation:profile")).content.decode()
    assert "1 note, un commentaire" in page.split('id="opinions-title"')[1]
