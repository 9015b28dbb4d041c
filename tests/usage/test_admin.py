"""The admin of usage data: pages open, and a link the services set there survives
recomputation."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from amenagements.models import Amenagement
from usage import services
from usage.models import Counter, CounterLink, ImportRun, ManualCount, Outage

from .helpers import make_counter

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


@pytest.mark.parametrize("model", [Counter, CounterLink, Outage, ManualCount, ImportRun])
def test_the_admin_lists_usage_data(admin_client, counter, model):
    url = reverse(f"admin:usage_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_a_counter_page_opens(admin_client, counter):
    url = reverse("admin:usage_counter_change", args=[counter.pk])
    assert admin_client.get(url).status_code == 200


def test_a_link_added_in_the_admin_is_kept_when_links_are_recomputed(admin_client, amenagement):
    far = make_counter("FAR", lon=4.90, lat=45.70)
    response = admin_client.post(
        reverse("admin:usage_counterlink_add"),
        {"counter": far.pk, "amenagement": amenagement.pk},
    )
    assert response.status_code == 302

    services.counter_links_refresh()

    link = CounterLink.objects.get(counter=far)
    assert (link.amenagement, link.manual) == (Amenagement.objects.get(), True)
