"""Reads that turn the database into the evaluation engine's inputs.

Plain rows only, gathered in one `evaluation.engine.EngineInputs`: no pandas here, no model
instance leaves this module except in the lookup tables a service needs to persist the
results. The rules:

- **treated counters**: the arrangement's counter links that are not `excluded`;
- **resolution**: daily when the treated counters have daily totals, monthly otherwise (the
  Lyon data are monthly). Counts come from `DailyTotal` / `MonthlyTotal`, never from the raw
  readings, with their completeness; each row is flagged `outage` when it overlaps one of the
  counter's outages, and the outages themselves are handed over too;
- **control counters** of an adaptation: the counters of the same commune that are not linked
  to an arrangement adapted within the adaptation's before/after windows. A counter's commune
  is the commune of the arrangements it is linked to (non-excluded links); a counter linked to
  no arrangement has no known commune, so it stands in the commune of the treated counters when
  it comes from the same source (one source is one city's network: "lyon", "paris-2020"…).
  The arrangement's own counters are never controls;
- **adaptations** with the number of the version they opened (None when they changed no
  geometry, then ratings are attributed by date). A "created" event an import dated with its
  snapshot (the arrangement's opening date unknown, or another one) only says the arrangement
  existed by then: it is not an adaptation, so it neither gets an effect estimated nor keeps a
  counter from controlling (`is_first_sighting`);
- **ratings** on the adopted perception indicators (the exact adopted version), dated by their
  contribution's creation (local day), with the contributor's profiles and pinned position;
  the answers of imported surveys only for the indicators whose panel counts them
  (`CitizenPanel.include_survey_opinions`), as the results on the arrangement page;
- **indicators**: the adopted ones that apply (`adopted_for_amenagement`), with the theme the
  panel chose on each (`IndicatorDefinition.theme`). Engine codes are the definitions' codes,
  prefixed with the panel's slug when two panels use the same code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.db.models.functions import Length, Transform
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate

from amenagements.models import Adaptation as AdaptationModel
from amenagements.models import Amenagement
from evaluation.engine import (
    Adaptation,
    CountRow,
    Direction,
    EngineInputs,
    Frequency,
    IndicatorKind,
    IndicatorSpec,
    OutagePeriod,
    Parameters,
    Rating,
    Theme,
    UsageSource,
    UsageStatistic,
)
from evaluation.engine.parameters import DEFAULT_PARAMETERS
from evaluation.engine.series import add_months, effect_windows, month_start
from evaluation.engine.yoy import DAYS_A_YEAR_EARLIER
from participation.indicators.selectors import adopted_for_amenagement
from participation.models import IndicatorDefinition
from participation.models import Rating as RatingModel
from usage.models import Counter, CounterLink, DailyTotal, MonthlyTotal, Outage


@dataclass(frozen=True)
class EvaluationInputs:
    """What `evaluation.engine.evaluate` is given (`engine`), plus what persisting needs."""

    engine: EngineInputs
    # engine code -> definition; engine adaptations (same order) -> adaptation rows
    definitions: dict[str, IndicatorDefinition] = field(default_factory=dict)
    adaptation_rows: tuple[AdaptationModel, ...] = ()


def indicator_spec(definition: IndicatorDefinition, *, code: str | None = None) -> IndicatorSpec:
    """An adopted definition as the engine needs it."""
    is_usage = definition.kind == IndicatorDefinition.Kind.USAGE
    return IndicatorSpec(
        code=code or definition.code,
        name=definition.name,
        kind=IndicatorKind(definition.kind),
        target=float(definition.target),
        direction=Direction(definition.direction),
        alert_threshold=(
            float(definition.alert_threshold) if definition.alert_threshold is not None else None
        ),
        min_sample=definition.min_sample_size,
        statistic=UsageStatistic(definition.statistic) if is_usage else None,
        unit=definition.unit,
        theme=Theme(definition.theme),
        source=UsageSource(definition.data_source) if is_usage else UsageSource.COUNTERS,
    )


def adopted_indicator_specs(
    *, amenagement: Amenagement
) -> tuple[tuple[IndicatorSpec, ...], dict[str, IndicatorDefinition]]:
    """The applicable adopted indicators as specs, and each spec's definition. One query."""
    definitions = list(adopted_for_amenagement(amenagement))
    per_code: dict[str, int] = defaultdict(int)
    for definition in definitions:
        per_code[definition.code] += 1
    specs, by_code = [], {}
    for definition in definitions:
        code = definition.code
        if per_code[code] > 1:
            code = f"{definition.panel.slug}/{definition.code}"
        specs.append(indicator_spec(definition, code=code))
        by_code[code] = definition
    return tuple(specs), by_code


def treated_counter_ids(*, amenagement: Amenagement) -> tuple[frozenset[int], frozenset[str]]:
    """The arrangement's counters (non-excluded links) and their sources. One query."""
    rows = CounterLink.objects.filter(amenagement=amenagement, excluded=False).values_list(
        "counter_id", "counter__source"
    )
    ids, sources = set(), set()
    for counter_id, source in rows:
        ids.add(counter_id)
        sources.add(source)
    return frozenset(ids), frozenset(sources)


def is_first_sighting(
    *, kind: str, origin: str, date: dt.date | None, opened_on: dt.date | None
) -> bool:
    """Whether an adaptation is an import's "created" event dated by its snapshot rather than
    by the arrangement's known opening (see the module doc)."""
    return (
        kind == AdaptationModel.Kind.CREATED
        and origin == AdaptationModel.Origin.IMPORT
        and date != opened_on
    )


def _candidate_controls(
    *, amenagement: Amenagement, treated: frozenset[int], sources: frozenset[str]
) -> dict[int, list[dt.date]]:
    """Counters of the same commune (see module doc) with the dates of the adaptations of every
    arrangement they are linked to. Two queries."""
    live_links = CounterLink.objects.filter(counter_id=OuterRef("pk"), excluded=False)
    same_commune: Q | Exists = Q(pk__in=[])
    if amenagement.commune_id is not None:
        same_commune = Exists(live_links.filter(amenagement__commune_id=amenagement.commune_id))
    unlinked_same_source = Q(source__in=sources) & ~Exists(live_links)
    ids = list(
        Counter.objects.filter(same_commune | unlinked_same_source)
        .exclude(pk__in=treated)
        .values_list("pk", flat=True)
    )
    adapted: dict[int, list[dt.date]] = {counter_id: [] for counter_id in ids}
    rows = CounterLink.objects.filter(counter_id__in=ids, excluded=False).values_list(
        "counter_id",
        "amenagement__adaptations__date",
        "amenagement__adaptations__kind",
        "amenagement__adaptations__origin",
        "amenagement__opened_on",
    )
    for counter_id, date, kind, origin, opened_on in rows:
        if date is not None and not is_first_sighting(
            kind=kind, origin=origin, date=date, opened_on=opened_on
        ):
            adapted[counter_id].append(date)
    return adapted


def _count_start(
    adaptations: list[AdaptationModel],
    *,
    as_of: dt.date,
    frequency: Frequency,
    parameters: Parameters,
) -> dt.date:
    """The first period any window of this evaluation can reach."""
    earliest = min([a.date for a in adaptations] + [as_of])
    if frequency is Frequency.DAILY:
        return earliest - dt.timedelta(weeks=parameters.window_weeks + 1)
    return add_months(month_start(earliest), -parameters.window_months - 1)


def _count_ranges(
    adaptations: list[AdaptationModel],
    *,
    as_of: dt.date,
    frequency: Frequency,
    parameters: Parameters,
) -> tuple[tuple[dt.date, dt.date], ...]:
    """The periods (first and last day, merged where they overlap) any window of this
    evaluation can reach: around each adaptation, its after window a year earlier (the
    year-over-year figure), and the current window. A lane adapted three times over ten
    years needs a few months of counts, not ten years of them."""
    spans = []
    for date in [a.date for a in adaptations] + [as_of]:
        if frequency is Frequency.DAILY:
            start = date - dt.timedelta(weeks=parameters.window_weeks + 1)
            end = date + dt.timedelta(days=parameters.gap_days, weeks=parameters.window_weeks + 1)
            # The same after window a year earlier, for the year-over-year figure.
            a_year = dt.timedelta(days=DAYS_A_YEAR_EARLIER)
            spans.append((date - a_year, end - a_year))
        else:
            start = add_months(month_start(date), -parameters.window_months - 1)
            after = month_start(date + dt.timedelta(days=parameters.gap_days))
            end = add_months(after, parameters.window_months + 1)
            spans.append((add_months(after, -12), add_months(end, -12)))
        spans.append((start, min(end, as_of)))
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def count_rows(
    *,
    counter_ids: frozenset[int],
    start: dt.date,
    as_of: dt.date,
    frequency: Frequency,
    outages: tuple[OutagePeriod, ...] = (),
    ranges: tuple[tuple[dt.date, dt.date], ...] | None = None,
) -> tuple[CountRow, ...]:
    """Rollup totals of `counter_ids` from `start` to `as_of` (only inside `ranges`, first and
    last day, when given), with completeness, each flagged `outage` when its period overlaps
    one of `outages` of its counter. One query."""
    rows: Iterable[tuple[int, dt.date, int, int, int]]
    field = "date" if frequency is Frequency.DAILY else "month"
    inside = Q(**{f"{field}__gte": start, f"{field}__lte": as_of})
    if ranges:
        inside = Q()
        for first, last in ranges:
            inside |= Q(**{f"{field}__gte": first, f"{field}__lte": last})
    if frequency is Frequency.DAILY:
        rows = (
            DailyTotal.objects.filter(inside, counter_id__in=counter_ids)
            .order_by("counter_id", "date")
            .values_list("counter_id", "date", "count", "hours", "hours_expected")
        )
    else:
        rows = (
            MonthlyTotal.objects.filter(inside, counter_id__in=counter_ids)
            .order_by("counter_id", "month")
            .values_list("counter_id", "month", "count", "days", "days_expected")
        )
    by_counter: dict[int, list[OutagePeriod]] = defaultdict(list)
    for outage in outages:
        by_counter[int(outage.counter)].append(outage)
    result = []
    for counter_id, period, count, covered, expected in rows:
        # Most counters have no outage: skip the overlap test for them.
        spans = by_counter.get(counter_id) or []
        period_end = (
            period + dt.timedelta(days=1) if frequency is Frequency.DAILY else add_months(period, 1)
        )
        result.append(
            CountRow(
                counter=counter_id,
                period=period,
                count=count,
                complete=covered >= expected,
                outage=any(o.start < period_end and period < o.end for o in spans),
            )
        )
    return tuple(result)


def evaluation_inputs(
    *, amenagement: Amenagement, as_of: dt.date, parameters: Parameters = DEFAULT_PARAMETERS
) -> EvaluationInputs:
    """The engine's inputs for `amenagement` as of `as_of` (see the module doc for the rules).

    At most ten queries, whatever the size of the data.
    """
    treated, sources = treated_counter_ids(amenagement=amenagement)
    adaptation_rows = [
        row
        for row in AdaptationModel.objects.filter(amenagement=amenagement, date__lte=as_of)
        .select_related("version")
        .order_by("date", "pk")
        if not is_first_sighting(
            kind=row.kind, origin=row.origin, date=row.date, opened_on=amenagement.opened_on
        )
    ]
    frequency = (
        Frequency.DAILY
        if treated and DailyTotal.objects.filter(counter_id__in=treated).exists()
        else Frequency.MONTHLY
    )
    candidates = (
        _candidate_controls(amenagement=amenagement, treated=treated, sources=sources)
        if treated
        else {}
    )
    adaptations = []
    for row in adaptation_rows:
        before, after, _truncated = effect_windows(
            row.date, frequency=frequency, parameters=parameters
        )
        controls = frozenset(
            counter_id
            for counter_id, dates in candidates.items()
            if not any(before.start <= date < after.end for date in dates)
        )
        adaptations.append(
            Adaptation(
                date=row.date,
                kind=row.kind,
                version=row.version.number if row.version else None,
                control_counters=controls,
            )
        )
    # Default controls (used by nothing but an adaptation without its own): same commune,
    # not adapted at all up to `as_of`.
    default_controls = frozenset(
        counter_id for counter_id, dates in candidates.items() if not dates
    )
    used = treated | frozenset(candidates)
    start = _count_start(adaptation_rows, as_of=as_of, frequency=frequency, parameters=parameters)
    outages = (
        tuple(
            OutagePeriod(counter=counter_id, start=s, end=e)
            for counter_id, s, e in Outage.objects.filter(
                counter_id__in=used, end__gt=start, start__lte=as_of
            )
            .order_by("counter_id", "start")
            .values_list("counter_id", "start", "end")
        )
        if used
        else ()
    )
    counts = (
        count_rows(
            counter_ids=used,
            start=start,
            as_of=as_of,
            frequency=frequency,
            outages=outages,
            ranges=_count_ranges(
                adaptation_rows, as_of=as_of, frequency=frequency, parameters=parameters
            ),
        )
        if used
        else ()
    )
    specs, definitions = adopted_indicator_specs(amenagement=amenagement)
    ratings = _ratings(amenagement=amenagement, definitions=definitions, as_of=as_of)
    return EvaluationInputs(
        engine=EngineInputs(
            indicators=specs,
            counts=counts,
            treated_counters=treated,
            control_counters=default_controls,
            outages=outages,
            adaptations=tuple(adaptations),
            ratings=ratings,
            line_length_m=_line_length_m(amenagement),
            frequency=frequency,
        ),
        definitions=definitions,
        adaptation_rows=tuple(adaptation_rows),
    )


def _ratings(
    *, amenagement: Amenagement, definitions: dict[str, IndicatorDefinition], as_of: dt.date
) -> tuple[Rating, ...]:
    """Ratings on the adopted perception indicators given up to `as_of`: residents' own, and
    an imported survey's where the indicator's panel counts them. One query."""
    perception = [
        (code, definition)
        for code, definition in definitions.items()
        if definition.kind == IndicatorDefinition.Kind.PERCEPTION
    ]
    code_of = {definition.pk: code for code, definition in perception}
    if not code_of:
        return ()
    # The definitions come with their panel (`adopted_for_amenagement`): no join needed.
    with_surveys = [d.pk for _code, d in perception if d.panel.include_survey_opinions]
    # The local day is computed by PostgreSQL (the current time zone, as timezone.localdate):
    # converting tens of thousands of datetimes in Python took most of this function's time.
    rows = (
        RatingModel.objects.filter(
            contribution__version__amenagement=amenagement, definition_id__in=code_of
        )
        .filter(Q(contribution__source__isnull=True) | Q(definition_id__in=with_surveys))
        .annotate(day=TruncDate("contribution__created_at"))
        .filter(day__lte=as_of)
        .order_by("contribution__created_at", "pk")
        .values_list(
            "definition_id",
            "value",
            "day",
            "contribution__version__number",
            "contribution__profiles",
            "contribution__position_m",
        )
    )
    # Fetched on a bare cursor: psycopg already returns the local day as a date and the
    # profiles as a list, so Django's per-row converters (a third of this function's time on
    # tens of thousands of ratings) have nothing to add.
    with connection.cursor() as cursor:
        cursor.execute(*rows.query.sql_with_params())
        fetched = cursor.fetchall()
    ratings = []
    # Residents declare a handful of profile combinations: one frozenset per combination.
    profile_sets: dict[tuple[str, ...], frozenset[str]] = {}
    for definition_id, value, date, version, profiles, position_m in fetched:
        key = tuple(profiles or ())
        if key not in profile_sets:
            profile_sets[key] = frozenset(key)
        ratings.append(
            Rating(
                indicator_code=code_of[definition_id],
                value=value,
                date=date,
                version=version,
                profiles=profile_sets[key],
                position_m=position_m,
            )
        )
    return tuple(ratings)


def _line_length_m(amenagement: Amenagement) -> float | None:
    """The current geometry's length in the metric CRS; None for a polygon. One query."""
    length = (
        Amenagement.objects.filter(pk=amenagement.pk)
        .annotate(length=Length(Transform("geom", settings.TACTIQUE_METRIC_SRID)))
        .values_list("length", flat=True)
        .first()
    )
    if length is None or length.m == 0:
        return None
    return float(length.m)
