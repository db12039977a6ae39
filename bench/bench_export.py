"""Benchmark: the SDTM package of a synthetic cohort (time and peak memory).

    .venv/bin/python bench/bench_export.py --screened 600      # about 300 enrolled
    .venv/bin/python bench/bench_export.py --screened 60000    # about 30 000 enrolled

Goal (issue): 300 subjects under 30 s. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from pathlib import Path

from haictrial.interop.sdtm.package import write_package
from haictrial.interop.sdtm.source import from_synth
from haictrial.protocol import load_protocol
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screened", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="xpt,json")
    args = parser.parse_args()
    protocol = load_protocol()
    with tempfile.TemporaryDirectory() as tmp:
        cohort_dir, out = Path(tmp) / "cohort", Path(tmp) / "sdtm"
        write_cohort(generate_cohort(args.screened, seed=args.seed, start=dt.date(2023, 5, 1), verify=0), cohort_dir)
        start = time.perf_counter()
        study = from_synth(cohort_dir, protocol)
        read = time.perf_counter()
        result = write_package(study, protocol, out, args.formats.split(","))
        done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"subjects {len(study.subjects)}: read {read - start:.1f} s, package {done - read:.1f} s, "
        f"total {done - start:.1f} s, peak RSS {peak_mb:.0f} MB, files {len(result['files'])}, "
        f"problems {len(result['problems'])}"
    )


if __name__ == "__main__":
    main()
