"""Source cohorts for the report tests (a module name of its own: test modules import it directly, which a
second ``conftest`` elsewhere in the tree would shadow).

Analysis data sets built directly as small DataFrames: a seeded random cohort and hand-made edge cases.

The reports are tested on data sets written here, not on another module's generator, so that each
expected number can be recomputed independently from the same frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from haictrial.reports.datasets import AnalysisDatasets

START = pd.Timestamp("2023-05-01")
TERMS = ["Neutrophil count decreased", "Diarrhea", "Alanine aminotransferase increased", "Fatigue", "Hypertension"]
LEFT = ["descending_colon", "sigmoid_colon", "rectum"]
RIGHT = ["cecum", "ascending_colon", "transverse_colon"]


def make_source(n: int, seed: int = 7, screen_failures: int | None = None) -> AnalysisDatasets:
    """A random but internally consistent source cohort of ``n`` enrolled subjects."""
    rng = np.random.default_rng(seed)
    fails = n // 3 + 2 if screen_failures is None else screen_failures
    subjects, assessments, events, cycles, log = [], [], [], [], []
    for i in range(n):
        sid = f"CHA-001-{i + 1:04d}"
        enrol = START + pd.Timedelta(days=int(i * 700 / max(n, 1)) + int(rng.integers(0, 5)))
        right = bool(rng.random() < 0.35)
        ras = str(rng.choice(["wild_type", "mutant", "unknown"], p=[0.5, 0.45, 0.05]))
        braf = str(rng.choice(["wild_type", "mutant"], p=[0.92, 0.08]))
        agent = "bevacizumab" if right or ras == "mutant" or braf == "mutant" else "cetuximab"
        n_cycles = int(rng.integers(0, 9)) if rng.random() > 0.05 else 0
        day = enrol + pd.Timedelta(days=int(rng.integers(3, 10)))
        for c in range(n_cycles):
            delay = int(rng.choice([0, 0, 0, 2, 7]))
            day = day + pd.Timedelta(days=delay)
            cycles.append(
                {
                    "subject_id": sid,
                    "cycle": c + 1,
                    "cycle_date": day,
                    "delay_days": delay,
                    "dose_modified": bool(rng.random() < 0.15),
                }
            )
            day = day + pd.Timedelta(days=21)
        last_treat = day - pd.Timedelta(days=21) if n_cycles else enrol
        base_sum = float(rng.uniform(40, 200))
        assessments.append(
            {
                "subject_id": sid,
                "assessment_date": enrol - pd.Timedelta(days=5),
                "baseline": True,
                "sum_mm": base_sum,
                "percent_change": 0.0,
                "overall_response": None,
            }
        )
        change, responses, best = 0.0, [], None
        progression = pd.NaT
        for k in range(n_cycles // 2):
            change = max(-100.0, change + float(rng.normal(-12, 14)))
            date = enrol + pd.Timedelta(days=42 * (k + 1))
            resp = "PR" if change <= -30 else ("PD" if change >= 20 else "SD")
            responses.append(resp)
            assessments.append(
                {
                    "subject_id": sid,
                    "assessment_date": date,
                    "baseline": False,
                    "sum_mm": base_sum * (1 + change / 100),
                    "percent_change": change,
                    "overall_response": resp,
                }
            )
            best = change if best is None else min(best, change)
            if resp == "PD":
                progression = date
                break
        if not responses:
            bor = None
        elif responses.count("PR") >= 2:
            bor = "PR"
        elif "SD" in responses or "PR" in responses:
            bor = "SD"
        else:
            bor = "PD"
        resected = pd.isna(progression) and n_cycles >= 4 and rng.random() < 0.55
        resection = last_treat + pd.Timedelta(days=int(rng.integers(20, 40))) if resected else pd.NaT
        margin = str(rng.choice(["R0", "R1", "R2"], p=[0.8, 0.15, 0.05])) if resected else None
        horizon = START + pd.Timedelta(days=1200)
        death = enrol + pd.Timedelta(days=int(rng.exponential(900 if resected else 500)))
        death = death if death < horizon else pd.NaT
        if not pd.isna(death) and not pd.isna(resection) and death <= resection:
            death = resection + pd.Timedelta(days=int(rng.integers(5, 200)))
        recurrence = pd.NaT
        if resected and rng.random() < 0.5:
            recurrence = resection + pd.Timedelta(days=int(rng.integers(60, 500)))
            if not pd.isna(death) and recurrence > death:
                recurrence = pd.NaT
        if not pd.isna(progression) and not pd.isna(death) and death < progression:
            death = progression + pd.Timedelta(days=30)
        lost = rng.random() < 0.05
        last_contact = death if not pd.isna(death) else horizon - pd.Timedelta(days=int(rng.integers(0, 60)))
        if lost and pd.isna(death):
            last_contact = enrol + pd.Timedelta(days=int(rng.integers(30, 300)))
        site_primary = str(rng.choice(RIGHT if right else LEFT))
        subjects.append(
            {
                "subject_id": sid,
                "site": "001",
                "enrolment_date": enrol,
                "age_years": int(rng.integers(30, 76)),
                "sex": str(rng.choice(["male", "female"])),
                "ecog": int(rng.integers(0, 2)),
                "primary_site": site_primary,
                "sidedness": "right" if right else "left",
                "ras_status": ras,
                "braf_status": braf,
                "lesion_count": int(rng.integers(1, 15)),
                "largest_lesion_mm": float(rng.uniform(12, 120)),
                "cea_ng_ml": None if rng.random() < 0.05 else float(rng.lognormal(3.5, 1.5)),
                "targeted_agent": agent,
                "best_overall_response": bor,
                "best_percent_change": best,
                "response_confirmed": None if bor is None else bor == "PR",
                "morphologic_response": str(rng.choice(["optimal", "incomplete", "none"])) if responses else None,
                "mdt_decision": "resect" if resected else ("not_resectable" if responses else None),
                "resection_date": resection,
                "resection_margin": margin,
                "progression_date": progression,
                "recurrence_date": recurrence,
                "death_date": death,
                "last_contact_date": last_contact,
                "off_study_reason": "death" if not pd.isna(death) else ("lost_to_follow_up" if lost else None),
            }
        )
        for _k in range(int(rng.integers(0, 4)) if n_cycles else 0):
            events.append(
                {
                    "subject_id": sid,
                    "term": str(rng.choice(TERMS)),
                    "grade": int(rng.integers(1, 5)),
                    "serious": bool(rng.random() < 0.1),
                    "onset_date": enrol + pd.Timedelta(days=int(rng.integers(5, 120))),
                    "attribution": str(rng.choice(["unrelated", "possible", "probable"])),
                }
            )
        log.append(
            {
                "screening_id": f"S{i:05d}",
                "site": "001",
                "screening_date": enrol - pd.Timedelta(days=3),
                "eligible": True,
                "failed_criteria": "",
                "subject_id": sid,
            }
        )
    for j in range(fails):
        failed = ";".join(sorted(set(rng.choice(["I1", "I5", "I6", "E1", "E4"], size=int(rng.integers(1, 3))))))
        log.append(
            {
                "screening_id": f"F{j:05d}",
                "site": "001",
                "screening_date": START + pd.Timedelta(days=j),
                "eligible": False,
                "failed_criteria": failed,
                "subject_id": None,
            }
        )
    log.append(
        {
            "screening_id": "E00001",
            "site": "001",
            "screening_date": START + pd.Timedelta(days=2),
            "eligible": True,
            "failed_criteria": "",
            "subject_id": None,
        }
    )
    return AnalysisDatasets(
        adsl=pd.DataFrame(subjects),
        adrs=pd.DataFrame(assessments, columns=list(assessments[0]) if assessments else None),
        adae=pd.DataFrame(events, columns=["subject_id", "term", "grade", "serious", "onset_date", "attribution"]),
        adex=pd.DataFrame(cycles, columns=["subject_id", "cycle", "cycle_date", "delay_days", "dose_modified"]),
        screening_log=pd.DataFrame(log),
        source=f"test cohort n={n} seed={seed}",
    )


def empty_source() -> AnalysisDatasets:
    """No enrolled patient; a few screen failures only."""
    log = pd.DataFrame(
        [
            {
                "screening_id": "F1",
                "site": "001",
                "screening_date": "2024-01-05",
                "eligible": False,
                "failed_criteria": "E1",
                "subject_id": None,
            }
        ]
    )
    return AnalysisDatasets(
        adsl=pd.DataFrame(),
        adrs=pd.DataFrame(),
        adae=pd.DataFrame(),
        adex=pd.DataFrame(),
        screening_log=log,
        source="empty",
    )
