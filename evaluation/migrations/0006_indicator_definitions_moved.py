"""The second half of participation 0004: results point to `participation.IndicatorDefinition`,
and the old state of the model is deleted. State only: the table and its foreign keys stay."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_proposal_planned_adaptation'),
        ('participation', '0004_indicator_definitions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='indicatorresult',
                    name='definition',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='participation.indicatordefinition', verbose_name='indicator'),
                ),
                migrations.AlterField(
                    model_name='segmentresult',
                    name='definition',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='participation.indicatordefinition', verbose_name='indicator'),
                ),
                migrations.DeleteModel(
                    name='IndicatorDefinition',
                ),
            ],
            database_operations=[],
        ),
    ]
