"""Benchmark: the whole analysis report (``haictrial report --from-synth``) for 300 and 30 000 synthetic subjects.

For each size a synthetic cohort is generated and written once (not timed). Then the script times

* the baseline: loading the data alone (:func:`haictrial.reports.from_synth.from_synth`: reading the
  Parquet tables and evaluating every patient's RECIST document), and
* the report: loading plus :func:`haictrial.reports.build.build_report` (data sets, results, nine figures
  as PNG and SVG, report.html and report.pdf),

and prints both, their ratio and the goal (300: under 15 s; 30 000: under 2 min, on 2 cores).
``subjects`` is the generator's number of screened patients; the enrolled count is printed too.

With ``--from-database`` the data come from the EDC instead: ``haictrial demo --subjects N`` fills a
database in a temporary ``HAICTRIAL_DATA_DIR`` (not timed), then the script times loading alone
(:func:`haictrial.reports.from_database.from_database`: the ORM reads and every subject's eCRFs through
:mod:`haictrial.reports.from_forms`) against loading plus the report (goal for 300: under 15 s).
``--data-dir DIR`` reuses a data directory that ``haictrial demo`` filled before (the demo takes minutes).
Both are timed in one process, wall clock and the process's CPU time (the machine is shared: under load the
wall clock grows, the CPU time much less).

Run: ``.venv/bin/python bench/bench_report.py [--sizes 300 30000] [--seed 1] [--from-database [--data-dir DIR]]
[--no-pdf]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from haictrial.protocol import load_protocol
from haictrial.reports.build import build_report
from haictrial.reports.from_synth import from_synth
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort

GOALS_S = {300: 15.0, 30_000: 120.0}
START = dt.date(2023, 5, 1)


def bench(subjects: int, seed: int, root: Path) -> tuple[float, float, int, dict[str, float]]:
    protocol = load_protocol()
    data = root / f"synth-{subjects}"
    write_cohort(generate_cohort(subjects, seed, START), data)
    started = time.perf_counter()
    datasets = from_synth(data, protocol)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    datasets = from_synth(data, protocol)
    result = build_report(datasets, root / f"report-{subjects}", protocol)
    report_s = time.perf_counter() - started
    return load_s, report_s, int(result.results["enrolled"]), result.timings


def _time_database(out: Path, pdf: bool) -> None:
    """In a process whose HAICTRIAL_DATA_DIR holds the demo: time loading alone, then loading plus the report."""
    from haictrial.reports.from_database import from_database

    protocol = load_protocol()
    started, cpu = time.perf_counter(), time.process_time()
    datasets = from_database(protocol)
    load_s, load_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    datasets = from_database(protocol)
    result = build_report(datasets, out, protocol, pdf=pdf)
    report_s, report_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"load_s": load_s, "report_s": report_s, "load_cpu_s": load_cpu_s, "report_cpu_s": report_cpu_s,
                      "enrolled": int(result.results["enrolled"]), "issues": len(result.results["data_issues"]),
                      "timings": result.timings}))  # fmt: skip


def bench_database(
    subjects: int, seed: int, root: Path, pdf: bool, data_dir: Path | None = None
) -> tuple[float, float, int, dict[str, float]]:
    """Fill a demo database (unless ``data_dir`` holds one), then time it in a fresh process; prints the CPU
    times too. Returns the wall-clock load and report times, the enrolled count and the step timings."""
    env = os.environ | {"HAICTRIAL_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    if data_dir is None:
        data_dir = root / f"edc-{subjects}"
        data_dir.mkdir()
        env["HAICTRIAL_DATA_DIR"] = str(data_dir)
        cli = [sys.executable, "-m", "haictrial.cli"]
        subprocess.run([*cli, "demo", "--subjects", str(subjects), "--seed", str(seed)], env=env, check=True,
                       capture_output=True, timeout=3600)  # fmt: skip
    env["HAICTRIAL_DATA_DIR"] = str(data_dir)
    args = [sys.executable, __file__, "--inner", str(root / f"report-db-{subjects}")] + ([] if pdf else ["--no-pdf"])
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=3600)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"          CPU time: load {found['load_cpu_s']:.2f} s, report {found['report_cpu_s']:.2f} s")
    return found["load_s"], found["report_s"], found["enrolled"], found["timings"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--from-database", action="store_true", help="a `haictrial demo` database, not synth")
    parser.add_argument("--data-dir", type=Path, help="with --from-database: a data directory `haictrial demo` filled")
    parser.add_argument("--no-pdf", action="store_true", help="leave out report.pdf")
    parser.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner is not None:
        _time_database(args.inner, pdf=not args.no_pdf)
        return
    if args.sizes is None:
        args.sizes = [300] if args.from_database else [300, 30_000]
    source = "database" if args.from_database else "synth"
    print(f"source: {source}{' (no PDF)' if args.no_pdf else ''}")
    print(f"{'subjects':>9} {'enrolled':>9} {'load s':>8} {'report s':>9} {'ratio':>6} {'goal s':>7}  verdict")
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for size in args.sizes:
            if args.from_database:
                load_s, report_s, enrolled, timings = bench_database(
                    size, args.seed, Path(tmp), not args.no_pdf, args.data_dir
                )
            else:
                load_s, report_s, enrolled, timings = bench(size, args.seed, Path(tmp))
            goal = GOALS_S.get(size)
            verdict = "-" if goal is None else ("ok" if report_s < goal else "OVER GOAL")
            failed |= verdict == "OVER GOAL"
            goal_text = "-" if goal is None else f"{goal:.0f}"
            print(
                f"{size:>9} {enrolled:>9} {load_s:>8.2f} {report_s:>9.2f} {report_s / load_s:>5.1f}x "
                f"{goal_text:>7}  {verdict}"
            )
            slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:4]
            print("          slowest steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in slowest))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
