"""Human labels for the codes the pages show: enum values of the core (choices, statuses, routes, decisions),
the eCRF field paths, and the CTCAE v5.0 terms' Chinese display names.

The data keep the codes (clinical codes stay in English in the data, see docs/architecture.md); the pages show these
labels through gettext, in English or Simplified Chinese. A code without a label is shown as it is, so the
zh-Hans page test (tests/edc/test_zh_pages.py) finds it.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from haictrial.vocabulary.enums import SubjectStatus
from haictrial.vocabulary.units import Analyte

#: The screening panel's laboratory tests as the forms label them.
LAB_LABELS = {
    Analyte.wbc: _("White blood cells"),
    Analyte.neutrophils: _("Neutrophils"),
    Analyte.platelets: _("Platelets"),
    Analyte.hemoglobin: _("Haemoglobin"),
    Analyte.total_bilirubin: _("Total bilirubin"),
    Analyte.albumin: _("Albumin"),
    Analyte.inr: _("INR"),
    Analyte.alt: _("ALT"),
    Analyte.ast: _("AST"),
    Analyte.creatinine: _("Creatinine"),
}


#: code -> label. Drug names are the INN (WHO International Nonproprietary Names); RECIST responses as
#: Eisenhauer et al., Eur J Cancer 2009;45:228 (RECIST 1.1), section 4.3; seriousness criteria as ICH E2A
#: section II.B; the MDT criteria ids as haictrial.clinical.resectability.
CODE_LABELS: dict[str, Promise] = {
    "none": _("none"),
    "dose_reduced": _("dose reduced"),
    "dose_delayed": _("dose delayed"),
    "drug_interrupted": _("drug interrupted"),
    "drug_withdrawn": _("drug withdrawn"),
    "recovered": _("recovered"),
    "recovering": _("recovering"),
    "not_recovered": _("not recovered"),
    "recovered_with_sequelae": _("recovered with sequelae"),
    "fatal": _("fatal"),
    "unknown": _("unknown"),
    "death": _("death"),
    "life_threatening": _("life-threatening"),
    "hospitalisation": _("hospitalisation"),
    "disability": _("disability"),
    "congenital_anomaly": _("congenital anomaly"),
    "important_medical_event": _("important medical event"),
    "baseline": _("Baseline"),
    "haic_cycle": _("HAIC cycle"),
    "targeted_agent": _("Targeted agent"),
    "imaging": _("Imaging"),
    "adverse_events": _("Adverse events"),
    "concomitant_medications": _("Concomitant medications"),
    "mdt_review": _("MDT review"),
    "resection": _("Resection"),
    "follow_up": _("Follow-up"),
    "end_of_study": _("End of study"),
    "hypertension": _("hypertension"),
    "diabetes_mellitus": _("diabetes mellitus"),
    "coronary_artery_disease": _("coronary artery disease"),
    "heart_failure": _("heart failure"),
    "arrhythmia": _("arrhythmia"),
    "cerebrovascular_disease": _("cerebrovascular disease"),
    "chronic_obstructive_pulmonary_disease": _("chronic obstructive pulmonary disease"),
    "chronic_kidney_disease": _("chronic kidney disease"),
    "chronic_hepatitis_b": _("chronic hepatitis B"),
    "chronic_hepatitis_c": _("chronic hepatitis C"),
    "fatty_liver_disease": _("fatty liver disease"),
    "liver_cirrhosis": _("liver cirrhosis"),
    "other": _("other"),
    "adenocarcinoma": _("adenocarcinoma"),
    "mucinous_adenocarcinoma": _("mucinous adenocarcinoma"),
    "signet_ring_cell_carcinoma": _("signet ring cell carcinoma"),
    "ct": _("CT"),
    "mri": _("MRI"),
    "msi_h": _("MSI-H"),
    "mss": _("MSS"),
    "target": _("target"),
    "non_target": _("non-target"),
    "right_femoral": _("right femoral artery"),
    "left_femoral": _("left femoral artery"),
    "gastroduodenal_artery": _("gastroduodenal artery"),
    "right_gastric_artery": _("right gastric artery"),
    "accessory_left_gastric_artery": _("accessory left gastric artery"),
    "supraduodenal_artery": _("supraduodenal artery"),
    "cystic_artery": _("cystic artery"),
    "falciform_artery": _("falciform artery"),
    "inferior_phrenic_artery": _("inferior phrenic artery"),
    "gelatin_sponge": _("gelatin sponge"),
    "coils": _("coils"),
    "bolus": _("bolus"),
    "infusion": _("infusion"),
    "catheter_displacement": _("catheter displacement"),
    "catheter_occlusion": _("catheter occlusion"),
    "pump_malfunction": _("pump malfunction"),
    "abdominal_pain": _("abdominal pain"),
    "infusion_reaction": _("infusion reaction"),
    "patient_request": _("patient request"),
    "left_hepatic_artery": _("left hepatic artery"),
    "right_hepatic_artery": _("right hepatic artery"),
    "proper_hepatic_artery": _("proper hepatic artery"),
    "puncture_site_hematoma": _("puncture site hematoma"),
    "pseudoaneurysm": _("pseudoaneurysm"),
    "arterial_dissection": _("arterial dissection"),
    "hepatic_artery_occlusion": _("hepatic artery occlusion"),
    "contrast_reaction": _("contrast reaction"),
    "disease_progression": _("disease progression"),
    "treatment_related": _("treatment related"),
    "postoperative_complication": _("postoperative complication"),
    "other_cause": _("other cause"),
    "progression": _("progression"),
    "recurrence": _("recurrence"),
    "completed_follow_up": _("completed follow-up"),
    "withdrawal_of_consent": _("withdrawal of consent"),
    "lost_to_follow_up": _("lost to follow-up"),
    "investigator_decision": _("investigator decision"),
    "liver": _("liver"),
    "lung": _("lung"),
    "peritoneum": _("peritoneum"),
    "lymph_nodes": _("lymph nodes"),
    "locoregional": _("locoregional"),
    "bone": _("bone"),
    "brain": _("brain"),
    "systemic_chemotherapy": _("systemic chemotherapy"),
    "targeted_therapy": _("targeted therapy"),
    "immunotherapy": _("immunotherapy"),
    "hepatic_arterial_infusion": _("hepatic arterial infusion"),
    "liver_resection": _("liver resection"),
    "ablation": _("ablation"),
    "radiotherapy": _("radiotherapy"),
    "alive": _("alive"),
    "dead": _("dead"),
    "wild_type": _("wild type"),
    "mutant": _("mutant"),
    "cecum": _("cecum"),
    "ascending_colon": _("ascending colon"),
    "hepatic_flexure": _("hepatic flexure"),
    "transverse_colon": _("transverse colon"),
    "splenic_flexure": _("splenic flexure"),
    "descending_colon": _("descending colon"),
    "sigmoid_colon": _("sigmoid colon"),
    "rectosigmoid": _("rectosigmoid"),
    "rectum": _("rectum"),
    "male": _("male"),
    "female": _("female"),
    "absent": _("absent"),
    "present": _("present"),
    "unequivocal_progression": _("unequivocal progression"),
    "not_evaluated": _("not evaluated"),
    "CR": _("CR (complete response)"),
    "PR": _("PR (partial response)"),
    "SD": _("SD (stable disease)"),
    "PD": _("PD (progressive disease)"),
    "NE": _("NE (not evaluable)"),
    "NON_CR_NON_PD": _("non-CR/non-PD"),
    "resect": _("resect"),
    "continue_conversion": _("continue conversion therapy"),
    "not_resectable": _("not resectable"),
    "radiofrequency": _("radiofrequency"),
    "microwave": _("microwave"),
    "open": _("open"),
    "laparoscopic": _("laparoscopic"),
    "robotic": _("robotic"),
    "not_serious": _("not serious"),
    "reported": _("reported"),
    "due": _("due"),
    "overdue": _("overdue"),
    "met": _("met"),
    "not_met": _("not met"),
    "hepatic_arterial": _("hepatic arterial"),
    "intravenous": _("intravenous"),
    "oxaliplatin": _("oxaliplatin"),
    "leucovorin": _("leucovorin"),
    "fluorouracil": _("fluorouracil"),
    "bevacizumab": _("bevacizumab"),
    "cetuximab": _("cetuximab"),
    # subject statuses ("follow_up" is labelled with the form above)
    SubjectStatus.screened: _("screened"),
    SubjectStatus.enrolled: _("enrolled"),
    SubjectStatus.on_treatment: _("on treatment"),
    SubjectStatus.resected: _("resected"),
    SubjectStatus.off_study: _("off study"),
    "r0": _("R0 resection achievable"),
    "remnant_segments": _("remnant segments"),
    "remnant_vascular_biliary": _("remnant vessels and bile duct"),
    "flr": _("future liver remnant"),
    # audit trail: the model of a change and its action (haictrial.edc.audit)
    "subjects.subject": _("Subject"),
    "subjects.screening": _("Screening"),
    "subjects.consent": _("Consent"),
    "subjects.identifiers": _("Identifiers"),
    "crfs.formrecord": _("eCRF record"),
    "operations.deviation": _("Protocol deviation"),
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    # subject fields changed on the subject page (haictrial.edc.subjects.models.Subject)
    "status": _("Status"),
    "treatment_start_date": _("Treatment start date"),
}

_INDEX = re.compile(r"\[\d+\]")


def code_label(value: Any) -> Any:
    """The label of a code, or the value itself when it has none (numbers, dates, free text)."""
    if isinstance(value, str):
        return CODE_LABELS.get(value, value)
    return value


def field_labels(layout: Any) -> dict[str, Any]:
    """Field path (row indices removed) -> label, for every input of an eCRF layout."""
    from haictrial.edc.crfs.layouts import Field, Rows, Section

    out: dict[str, Any] = {}

    def walk(items: Any, prefix: str, row_label: Any) -> None:
        for item in items:
            if isinstance(item, Rows):
                out[prefix + item.path] = item.label
                walk(item.fields, f"{prefix}{item.path}.", item.label)
            elif isinstance(item, Field):
                out[prefix + item.path] = item.label if not row_label else f"{row_label} · {item.label}"

    for section in layout.sections:
        if isinstance(section, Section):
            walk(section.items, "", "")
    return out


def field_label(labels: dict[str, Any], path: str) -> Any:
    """The label of a field path such as ``infusions[0].given_dose_mg`` or ``labs.inr``, row number kept."""
    if not path:
        return path
    plain = _INDEX.sub("", path)
    label = labels.get(plain)
    if label is None:
        return path
    rows = _INDEX.findall(path)
    if rows:
        return f"{label} ({', '.join('#' + str(int(r[1:-1]) + 1) for r in rows)})"
    return label


#: Columns of a stored record that are bookkeeping, not data the user entered (shown elsewhere on the page).
_BOOKKEEPING = frozenset(
    {
        "id",
        "subject_id",
        "form",
        "cycle",
        "event_date",
        "outcome_code",
        "version",
        "protocol_version",
        "engine_version",
        "created_at",
        "created_by_id",
        "updated_at",
        "verified_at",
        "verified_by_id",
        "locked",
        "derived",
    }
)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and set(value) == {"value", "unit"}:  # a lab value is shown as "value unit"
        out[prefix] = None if value["value"] is None else f"{value['value']} {value['unit']}"
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for number, item in enumerate(value):
            _flatten(item, f"{prefix}[{number}]", out)
    else:
        out[prefix] = value


def _shown(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(code_label(v)) for v in value)
    return code_label(value)


def field_changes(entry: dict[str, Any], labels: dict[str, Any] | None = None) -> list[tuple[Any, Any, Any]]:
    """(field label, old, new) for every entered field an audit entry changed, the payload diffed key by key."""
    old_values, new_values = entry.get("old_values") or {}, entry.get("new_values") or {}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in sorted(set(old_values) | set(new_values)):
        if key in _BOOKKEEPING:
            continue
        prefix = "" if key == "payload" else key
        _flatten(old_values.get(key), prefix, old)
        _flatten(new_values.get(key), prefix, new)
    out = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after or (before in (None, "", []) and after in (None, "", [])):
            continue
        label = field_label(labels, path) if labels else code_label(path)
        out.append((label, _shown(before), _shown(after)))
    return out


_PATH = re.compile(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)+")


def with_field_labels(text: Any, labels: dict[str, Any]) -> Any:
    """An engine message with the field paths it names (``remnant_inflow_preserved``) replaced by their labels."""
    if not isinstance(text, str):
        return text
    return _PATH.sub(lambda m: str(labels.get(m.group(0), code_label(m.group(0)))), text)


def _lab_labels() -> None:
    """The laboratory tests (``total_bilirubin``) read as on the screening form."""
    for analyte in Analyte:
        CODE_LABELS.setdefault(analyte.value, LAB_LABELS[analyte])


_lab_labels()
