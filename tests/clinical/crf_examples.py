"""A complete, consistent synthetic CHALLENGE-A1 subject (every eCRF), for the eCRF and edit-check tests.

The patient of contracts/patient.example.json (162 cm, 58.5 kg: BSA 1.6225 m2, so the planned doses are
those of docs/contracts/plan.md); left-sided (sigmoid) primary, KRAS/NRAS/BRAF wild type -> cetuximab; two
HAIC cycles 21 days apart; imaging after cycle 2 with the contract example's sizes (docs/contracts/recist.md: 48 + 31 -> 30 + 20 mm);
an MDT decision to resect; an R0 resection; a follow-up visit. Every edit check passes on it.
Synthetic data only (docs/architecture.md): no real patient.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from haictrial.clinical.crf_models import SubjectForms
from haictrial.documents import parse_model

TODAY = dt.date(2026, 7, 1)
ENROLMENT = "2026-01-12"


def labs(date: str) -> dict[str, Any]:
    return {
        "date": date,
        "wbc": {"value": 5.2, "unit": "10^9/L"},
        "neutrophils": {"value": 3.1, "unit": "10^9/L"},
        "platelets": {"value": 210, "unit": "10^9/L"},
        "hemoglobin": {"value": 128, "unit": "g/L"},
        "total_bilirubin": {"value": 12, "unit": "umol/L"},
        "alt": {"value": 30, "unit": "U/L"},
        "ast": {"value": 28, "unit": "U/L"},
        "creatinine": {"value": 70, "unit": "umol/L"},
    }


def haic_cycle(number: int, admission: str, first_day: str, third_day: str) -> dict[str, Any]:
    """One cycle: infusions on ``first_day`` 08:00 (+08:00) to ``third_day`` 09:00 (49 h)."""

    def at(day: str, clock: str) -> str:
        return f"{day}T{clock}:00+08:00"

    return {
        "record_id": f"haic-{number}",
        "cycle": number,
        "admission_date": admission,
        "discharge_date": third_day,
        "procedure": {
            "access_site": "right_femoral",
            "sheath_fr": 5,
            "catheter_fr": 3.5,
            "coeliac_trunk_angiography": True,
            "sma_angiography": True,
            "microcatheter_fr": 2.7,
            "microcatheter_position": "proper_hepatic_artery",
            "collaterals": [{"vessel": "gastroduodenal_artery", "embolised": True, "embolic_agents": ["coils"]}],
        },
        "infusions": [
            {"drug": "oxaliplatin", "planned_dose_mg": 210.9, "given_dose_mg": 210.9,
             "start_at": at(first_day, "08:00"), "stop_at": at(first_day, "10:00")},
            {"drug": "leucovorin", "planned_dose_mg": 649.0, "given_dose_mg": 649.0,
             "start_at": at(first_day, "10:00"), "stop_at": at(first_day, "11:00")},
            {"drug": "fluorouracil", "component": "bolus", "planned_dose_mg": 649.0, "given_dose_mg": 649.0,
             "start_at": at(first_day, "11:00"), "stop_at": at(first_day, "11:05")},
            {"drug": "fluorouracil", "component": "infusion", "planned_dose_mg": 3894.0, "given_dose_mg": 3894.0,
             "start_at": at(first_day, "11:05"), "stop_at": at(third_day, "09:05")},
        ],
        "catheter_removed_at": at(third_day, "10:00"),
        "complications": [],
        "pre_cycle_labs": labs(admission),
        "weight_kg": 58.5,
    }  # fmt: skip


def cetuximab(cycle: int, day: int, date: str, dose: float) -> dict[str, Any]:
    return {
        "drug": "cetuximab",
        "cycle": cycle,
        "day": day,
        "date": date,
        "planned_dose_mg": dose,
        "given_dose_mg": dose,
    }


def complete_subject() -> dict[str, Any]:
    """A fresh copy of the complete subject document (JSON values)."""
    return copy.deepcopy(_SUBJECT)


def parse(document: dict[str, Any]) -> SubjectForms:
    return parse_model(SubjectForms, document)


_SUBJECT: dict[str, Any] = {
    "subject_id": "CHA-001-0001",
    "enrolment_date": ENROLMENT,
    "baseline": {
        "record_id": "baseline-1",
        "visit_date": "2026-01-10",
        "demographics": {"birth_date": "1965-04-02", "sex": "female", "height_cm": 162, "weight_kg": 58.5},
        "primary_tumour": {
            "site": "sigmoid_colon", "resected": True, "resection_date": "2025-10-01", "histology": "adenocarcinoma",
        },
        "molecular": {"kras": "wild_type", "nras": "wild_type", "braf": "wild_type", "msi": "mss"},
        "tumour_markers": {"date": "2026-01-08", "cea_ng_per_ml": 45.2, "ca19_9_u_per_ml": 120},
        "baseline_imaging_date": "2026-01-08",
        "baseline_imaging_modality": "ct",
        "lesions": [
            {"id": "T1", "segments": ["S7"], "longest_diameter_mm": 48, "role": "target"},
            {"id": "T2", "segments": ["S4"], "longest_diameter_mm": 31, "role": "target"},
            {"id": "NT1", "segments": ["S2", "S3"], "longest_diameter_mm": 12, "role": "non_target"},
        ],
        "comorbidities": [{"category": "hypertension", "ongoing": True}],
        "ecog": 0,
        "lvef_percent": 62,
        "spirometry": {"date": "2026-01-09", "fev1_l": 2.4, "fvc_l": 3.0},
    },
    "haic_cycles": [
        haic_cycle(1, "2026-01-15", "2026-01-16", "2026-01-18"),
        haic_cycle(2, "2026-02-05", "2026-02-06", "2026-02-08"),
    ],
    "targeted_agent": [
        cetuximab(1, 1, "2026-01-15", 649.0),
        cetuximab(1, 8, "2026-01-22", 405.6),
        cetuximab(1, 15, "2026-01-29", 405.6),
        cetuximab(2, 1, "2026-02-05", 405.6),
    ],
    "imaging": [
        {"record_id": "imaging-1", "date": "2026-02-19", "modality": "ct", "after_cycle": 2,
         "target_mm": {"T1": 30, "T2": 20}, "non_target": {"NT1": "present"}, "new_lesions": False},
    ],
    "adverse_events": [
        {"term": "Nausea", "grade": 1, "onset_date": "2026-01-16", "resolution_date": "2026-01-18",
         "action_taken": "none", "outcome": "recovered", "attribution": {"oxaliplatin": "possible"}},
    ],
    "concomitant_medications": [
        {"name": "ondansetron", "indication": "nausea prophylaxis", "start_date": "2026-01-16",
         "stop_date": "2026-01-18", "dose_text": "8 mg iv bid"},
    ],
    "mdt_reviews": [
        {"record_id": "mdt-1", "date": "2026-02-20", "imaging_date": "2026-02-19", "flr_percent": 45,
         "cirrhosis": False, "extensive_chemotherapy": False, "r0_achievable": True,
         "remnant_contiguous_segments": 4, "remnant_inflow_preserved": True, "remnant_outflow_preserved": True,
         "remnant_biliary_drainage_preserved": True, "decision": "resect",
         "reason": "two liver metastases now R0-resectable with an adequate remnant"},
    ],
    "resections": [
        {"record_id": "resection-1", "date": "2026-03-10", "approach": "open", "segments_resected": ["S4", "S7"],
         "anatomical": False, "ablation": False, "macroscopic_residual": False,
         "pathology": {"lesions_resected": 2, "largest_lesion_mm": 28, "margin_mm": 3, "lesion_trgs": [2, 3]},
         "complications": [{"description": "wound infection", "grade": "II", "onset_date": "2026-03-15"}]},
    ],
    "follow_up": [{"record_id": "fu-1", "date": "2026-06-10", "vital_status": "alive"}],
    "end_of_study": None,
}  # fmt: skip
