"""Benchmark: the SDTM package (time and peak memory) of the demo database and of synthetic cohorts.

    .venv/bin/python bench/bench_export.py                        # synth and demo (large on request)
    .venv/bin/python bench/bench_export.py --cases synth          # one synthetic cohort (--screened 600)
    .venv/bin/python bench/bench_export.py --cases large --large-screened 6000   # a smaller "large" run

Cases, each in its own process so that its peak memory is its own:

- ``synth``: a synthetic cohort of ``--screened`` patients (600 screened: about 330 enrolled);
- ``demo``: ``haictrial demo --subjects 300`` into a temporary ``HAICTRIAL_DATA_DIR`` (not timed), then the
  package read from that EDC database;
- ``large``: a synthetic cohort of ``--large-screened`` patients (54 000 screened: about 30 000 enrolled).

Each line prints the wall time (read and package), the CPU time of the export process (on a shared
machine the wall time also measures the other processes) and the peak resident set size
(``resource.getrusage``, ``ru_maxrss``). Goal (issue): the 300-subject demo under 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_DEMO_S = 30.0


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def export(source: str, out: Path, formats: list[str]) -> dict[str, object]:
    """One export in this process: ``source`` is a cohort directory or ``database``."""
    from haictrial.interop.sdtm.package import write_package
    from haictrial.interop.sdtm.source import from_database, from_synth
    from haictrial.protocol import load_protocol

    protocol = load_protocol()
    start, cpu = time.perf_counter(), _cpu_s()
    study = from_database() if source == "database" else from_synth(Path(source), protocol)
    read = time.perf_counter()
    result = write_package(study, protocol, out, formats)
    done = time.perf_counter()
    return {
        "subjects": len(study.subjects),
        "read_s": read - start,
        "package_s": done - read,
        "total_s": done - start,
        "cpu_s": _cpu_s() - cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "files": len(result["files"]),
        "problems": len(result["problems"]),
        "first_problem": (result["problems"] or [None])[0],
    }


def _child(source: str, out: Path, formats: str, env: dict[str, str] | None = None) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", source, "--out", str(out), "--formats", formats]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"export of {source} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cohort(screened: int, seed: int, directory: Path) -> Path:
    from haictrial.synth.cohort import generate_cohort
    from haictrial.synth.writer import write_cohort

    write_cohort(generate_cohort(screened, seed=seed, start=dt.date(2023, 5, 1), verify=0), directory)
    return directory


def _demo(subjects: int, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "HAICTRIAL_DATA_DIR": str(data_dir), "HAICTRIAL_DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    haictrial = Path(sys.executable).parent / "haictrial"
    done = subprocess.run(
        [str(haictrial), "demo", "--subjects", str(subjects)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"haictrial demo failed:\n{done.stderr[-2000:]}")
    return env


def _line(case: str, row: dict[str, object]) -> str:
    text = (
        f"{case}: subjects {row['subjects']}: read {row['read_s']:.1f} s, package {row['package_s']:.1f} s, "
        f"total {row['total_s']:.1f} s (CPU {row['cpu_s']:.1f} s), peak RSS {row['peak_mb']:.0f} MB, "
        f"files {row['files']}, problems {row['problems']}"
    )
    if row["first_problem"]:
        text += f" (first: {row['first_problem']})"
    if case == "demo":
        text += f"; goal {GOAL_DEMO_S:.0f} s: ratio {float(row['total_s']) / GOAL_DEMO_S:.2f}"  # type: ignore[arg-type]
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--cases",
        default="synth,demo",
        help="synth, demo, large (comma-separated); large (30 000 subjects) needs about 17 GB and is run on request",
    )
    parser.add_argument("--screened", type=int, default=600)
    parser.add_argument("--demo-subjects", type=int, default=300)
    parser.add_argument("--large-screened", type=int, default=54000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="xpt,json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(export(args.child, args.out, args.formats.split(","))))
        return
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        root = Path(tmp)
        for case in cases:
            if case == "demo":
                env = _demo(args.demo_subjects, root / "demo-data")
                row = _child("database", root / "demo-sdtm", args.formats, env)
            elif case in ("synth", "large"):
                screened = args.screened if case == "synth" else args.large_screened
                cohort = _cohort(screened, args.seed, root / f"{case}-cohort")
                row = _child(str(cohort), root / f"{case}-sdtm", args.formats)
            else:
                raise SystemExit(f"--cases: unknown case {case!r} (synth, demo, large)")
            print(_line(case, row), flush=True)


if __name__ == "__main__":
    main()
