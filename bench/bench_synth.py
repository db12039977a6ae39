"""Benchmark: ``haictrial synth`` for 1 000 000 screened patients (goal: under 60 s on 2 cores).

Times the vectorised generator end to end, as the command runs it: :func:`generate_cohort` (population,
screening verdicts, the enrolled patients' courses, tables, engine cross-checks on a sample) and
:func:`write_cohort` (JSON lines, Parquet, manifest with SHA-256) into a temporary directory.

Baseline, measured in the same run: a naive per-patient Python generator on a sample of ``--sample``
patients, scaled linearly to the same N. Per patient it draws the document with Python's ``random``,
writes it with ``json.dumps``, parses it with the Patient model and screens it with
:func:`haictrial.clinical.eligibility.screen`; for each enrolled patient it plans six cycles with
:func:`haictrial.clinical.dosing.plan_cycle` and writes them with ``json.dumps``. It produces far less
than the generator (no labs, adverse events, imaging or Parquet), so the ratio understates the gain.

Run: ``.venv/bin/python bench/bench_synth.py [--subjects 1000000] [--sample 2000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from haictrial.clinical.dosing import plan_cycle
from haictrial.clinical.eligibility import screen
from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.protocol import load_protocol
from haictrial.synth.cohort import generate_cohort
from haictrial.synth.writer import write_cohort

GOAL_S = 60.0
START = dt.date(2023, 5, 1)
SITES = ["cecum", "ascending_colon", "transverse_colon", "descending_colon", "sigmoid_colon", "rectum"]


def naive_patient(rng: random.Random, number: int) -> dict[str, object]:
    """One screening document, drawn field by field in Python (the baseline's unit of work)."""
    screening = START + dt.timedelta(days=rng.randrange(730))
    age = min(max(rng.gauss(58, 10.5), 21), 88)
    return {
        "subject_id": f"CHA-001-{number:07d}",
        "screening_date": screening.isoformat(),
        "birth_date": (screening - dt.timedelta(days=int(age * 365.25))).isoformat(),
        "sex": "male" if rng.random() < 0.6 else "female",
        "height_cm": round(rng.gauss(165, 7)),
        "weight_kg": round(rng.gauss(63, 9), 1),
        "ecog": rng.choices([0, 1, 2], [0.54, 0.41, 0.05])[0],
        "lvef_percent": min(round(rng.gauss(62, 5)), 80),
        "fev1_fvc_percent": min(round(rng.gauss(79, 7)), 99),
        "pathology_confirmed_crlm": rng.random() < 0.98,
        "other_malignancy_history": rng.random() < 0.025,
        "prior_systemic_treatment": rng.choice(["progressed", "refused"]),
        "primary_tumor": {"site": rng.choice(SITES), "resected": False, "completely_resectable": True},
        "molecular": {"kras": rng.choice(["wild_type", "mutant"]), "nras": "wild_type", "braf": "wild_type"},
        "liver_lesions": [
            {"id": f"L{i + 1}", "segment": f"S{rng.randrange(1, 9)}", "longest_diameter_mm": rng.randrange(8, 90)}
            for i in range(1 + min(rng.randrange(8), 11))
        ],
        "extrahepatic_metastasis": rng.random() < 0.11,
        "peritoneal_spread": rng.random() < 0.03,
        "ascites": "none",
        "hepatic_encephalopathy": "none",
        "labs": {
            "wbc": {"value": round(abs(rng.gauss(6.2, 1.5)), 1), "unit": "10^9/L"},
            "neutrophils": {"value": round(abs(rng.gauss(3.7, 1.0)), 2), "unit": "10^9/L"},
            "platelets": {"value": round(abs(rng.gauss(215, 50))), "unit": "10^9/L"},
            "hemoglobin": {"value": round(rng.gauss(128, 14)), "unit": "g/L"},
            "total_bilirubin": {"value": round(abs(rng.gauss(12, 5)), 1), "unit": "umol/L"},
            "albumin": {"value": round(rng.gauss(40, 3.5), 1), "unit": "g/L"},
            "inr": {"value": round(rng.gauss(1.0, 0.07), 2), "unit": "ratio"},
            "alt": {"value": round(abs(rng.gauss(26, 12))), "unit": "U/L"},
            "ast": {"value": round(abs(rng.gauss(29, 12))), "unit": "U/L"},
            "creatinine": {"value": round(rng.gauss(72, 15)), "unit": "umol/L"},
        },
        "medical_history": [],
        "allergies": [],
        "unable_to_tolerate": [],
        "prior_liver_directed_treatment": [],
        "data_complete": True,
    }


def naive_baseline(sample: int, seed: int, out: Path) -> float:
    """Seconds for the naive per-patient generator on ``sample`` patients (written to ``out``)."""
    protocol = load_protocol()
    rng = random.Random(seed)
    started = time.perf_counter()
    with (
        (out / "screening.jsonl").open("w", encoding="utf-8") as docs,
        (out / "cycles.jsonl").open("w", encoding="utf-8") as cycles,
    ):
        for number in range(1, sample + 1):
            document = naive_patient(rng, number)
            docs.write(json.dumps(document) + "\n")
            patient = parse_model(Patient, document)
            if screen(patient, protocol).eligible:
                for cycle in range(1, 7):
                    cycles.write(json.dumps(plan_cycle(patient, protocol, cycle).as_contract()) + "\n")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        cohort = generate_cohort(args.subjects, args.seed, START, 0.0)
        generated = time.perf_counter() - started
        manifest = write_cohort(cohort, root / "cohort")
        total = time.perf_counter() - started
        del cohort
        (root / "naive").mkdir()
        sample_s = naive_baseline(args.sample, args.seed, root / "naive")
    baseline = sample_s * args.subjects / args.sample
    written = sum(f["bytes"] for f in manifest["files"]) / 1e9
    print(
        f"synth {args.subjects:,} screened ({manifest['subjects_enrolled']:,} enrolled): {total:.1f} s "
        f"(generate {generated:.1f} s, write {total - generated:.1f} s, {written:.2f} GB); "
        f"goal < {GOAL_S:.0f} s: {'met' if total < GOAL_S else 'NOT met'}"
    )
    print(
        f"baseline (naive per-patient Python: random + json.dumps + screen() + 6 x plan_cycle(), "
        f"{args.sample:,} patients in {sample_s:.2f} s, scaled to {args.subjects:,}): {baseline:.1f} s"
    )
    print(f"ratio baseline / synth: {baseline / total:.1f}x")


if __name__ == "__main__":
    main()
