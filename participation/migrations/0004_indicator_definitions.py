"""Indicator definitions join the panels that decide them: `indicators.IndicatorDefinition`
becomes `participation.IndicatorDefinition`.

Nothing changes in the database: the table keeps its name (`indicators_indicatordefinition`),
its constraints, its index and the trigger that freezes decided rows (indicators 0003). Only
Django's state moves, with the foreign keys pointing to it (here, and in indicators 0006,
which deletes the old state), and the content type is renamed so that permissions and admin
history granted on definitions stay attached to them.
"""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    """Keep the definitions' content type (and the permissions and admin log tied to it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="participation", model="indicatordefinition").exists():
        ContentType.objects.filter(app_label="indicators", model="indicatordefinition").update(
            app_label="participation"
        )


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="participation", model="indicatordefinition").update(
        app_label="indicators"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('participation', '0003_moderators_group'),
        ('indicators', '0005_proposal_planned_adaptation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='IndicatorDefinition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(help_text='A short identifier shared by every version, e.g. felt-safety.', verbose_name='code')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('kind', models.CharField(choices=[('perception', 'Perception (residents answer a question from 1 to 5)'), ('usage', 'Usage (measured data)')], max_length=20, verbose_name='kind')),
                        ('question', models.CharField(blank=True, max_length=300, verbose_name='question asked to residents')),
                        ('scale_labels', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=60), blank=True, default=list, size=5, verbose_name='labels of the steps 1 to 5')),
                        ('data_source', models.CharField(blank=True, choices=[('counters', "The arrangement's automatic counters"), ('manual_counts', 'Manual counts')], max_length=20, verbose_name='data source')),
                        ('statistic', models.CharField(blank=True, choices=[('mean_daily', 'Mean daily count'), ('change_after_adaptation', 'Change after an adaptation (%)')], max_length=30, verbose_name='statistic')),
                        ('unit', models.CharField(max_length=40, verbose_name='unit')),
                        ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], default='higher', max_length=10, verbose_name='direction')),
                        ('target', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='target')),
                        ('alert_threshold', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='alert threshold')),
                        ('min_sample_size', models.PositiveIntegerField(default=30, validators=[django.core.validators.MinValueValidator(1)], verbose_name='minimum sample size')),
                        ('applicable_kinds', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('bike_lane', 'Bike lane'), ('bike_street', 'Bike street'), ('greenway', 'Greenway'), ('pedestrian_street', 'Pedestrian street'), ('widened_sidewalk', 'Widened sidewalk'), ('school_street', 'School street'), ('shared_zone', 'Shared zone'), ('terrace', 'Terrace'), ('bus_lane', 'Shared bus lane'), ('other', 'Other')], max_length=30), size=None, verbose_name='kinds of arrangement it applies to')),
                        ('is_starter', models.BooleanField(default=False, help_text='Loaded as a starting point; the panel may revise or retire it.', verbose_name='part of the starter set')),
                        ('status', models.CharField(choices=[('proposed', 'Proposed'), ('adopted', 'Adopted'), ('closed', 'Closed without adoption'), ('retired', 'Retired')], default='proposed', max_length=10, verbose_name='status')),
                        ('version', models.PositiveIntegerField(blank=True, null=True, verbose_name='version')),
                        ('proposed_at', models.DateTimeField(verbose_name='proposed at')),
                        ('adopted_at', models.DateTimeField(blank=True, null=True, verbose_name='adopted at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('close_reason', models.TextField(blank=True, verbose_name='reason for closing')),
                        ('retired_at', models.DateTimeField(blank=True, null=True, verbose_name='retired at')),
                        ('retirement_reason', models.TextField(blank=True, verbose_name='reason for retiring')),
                        ('adopted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='adopted by')),
                        ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by')),
                        ('panel', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='indicators', to='participation.citizenpanel', verbose_name='citizen panel')),
                        ('proposed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by')),
                        ('retired_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='retired by')),
                        ('superseded_by', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='participation.indicatordefinition', verbose_name='superseded by')),
                        ('supersedes', models.ForeignKey(blank=True, help_text='The adopted version this proposal would replace.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='revisions', to='participation.indicatordefinition', verbose_name='revises')),
                        ],
                        options={
                            'verbose_name': 'indicator definition',
                            'verbose_name_plural': 'indicator definitions',
                            'db_table': 'indicators_indicatordefinition',
                            'ordering': ['panel', 'code', 'version', 'pk'],
                        },
                    ),
                    migrations.AlterField(
                        model_name='comment',
                        name='definition',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='participation.indicatordefinition'),
                    ),
                    migrations.AlterField(
                        model_name='deliberationlogentry',
                        name='definition',
                        field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='log_entries', to='participation.indicatordefinition'),
                    ),
                    migrations.AlterField(
                        model_name='rating',
                        name='definition',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ratings', to='participation.indicatordefinition', verbose_name='indicator'),
                    ),
                    migrations.AlterField(
                        model_name='stance',
                        name='definition',
                        field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stances', to='participation.indicatordefinition'),
                    ),
                    migrations.AddIndex(
                        model_name='indicatordefinition',
                        index=models.Index(fields=['status', 'kind'], name='indicators__status_24293d_idx'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.UniqueConstraint(fields=('panel', 'code', 'version'), name='indicator_unique_version'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.UniqueConstraint(condition=models.Q(('status', 'adopted')), fields=('panel', 'code'), name='indicator_one_adopted_version'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['adopted', 'retired']), ('version__gte', 1)), models.Q(('status__in', ['proposed', 'closed']), ('version__isnull', True)), _connector='OR'), name='indicator_version_iff_adopted'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(models.Q(('data_source', ''), ('kind', 'perception'), ('scale_labels__len', 5), ('statistic', ''), ('target__gte', 1), ('target__lte', 5), models.Q(('question', ''), _negated=True)), models.Q(('kind', 'usage'), ('question', ''), ('scale_labels__len', 0), models.Q(('data_source', ''), _negated=True), models.Q(('statistic', ''), _negated=True)), _connector='OR'), name='indicator_kind_fields'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(('alert_threshold__isnull', True), models.Q(('alert_threshold__lte', models.F('target')), ('direction', 'higher')), models.Q(('alert_threshold__gte', models.F('target')), ('direction', 'lower')), _connector='OR'), name='indicator_alert_beyond_target'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(('min_sample_size__gte', 1)), name='indicator_min_sample_positive'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(('applicable_kinds__len__gte', 1)), name='indicator_applies_to_some_kind'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['adopted', 'retired']), _negated=True), ('adopted_at__isnull', False), _connector='OR'), name='indicator_adoption_dated'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'closed'), _negated=True), models.Q(('closed_at__isnull', False), models.Q(('close_reason', ''), _negated=True)), _connector='OR'), name='indicator_closing_dated_and_explained'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'retired'), _negated=True), ('retired_at__isnull', False), _connector='OR'), name='indicator_retirement_dated'),
                    ),
                    migrations.AddConstraint(
                        model_name='indicatordefinition',
                        constraint=models.CheckConstraint(condition=models.Q(('superseded_by__isnull', True), ('status', 'retired'), _connector='OR'), name='indicator_superseded_is_retired'),
                    ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
