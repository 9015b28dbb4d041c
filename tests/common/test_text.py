"""Slugs: every arrangement, commune and panel gets an address of its own."""

import pytest

from amenagements import services as amenagement_services
from common.text import unique_slug
from participation.models import CitizenPanel
from participation.panels import services as panel_services

pytestmark = pytest.mark.django_db


def test_two_panels_with_the_same_name_get_two_addresses():
    first = panel_services.panel_create(name="Panel de la Croix-Rousse")
    second = panel_services.panel_create(name="Panel de la Croix-Rousse")
    assert (first.slug, second.slug) == ("panel-de-la-croix-rousse", "panel-de-la-croix-rousse-2")


def test_a_name_with_nothing_to_slugify_gets_the_fallback():
    assert unique_slug(CitizenPanel, "« ! »", fallback="panel") == "panel"
    commune = amenagement_services.commune_get_or_create(name="???")
    assert commune.slug == "commune"


def test_a_long_name_leaves_room_for_the_suffix_within_the_field():
    name = "Très " * 29 + "long"  # 149 characters: its slug would fill the field
    first = panel_services.panel_create(name=name)
    second = panel_services.panel_create(name=name)
    field_length = CitizenPanel._meta.get_field("slug").max_length
    assert len(first.slug) <= field_length
    assert second.slug == f"{first.slug}-2"
    assert len(second.slug) <= field_length
