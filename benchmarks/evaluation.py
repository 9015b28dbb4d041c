"""Benchmark the evaluation engine: one heavily-used arrangement, then the whole demo city.

    .venv/bin/python benchmarks/evaluation.py        (or `make bench`)
    .venv/bin/python benchmarks/evaluation.py --part arrangement|demo --runs 5

Part 1, one arrangement (throwaway database `test_<database>_bench_evaluation`). A bike lane in
Lyon, created on 2017-01-09, extended on 2021-05-03 (a new geometry, so a second version),
separated from traffic on 2024-09-16; 10 counters on it and 5 control counters elsewhere in the
commune (same source, linked to no arrangement: the control rule of
`evaluation.inputs`), with 10 years of *hourly* counts each (2016-11-01 to
2026-10-31, ≈ 1.3 million rows; seasonality, weather and a lockdown common to all counters, a
weekday and hourly pattern per counter, persistent noise, two outages, a few missing hours, and
planted effects of +40 %, +20 % and +15 % on the arrangement's counters). The counts go
through the project's import (`readings_import`), which builds the daily and monthly rollups
and detects the outages. The demonstration panel and its six indicators
(`load_demo_indicators`) apply to it; 10,000 residents' contributions with ratings (a planted
hot spot 800–1,000 m along the line) and pinned spots are bulk-created. Then, as the median of
several runs after one warm-up:

  (a) `evaluation.services.evaluation_run(amenagement=…, as_of=2026-10-31)`: inputs from the
      rollups, the whole engine (usage, perception, segments, targets, proposals), the writes;
  (b) the baseline: the same usage statistics — each adaptation's effect and the
      mean daily count — computed by pandas from the raw hourly rows: the readings of the
      treated and control counters read into a frame (COPY … TO STDOUT into `pd.read_csv`,
      the fastest way found; one read by `pd.read_sql` is timed too), summed by local day with
      their completeness (hours present against the day's 23, 24 or 25), then handed to the
      engine's own pure functions. It differs from the engine only in where the daily series
      come from;
  (c) the same usage statistics from the rollups (`count_rows` + the same pure functions): (a)'s
      usage part alone, the like-for-like counterpart of (b).

  (a0) (a) with the original dense fixed-effects fit (`gls.fit_model_dense`, every
      counter × weekday and every day a dense column) in place of the absorbed one, for every
      fit of the usage model (the effects and their validity checks).

It prints the times with a breakdown, the ratios (b)/(a), (b)/(c) and (a0)/(a), and the
estimates against the planted effects. It exits non-zero if (a), (a0), (b) and (c) disagree on
any usage number (effects, intervals, observations, mean daily count).

Part 2, the whole demo city (throwaway database `test_<database>_bench_evaluation_demo`): the
data of `make run` (`load_demo`, `load_demo_usage`, `load_demo_indicators`,
`load_demo_contributions`), then `manage.py evaluate --all` timed once with the original dense
fixed-effects fit and once with the absorbed one (the engine's), in that order on the same data:
both totals and their ratio, then for the absorbed run the arrangements evaluated, mean, median
and slowest per arrangement, and the proposals by action. It exits non-zero if the two runs'
usage effects (change and interval, to a relative 1e-9) differ anywhere.

Set-up times are printed, not measured against anything. Timings are the machine's: read them.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import itertools
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Run as a script from anywhere: the project root must be importable, and its settings chosen
# before Django is set up (hence the late imports below).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
# Small matrices: one BLAS thread, as `make test` does (threads fight over a shared machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from evaluation_baseline import (  # noqa: E402
    UsageNumbers,
    UsageScope,
    baseline,
    from_rollups,
    read_raw_rows,
    read_raw_rows_read_sql,
    run_numbers,
    usage_scope,
)
from evaluation_city import (  # noqa: E402
    AS_OF,
    N_CONTROLS,
    N_TREATED,
    PLANTED,
    external_id,
    set_up,
)
from harness import thousands, throwaway_database  # noqa: E402

from amenagements.models import Amenagement  # noqa: E402
from evaluation.engine import (  # noqa: E402
    evaluate,
    gls,
    validity,
)
from evaluation.inputs import evaluation_inputs  # noqa: E402
from evaluation.models import (  # noqa: E402
    AdjustmentProposal,
    EvaluationRun,
    UsageEffectResult,
)
from evaluation.services import evaluation_run  # noqa: E402
from participation.models import Contribution  # noqa: E402
from usage.models import Counter  # noqa: E402

DATABASE = settings.DATABASES["default"]["NAME"]
DB_NAME = f"test_{DATABASE}_bench_evaluation"
DEMO_DB_NAME = f"test_{DATABASE}_bench_evaluation_demo"
RUNS = 5


@contextlib.contextmanager
def dense_fit() -> Iterator[None]:
    """The engine with its original fit: every fixed effect a dense column."""
    absorbed = validity.FIT
    validity.FIT = gls.fit_model_dense
    try:
        yield
    finally:
        validity.FIT = absorbed


# --- part 1: the usage statistics, three ways --------------------------------------------------


def repeat(function: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Run once to warm up, then `runs` times; the durations and the last result."""
    result = function()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return durations, result


def ms(seconds: float) -> str:
    return f"{thousands(seconds * 1000)} ms"


def benchmark_arrangement(runs: int) -> bool:
    print("Part 1: one arrangement, 10 years of hourly counts, 10,000 contributions")
    started = time.perf_counter()
    amenagement, ids = set_up()
    print(f"  set-up in {time.perf_counter() - started:.0f} s\n")

    scope = usage_scope(amenagement)
    expected_treated = {ids[external_id(c)] for c in range(N_TREATED)}
    expected_controls = {ids[external_id(N_TREATED + k)] for k in range(N_CONTROLS)}
    assert scope.treated == expected_treated, "the arrangement's counters are not the ten"
    assert scope.controls == expected_controls, "the controls are not the five"

    with dense_fit():
        dense_durations, dense_run = repeat(
            lambda: evaluation_run(amenagement=amenagement, as_of=AS_OF), runs
        )
    run_durations, run = repeat(lambda: evaluation_run(amenagement=amenagement, as_of=AS_OF), runs)
    inputs_durations, inputs = repeat(
        lambda: evaluation_inputs(amenagement=amenagement, as_of=AS_OF), runs
    )
    engine_durations, _ = repeat(lambda: evaluate(inputs.engine, as_of=AS_OF), runs)
    parts: dict[str, dict[str, list[float]]] = {"baseline": {}, "rollups": {}}

    def timed_part(name: str, function: Callable[[UsageScope, dict[str, float]], UsageNumbers]):
        def call() -> UsageNumbers:
            timings: dict[str, float] = {}
            numbers = function(scope, timings)
            for key, value in timings.items():
                parts[name].setdefault(key, []).append(value)
            return numbers

        return call

    baseline_durations, baseline_numbers = repeat(timed_part("baseline", baseline), runs)
    rollup_durations, rollup_numbers = repeat(timed_part("rollups", from_rollups), runs)
    started = time.perf_counter()
    read_sql_rows = len(read_raw_rows_read_sql(scope))
    read_sql_duration = time.perf_counter() - started
    assert read_sql_rows == len(read_raw_rows(scope)), "pd.read_sql and COPY read different rows"
    engine_numbers = run_numbers(run)

    median = statistics.median
    summary = run.data_summary
    print(
        f"  the run used {thousands(summary['count_rows'])} daily totals "
        f"({summary['first_period']} to {summary['last_period']}), "
        f"{summary['outages']} outages, {thousands(summary['ratings'])} ratings, "
        f"{summary['adaptations']} adaptations; {run.segments.count()} segments, "
        f"{run.segments.filter(hot_spot=True).count()} hot spots"
    )
    print("  proposals: " + ", ".join(f"{p.action}" for p in run.proposals.order_by("pk")) + "\n")
    rows = [
        ("(a)  evaluation_run(), from the rollups, everything", run_durations),
        ("(a0) the same with the original dense fit", dense_durations),
        ("       of which evaluation_inputs()", inputs_durations),
        ("       of which the engine, evaluate()", engine_durations),
        ("(b)  pandas from the raw hourly rows, usage only", baseline_durations),
        ("       of which reading the rows", parts["baseline"]["read"][1:]),
        ("       of which the daily totals by pandas", parts["baseline"]["rollup"][1:]),
        ("       of which the statistics", parts["baseline"]["statistics"][1:]),
        ("       (reading them by pd.read_sql instead)", [read_sql_duration]),
        ("(c)  the same from the rollups (count_rows)", rollup_durations),
        ("       of which reading the rollups", parts["rollups"]["read"][1:]),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"  {'':{width}}  {'median':>10}  {'min':>10}  runs")
    for label, durations in rows:
        print(
            f"  {label:{width}}  {ms(median(durations)):>10}  {ms(min(durations)):>10}  "
            f"{len(durations):>4}"
        )
    print(
        f"\n  (b)/(a) = {median(baseline_durations) / median(run_durations):.1f}x   "
        f"(b)/(c) = {median(baseline_durations) / median(rollup_durations):.1f}x   "
        f"(a0)/(a) = {median(dense_durations) / median(run_durations):.1f}x"
    )
    print("\n  adaptation         planted  estimated [95 % interval]       days before/after")
    for (date, percent), effect in zip(PLANTED.items(), engine_numbers.effects, strict=True):
        estimate, low, high, _, before, after = effect
        print(
            f"  {date}       {percent:+5.0f} %  {estimate:+6.1f} % [{low:+6.1f} %, {high:+6.1f} %]"
            f"     {before}/{after}"
        )
    value, low, high, days = engine_numbers.mean
    print(
        f"  mean daily count per counter: {value:,.0f} [{low:,.0f}, {high:,.0f}] over {days} days"
    )
    dense_numbers = run_numbers(dense_run)
    agree = (
        engine_numbers.close_to(baseline_numbers)
        and engine_numbers.close_to(rollup_numbers)
        and engine_numbers.close_to(dense_numbers)
    )
    print(
        "  (a), (a0), (b) and (c) give the same usage numbers"
        if agree
        else f"  MISMATCH:\n    (a) {engine_numbers}\n    (a0) {dense_numbers}\n"
        f"    (b) {baseline_numbers}\n    (c) {rollup_numbers}"
    )
    return agree


# --- part 2: the demo city ---------------------------------------------------------------------


def _effects(runs: list[int]) -> dict[tuple[str, int], tuple[float | None, ...]]:
    return {
        (slug, adaptation): (percent, low, high)
        for slug, adaptation, percent, low, high in UsageEffectResult.objects.filter(
            run__in=runs
        ).values_list(
            "run__amenagement__slug",
            "adaptation",
            "percent_change",
            "interval_low",
            "interval_high",
        )
    }


def _same(a: tuple[float | None, ...], b: tuple[float | None, ...]) -> bool:
    return all(
        x == y if x is None or y is None else math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
        for x, y in zip(a, b, strict=True)
    )


def benchmark_demo() -> bool:
    print("Part 2: the whole demo city (the data of `make run`)")
    for command in (
        "load_demo",
        "load_demo_usage",
        "load_demo_indicators",
        "load_demo_contributions",
    ):
        started = time.perf_counter()
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
        print(f"  {command} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  {Amenagement.objects.count()} arrangements, {Counter.objects.count()} counters, "
        f"{thousands(Contribution.objects.count())} contributions\n"
    )
    with dense_fit():
        started = time.perf_counter()
        call_command("evaluate", all=True, verbosity=0, stdout=io.StringIO(), stderr=io.StringIO())
        dense_total = time.perf_counter() - started
    dense_runs = list(EvaluationRun.objects.values_list("pk", flat=True))
    output, errors = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("evaluate", all=True, verbosity=0, stdout=output, stderr=errors)
    total = time.perf_counter() - started
    absorbed = EvaluationRun.objects.exclude(pk__in=dense_runs)
    runs = [
        (at, slug, frequency, bool(summary.get("treated_counters")))
        for at, slug, frequency, summary in absorbed.order_by("created_at").values_list(
            "created_at", "amenagement__slug", "frequency", "data_summary"
        )
    ]
    dense_effects = _effects(dense_runs)
    absorbed_effects = _effects(list(absorbed.values_list("pk", flat=True)))
    differing = [
        key
        for key in dense_effects.keys() | absorbed_effects.keys()
        if key not in dense_effects
        or key not in absorbed_effects
        or not _same(dense_effects[key], absorbed_effects[key])
    ]
    print(
        f"  manage.py evaluate --all, original dense fit: {dense_total:.1f} s; absorbed fit: "
        f"{total:.1f} s; ratio {dense_total / total:.1f}x"
    )
    print(
        f"  usage effects compared: {len(absorbed_effects)}, "
        + ("all the same" if not differing else f"DIFFERENT: {sorted(differing)[:10]}")
    )
    # Each run is stamped once the engine is done, before its results are written: the gap
    # between consecutive stamps is about one arrangement's evaluation (the first one's is
    # unknown), the command's own counting included.
    gaps = sorted(((b[0] - a[0]).total_seconds(), b[1], b[3]) for a, b in itertools.pairwise(runs))
    print(f"  manage.py evaluate --all: {total:.1f} s for {len(runs)} arrangements evaluated")
    print(
        f"  per arrangement: mean {ms(total / max(1, len(runs)))}, median "
        f"{ms(statistics.median(g for g, _, _ in gaps))}"
    )
    for label, with_counters in (("with", True), ("without", False)):
        some = [g for g, _, counted in gaps if counted is with_counters]
        if some:
            print(
                f"    {len(some)} {label} counters: mean {ms(statistics.mean(some))}, "
                f"{sum(some) / total:.0%} of the total"
            )
    print("  slowest: " + ", ".join(f"{slug} {ms(g)}" for g, slug, _ in reversed(gaps[-3:])))
    frequencies = collections.Counter(frequency for _, _, frequency, _ in runs)
    print(
        "  count resolution: "
        + ", ".join(f"{frequency} {n}" for frequency, n in sorted(frequencies.items()))
    )
    print(f"  the command says: {output.getvalue().splitlines()[0] if output.getvalue() else ''}")
    if errors.getvalue():
        print(f"  failures:\n{errors.getvalue()}")
    print("  proposals by action:")
    for row in (
        AdjustmentProposal.objects.filter(run__in=absorbed)
        .values("action")
        .annotate(n=Count("pk"))
        .order_by("-n", "action")
    ):
        print(f"    {row['action']:<20} {row['n']:>5}")
    silent = absorbed.filter(proposals__isnull=True).count()
    print(f"    {'(no proposal)':<20} {silent:>5}")
    return not differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "arrangement", "demo"), default="all")
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args()
    ok = True
    if options.part in {"all", "arrangement"}:
        with throwaway_database(DB_NAME):
            ok = benchmark_arrangement(options.runs)
        print()
    if options.part in {"all", "demo"}:
        with throwaway_database(DEMO_DB_NAME):
            ok = benchmark_demo() and ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
