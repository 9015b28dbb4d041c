"""Shared stretches: the arrangements an earlier import made of one stretch several lines share
(one feature per line, the same geometry) become one arrangement, nothing lost.

Adds the stretch's fields (`shared_external_ids`, `stretch_names`, `former_slugs`), then merges:
arrangements of one source with the same current geometry (byte for byte, as the earlier
imports wrote them), kind, status and commune, and the same history (versions: number, dates,
geometry; adaptations: date, kind), are one stretch. The one created first is kept; onto it
move, from the others: opinions (to its version of the same number; a resident who gave an
opinion on two of them keeps the later one, as one opinion per version is the rule), planned
adaptations, evaluation runs and proposals (decisions stay public), counter links (one per
counter), manual counts, panels' arrangements. The others' adaptations, identical to the kept
one's, and their versions go with them; their identifiers, names and addresses are kept on the
stretch (their pages redirect to it). A group whose histories differ, or whose planned
adaptations or manual counts cannot move without clashing, is left as it is and said.
Reversing keeps the merged stretches as they are (the fields are dropped).
"""


import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations, models
from django.utils import translation

from amenagements.importing.stretches import shared_name

GROUPS = """
    SELECT array_agg(id ORDER BY created_at, id)
    FROM amenagements_amenagement
    WHERE external_source <> ''
    GROUP BY external_source, kind, status, commune_id, ST_AsBinary(geom)
    HAVING count(*) > 1
"""


def _history(apps, pk):
    Version = apps.get_model("amenagements", "AmenagementVersion")
    Adaptation = apps.get_model("amenagements", "Adaptation")
    versions = sorted(
        (v.number, v.valid_from, v.valid_to, bytes(v.geom.wkb))
        for v in Version.objects.filter(amenagement_id=pk)
    )
    adaptations = sorted(
        (a.date, a.kind) for a in Adaptation.objects.filter(amenagement_id=pk)
    )
    return versions, adaptations


def _clashes(apps, keeper, dup):
    """Why `dup` cannot be merged into `keeper` without losing something, or None."""
    if _history(apps, keeper) != _history(apps, dup):
        return "histories differ"
    Planned = apps.get_model("amenagements", "PlannedAdaptation")
    if Planned.objects.filter(amenagement_id=dup, adaptation__isnull=False).exists():
        return "a planned adaptation was carried out by its own adaptation"
    ManualCount = apps.get_model("usage", "ManualCount")
    sessions = ("date", "start_time", "end_time", "subject", "place")
    kept = set(ManualCount.objects.filter(amenagement_id=keeper).values_list(*sessions))
    if any(s in kept for s in ManualCount.objects.filter(amenagement_id=dup).values_list(*sessions)):
        return "a manual count session is recorded on both"
    return None


def _merge(apps, keeper, dup):
    Amenagement = apps.get_model("amenagements", "Amenagement")
    Version = apps.get_model("amenagements", "AmenagementVersion")
    Adaptation = apps.get_model("amenagements", "Adaptation")
    Planned = apps.get_model("amenagements", "PlannedAdaptation")
    Contribution = apps.get_model("participation", "Contribution")
    Panel = apps.get_model("participation", "CitizenPanel")
    Run = apps.get_model("indicators", "EvaluationRun")
    Proposal = apps.get_model("indicators", "AdjustmentProposal")
    CounterLink = apps.get_model("usage", "CounterLink")
    ManualCount = apps.get_model("usage", "ManualCount")

    kept_versions = {v.number: v.pk for v in Version.objects.filter(amenagement_id=keeper)}
    for contribution in Contribution.objects.filter(version__amenagement_id=dup).select_related(
        "version"
    ):
        target = kept_versions[contribution.version.number]
        other = (
            Contribution.objects.filter(version_id=target, user_id=contribution.user_id).first()
            if contribution.user_id is not None
            else None
        )
        if other is not None:
            # One opinion per resident and version: the later one is their opinion.
            older = other if other.updated_at <= contribution.updated_at else contribution
            older.delete()
            if older is other:
                Contribution.objects.filter(pk=contribution.pk).update(version_id=target)
            continue
        Contribution.objects.filter(pk=contribution.pk).update(version_id=target)
    Planned.objects.filter(amenagement_id=dup).update(amenagement_id=keeper)
    Run.objects.filter(amenagement_id=dup).update(amenagement_id=keeper)
    Proposal.objects.filter(amenagement_id=dup).update(amenagement_id=keeper)
    ManualCount.objects.filter(amenagement_id=dup).update(amenagement_id=keeper)
    linked = set(CounterLink.objects.filter(amenagement_id=keeper).values_list("counter_id", flat=True))
    CounterLink.objects.filter(amenagement_id=dup, counter_id__in=linked).delete()
    CounterLink.objects.filter(amenagement_id=dup).update(amenagement_id=keeper)
    Through = Panel.amenagements.through
    panels = set(Through.objects.filter(amenagement_id=dup).values_list("citizenpanel_id", flat=True))
    already = set(Through.objects.filter(amenagement_id=keeper).values_list("citizenpanel_id", flat=True))
    Through.objects.bulk_create(
        [Through(citizenpanel_id=p, amenagement_id=keeper) for p in panels - already]
    )
    # Identical to the kept one's; an adaptation's version is protected, hence first.
    Adaptation.objects.filter(amenagement_id=dup).delete()
    Amenagement.objects.filter(pk=dup).delete()


def merge_shared_stretches(apps, schema_editor):
    Amenagement = apps.get_model("amenagements", "Amenagement")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(GROUPS)
        groups = [row[0] for row in cursor.fetchall()]
    merged = 0
    with translation.override(settings.LANGUAGE_CODE):
        for ids in groups:
            keeper_id, *others = ids
            joined = []
            for dup in others:
                why = _clashes(apps, keeper_id, dup)
                if why is not None:
                    print(f"  arrangements {keeper_id} and {dup} share a geometry, not merged: {why}")
                    continue
                joined.append(Amenagement.objects.get(pk=dup))
            if not joined:
                continue
            keeper = Amenagement.objects.get(pk=keeper_id)
            names = list(keeper.stretch_names or [keeper.name])
            for other in joined:
                names += other.stretch_names or [other.name]
                keeper.shared_external_ids += [other.external_id, *other.shared_external_ids]
                keeper.former_slugs += [other.slug, *other.former_slugs]
                _merge(apps, keeper_id, other.pk)
                merged += 1
            keeper.stretch_names = names
            keeper.name = shared_name(names)[:200]
            keeper.save(
                update_fields=["name", "stretch_names", "shared_external_ids", "former_slugs"]
            )
    if merged:
        print(f"  {merged} arrangements merged into the shared stretch they repeat")


class Migration(migrations.Migration):

    dependencies = [
        ('amenagements', '0004_search_extensions'),
        ('participation', '0005_indicator_theme'),
        ('usage', '0005_import_kind_fiware'),
        ('indicators', '0006_indicator_definitions_moved'),
    ]

    operations = [
        migrations.AddField(
            model_name='amenagement',
            name='former_slugs',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.SlugField(max_length=120), blank=True, default=list, size=None, verbose_name='former addresses'),
        ),
        migrations.AddField(
            model_name='amenagement',
            name='shared_external_ids',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=200), blank=True, default=list, size=None, verbose_name='identifiers of the same stretch on other lines'),
        ),
        migrations.AddField(
            model_name='amenagement',
            name='stretch_names',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=200), blank=True, default=list, size=None, verbose_name="names of the lines' features it stands for"),
        ),
        migrations.AddIndex(
            model_name='amenagement',
            index=django.contrib.postgres.indexes.GinIndex(fields=['former_slugs'], name='amenagement_former_slugs'),
        ),
        migrations.RunPython(merge_shared_stretches, migrations.RunPython.noop, elidable=False),
    ]
