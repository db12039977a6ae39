"""The codes a FHIR bundle must use for haictrial to read it: LOINC, UCUM, SNOMED CT, ICD-10, ICD-9-CM-3.

fhir.resources checks the structure of a resource but not its code bindings or unit codes, so the
tables and checks are here (the mapping is documented in docs/fhir-mapping.md).

References
----------
- LOINC (Regenstrief Institute), codes of the screening labs as prescreen.md lists them, and the LOINC
  Users' Guide, "Calculating Mod 10 check digits" (the check digit of every LOINC code).
- UCUM, The Unified Code for Units of Measure (Regenstrief), case-sensitive codes: ``10*9/L``, ``10*3/uL``,
  ``g/L``, ``g/dL``, ``umol/L``, ``mg/dL``, ``U/L``, ``[IU]/L``, ``{INR}``, ``%``, ``cm``, ``kg``.
- HL7 FHIR R4B (4.3.0): ObservationStatus, AdministrativeGender, condition-clinical and
  condition-ver-status value sets; v2 table 0203 identifier type ``MR`` (medical record number).
- SNOMED CT International Edition; ICD-10 (WHO, 2019 edition); ICD-9-CM volume 3 procedures (the
  national clinical edition used by Chinese hospital information systems).
"""

from __future__ import annotations

from haictrial.vocabulary.enums import HistoryCondition, LiverDirectedTreatment
from haictrial.vocabulary.units import Analyte

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10 = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm", "http://id.who.int/icd10")
ICD9_PROC = ("http://hl7.org/fhir/sid/icd-9-cm", "urn:oid:2.16.840.1.113883.6.104")
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

#: LOINC code -> screening analyte (docs/contracts/prescreen.md; moles-per-volume variants of bilirubin and creatinine).
LAB_LOINC: dict[str, Analyte] = {
    "6690-2": Analyte.wbc,  # Leukocytes [#/volume] in Blood by Automated count
    "751-8": Analyte.neutrophils,  # Neutrophils [#/volume] in Blood by Automated count
    "777-3": Analyte.platelets,  # Platelets [#/volume] in Blood by Automated count
    "718-7": Analyte.hemoglobin,  # Hemoglobin [Mass/volume] in Blood
    "1975-2": Analyte.total_bilirubin,  # Bilirubin.total [Mass/volume] in Serum or Plasma
    "14631-6": Analyte.total_bilirubin,  # Bilirubin.total [Moles/volume] in Serum or Plasma
    "1751-7": Analyte.albumin,  # Albumin [Mass/volume] in Serum or Plasma
    "6301-6": Analyte.inr,  # INR in Platelet poor plasma by Coagulation assay
    "34714-6": Analyte.inr,  # INR in Blood by Coagulation assay
    "1742-6": Analyte.alt,  # Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    "1920-8": Analyte.ast,  # Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    "2160-0": Analyte.creatinine,  # Creatinine [Mass/volume] in Serum or Plasma
    "14682-9": Analyte.creatinine,  # Creatinine [Moles/volume] in Serum or Plasma
}

#: LOINC code -> (document field, {UCUM code: factor to the field's unit}).
MEASUREMENT_LOINC: dict[str, tuple[str, dict[str, float]]] = {
    "8302-2": ("height_cm", {"cm": 1.0, "m": 100.0}),  # Body height
    "29463-7": ("weight_kg", {"kg": 1.0, "g": 0.001}),  # Body weight
    "10230-1": ("lvef_percent", {"%": 1.0}),  # Left ventricular Ejection fraction
    "19926-5": ("fev1_fvc_percent", {"%": 1.0}),  # FEV1/FVC
}
ECOG_LOINC = "89247-1"  # ECOG Performance Status score
#: LOINC answer codes of 89247-1 (LL529-9) -> ECOG grade 0-4.
ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4}
RED_CELL_LOINC = "789-8"  # Erythrocytes [#/volume] in Blood by Automated count: checked, not a screening field

_CELL = {"10*9/L": "10^9/L", "10*9/l": "10^9/L", "10*3/uL": "10^3/uL", "10*3/mm3": "10^3/uL", "/uL": "/uL"}
_MASS = {"g/L": "g/L", "g/dL": "g/dL", "g/l": "g/L", "g/dl": "g/dL"}
_ENZYME = {"U/L": "U/L", "[IU]/L": "U/L", "U/l": "U/L"}
#: analyte -> {UCUM code: the unit spelling of docs/contracts/screen.md}.
LAB_UCUM: dict[Analyte, dict[str, str]] = {
    Analyte.wbc: _CELL,
    Analyte.neutrophils: _CELL,
    Analyte.platelets: _CELL,
    Analyte.hemoglobin: _MASS,
    Analyte.albumin: _MASS,
    Analyte.total_bilirubin: {"umol/L": "umol/L", "mg/dL": "mg/dL"},
    Analyte.creatinine: {"umol/L": "umol/L", "mg/dL": "mg/dL"},
    Analyte.alt: _ENZYME,
    Analyte.ast: _ENZYME,
    Analyte.inr: {"{INR}": "ratio", "1": "ratio", "{ratio}": "ratio"},
}
RED_CELL_UCUM = {"10*12/L": "10^12/L", "10*6/uL": "10^6/uL"}

#: FHIR R4B ObservationStatus; only these three carry a result to use (final, or corrected after it).
OBSERVATION_STATUSES = {
    "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown",
}  # fmt: skip
USABLE_OBSERVATION = {"final", "amended", "corrected"}
GENDERS = {"male", "female", "other", "unknown"}
CONDITION_CLINICAL = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
CONDITION_VERIFICATION = {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
CURRENT_CONDITION = {"active", "recurrence", "relapse"}
PROCEDURE_STATUSES = {
    "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown",
}  # fmt: skip

#: SNOMED CT concept -> medical-history condition of exclusion E5.
HISTORY_SNOMED: dict[str, HistoryCondition] = {
    "432504007": HistoryCondition.cerebral_infarction,  # Cerebral infarction (disorder)
    "274100004": HistoryCondition.cerebral_hemorrhage,  # Cerebral hemorrhage (disorder)
    "74474003": HistoryCondition.gastrointestinal_hemorrhage,  # Gastrointestinal hemorrhage (disorder)
    "64779008": HistoryCondition.coagulation_disorder,  # Blood coagulation disorder (disorder)
    "13200003": HistoryCondition.gastrointestinal_ulcer,  # Peptic ulcer (disorder)
}
#: ICD-10 category or code prefix -> medical-history condition of exclusion E5.
HISTORY_ICD10: dict[str, HistoryCondition] = {
    "I63": HistoryCondition.cerebral_infarction,  # Cerebral infarction
    "I61": HistoryCondition.cerebral_hemorrhage,  # Intracerebral haemorrhage
    "K92.2": HistoryCondition.gastrointestinal_hemorrhage,  # Gastrointestinal haemorrhage, unspecified
    "K63.1": HistoryCondition.gastrointestinal_perforation,  # Perforation of intestine (nontraumatic)
    "D65": HistoryCondition.coagulation_disorder,  # Disseminated intravascular coagulation
    "D66": HistoryCondition.coagulation_disorder,  # Hereditary factor VIII deficiency
    "D67": HistoryCondition.coagulation_disorder,  # Hereditary factor IX deficiency
    "D68": HistoryCondition.coagulation_disorder,  # Other coagulation defects
    "K25": HistoryCondition.gastrointestinal_ulcer,  # Gastric ulcer
    "K26": HistoryCondition.gastrointestinal_ulcer,  # Duodenal ulcer
    "K27": HistoryCondition.gastrointestinal_ulcer,  # Peptic ulcer, site unspecified
    "K28": HistoryCondition.gastrointestinal_ulcer,  # Gastrojejunal ulcer
}
#: Secondary malignant neoplasms outside the liver (exclusion E1): SNOMED CT concepts and ICD-10 prefixes.
EXTRAHEPATIC_SNOMED = {
    "94391008",  # Secondary malignant neoplasm of lung (disorder)
    "94222008",  # Secondary malignant neoplasm of bone (disorder)
    "94225005",  # Secondary malignant neoplasm of brain (disorder)
}
EXTRAHEPATIC_ICD10 = ("C77", "C78.0", "C78.1", "C78.2", "C78.3", "C78.4", "C78.5", "C78.6", "C78.8", "C79")
PERITONEAL_ICD10 = ("C78.6",)  # Secondary malignant neoplasm of retroperitoneum and peritoneum (exclusion E4)
#: ICD-9-CM volume 3 procedure codes -> prior liver-directed treatment of exclusion E7.
LIVER_PROCEDURE_ICD9: dict[str, LiverDirectedTreatment] = {
    "50.22": LiverDirectedTreatment.resection,  # Partial hepatectomy
    "50.3": LiverDirectedTreatment.resection,  # Lobectomy of liver
    "50.4": LiverDirectedTreatment.resection,  # Total hepatectomy
    "50.23": LiverDirectedTreatment.ablation,  # Open ablation of liver lesion or tissue
    "50.24": LiverDirectedTreatment.ablation,  # Percutaneous ablation of liver lesion or tissue
    "50.25": LiverDirectedTreatment.ablation,  # Laparoscopic ablation of liver lesion or tissue
    "50.26": LiverDirectedTreatment.ablation,  # Other and unspecified ablation of liver lesion or tissue
}


def loinc_check_digit_valid(code: str) -> bool:
    """True when ``code`` is ``digits-checkdigit`` with the LOINC Mod 10 check digit (LOINC Users' Guide).

    The algorithm is the Luhn Mod 10: from the right, every other digit of the code is doubled.
    """
    body, sep, check = code.partition("-")
    if not sep or not body.isdigit() or len(check) != 1 or not check.isdigit() or len(body) > 7:
        return False
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10 == int(check)


def icd_match(code: str, prefixes: tuple[str, ...] | list[str]) -> str | None:
    """The entry of ``prefixes`` that ICD ``code`` falls under (``I63.9`` under ``I63``), else None."""
    text = code.strip().upper()
    for prefix in prefixes:
        if text == prefix or text.startswith(prefix if "." in prefix else prefix + ".") or text[:3] == prefix:
            return prefix
    return None
