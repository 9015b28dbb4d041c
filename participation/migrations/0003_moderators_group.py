"""The "Modérateurs" group: its members work from the moderation queue (/moderation/).

Membership is given in the admin (Users → groups). The name is `TACTIQUE_MODERATORS_GROUP`.
"""

from django.conf import settings
from django.db import migrations


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=settings.TACTIQUE_MODERATORS_GROUP)


def remove_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=settings.TACTIQUE_MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("participation", "0002_contributions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
