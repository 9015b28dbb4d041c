"""The extensions the map's search uses (the rule above `selectors.amenagement_queryset`): pg_trgm (trigram word
similarity) and unaccent. Both are "trusted" extensions: the database's owner may create them,
no superuser needed."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("amenagements", "0003_snapshot_seen")]

    operations = [TrigramExtension(), UnaccentExtension()]
