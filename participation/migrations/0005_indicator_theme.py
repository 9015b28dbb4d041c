"""The theme of an indicator becomes a field the panel chooses.

Until now the evaluation guessed it from the code and name ("securite"/"sécurité"/"safety":
safety; "continu": continuity; anything else: general). Every existing definition keeps the
theme the evaluation gave it, so no decided text changes meaning: the trigger that freezes
decided rows (indicators 0003) is paused for this one update, inside the migration's
transaction, and restored at once.
"""

import unicodedata

from django.db import migrations, models


def _plain(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def theme_from_names(apps, schema_editor):
    Definition = apps.get_model("participation", "IndicatorDefinition")
    table = schema_editor.quote_name(Definition._meta.db_table)
    # ALTER TABLE refuses to run with deferred constraint checks pending: run them now.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER indicators_definition_frozen")
    for pk, code, name in Definition.objects.values_list("pk", "code", "name"):
        words = _plain(f"{code} {name}")
        if "securite" in words or "safety" in words:
            theme = "safety"
        elif "continu" in words:
            theme = "continuity"
        else:
            continue
        Definition.objects.filter(pk=pk).update(theme=theme)
    schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER indicators_definition_frozen")


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0004_indicator_definitions"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicatordefinition",
            name="theme",
            field=models.CharField(
                choices=[
                    ("general", "Something else"),
                    ("safety", "Felt safety: if missed, propose adding separation"),
                    ("continuity", "Continuity of the route: if missed, propose extending it"),
                ],
                default="general",
                help_text=(
                    "Tells the evaluation which adjustment to propose when the target is missed."
                ),
                max_length=20,
                verbose_name="what it is about",
            ),
        ),
        migrations.RunPython(theme_from_names, migrations.RunPython.noop),
    ]
