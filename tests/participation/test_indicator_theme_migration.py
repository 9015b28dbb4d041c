"""Migration participation 0005: decided definitions get the theme the evaluation used to
guess from their code and name, and stay frozen afterwards."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from participation.models import IndicatorDefinition

migration = importlib.import_module("participation.migrations.0005_indicator_theme")

pytestmark = pytest.mark.django_db


def test_existing_definitions_keep_the_theme_their_name_gave_them(adopted):
    assert adopted.status == IndicatorDefinition.Status.ADOPTED
    assert adopted.name == "Sentiment de sécurité"
    # As before the migration: every row starts "general" (the column's default).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE indicators_indicatordefinition DISABLE TRIGGER USER")
        IndicatorDefinition.objects.update(theme="general")
        cursor.execute("ALTER TABLE indicators_indicatordefinition ENABLE TRIGGER USER")
    with connection.schema_editor() as editor:
        migration.theme_from_names(apps, editor)
    adopted.refresh_from_db()
    assert adopted.theme == IndicatorDefinition.Theme.SAFETY
    # The freeze is back on: a decided row still cannot change.
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorDefinition.objects.filter(pk=adopted.pk).update(theme="general")
