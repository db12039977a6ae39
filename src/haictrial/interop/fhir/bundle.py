"""A screening document (docs/contracts/screen.md) from a FHIR R4B Bundle.

The Bundle is parsed by fhir.resources (``fhir.resources.R4B.bundle.Bundle``); the code bindings and unit
codes it does not check are checked here against :mod:`haictrial.interop.fhir.codes`. What the bundle says
fills the document: Patient (birth date, sex), Observations by LOINC code, Conditions and Procedures that
answer a criterion. What it does not say stays absent, so the criteria that need it stay ``unknown``: a
Condition absent from a bundle never means the patient does not have it. Names and medical record numbers
go to ``identifiers`` (the EDC keeps them apart), never into a clinical field.

References
----------
- HL7 FHIR R4B (4.3.0): Bundle, Patient, Observation, Condition, Procedure.
- Mapping table: docs/fhir-mapping.md (LOINC, UCUM, SNOMED CT, ICD-10, ICD-9-CM-3).
- Labs "the latest value in the 30 days before the index date": docs/contracts/prescreen.md.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from haictrial.clinical.patient import Patient
from haictrial.documents import parse_model
from haictrial.errors import InputError, UnitError
from haictrial.interop.fhir import codes
from haictrial.vocabulary.units import Analyte, accepted_units, normalise_unit, red_cell_count_to_si, to_si

#: Labs older than this before the screening date are not used (docs/contracts/prescreen.md: 30 days).
LAB_WINDOW_DAYS = 30


@dataclass
class ImportedScreening:
    """The screening document, the identifiers kept apart from it, and what was left out and why."""

    document: dict[str, Any]
    identifiers: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The document with ``identifiers`` (the screening API body, without ``site``)."""
        out = dict(self.document)
        if self.identifiers:
            out["identifiers"] = dict(self.identifiers)
        return out


def parse_bundle(text: str | bytes) -> Bundle:
    """The Bundle in ``text``; InputError naming the first invalid element otherwise."""
    try:
        return Bundle.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "bundle"
        raise InputError(f"not a valid FHIR R4B Bundle: {error['msg']}", field=where) from None
    except ValueError as exc:
        raise InputError(f"not a valid FHIR R4B Bundle: {exc}", field="bundle") from None


def _name(resource: Any) -> str:
    return f"{resource.get_resource_type()}/{resource.id or '?'}"


def _codings(concept: Any) -> list[tuple[str, str]]:
    if concept is None:
        return []
    return [(c.system or "", c.code or "") for c in concept.coding or []]


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None  # a partial date (year or year-month) does not place an event on a calendar day


def _effective(obs: Any) -> dt.date | None:
    if obs.effectiveDateTime is not None:
        return _date(obs.effectiveDateTime)
    if obs.effectivePeriod is not None:
        return _date(obs.effectivePeriod.end or obs.effectivePeriod.start)
    if obs.effectiveInstant is not None:
        return _date(obs.effectiveInstant)
    return _date(obs.issued)


def _status(resource: Any, value: Any, allowed: set[str], path: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text: str | None = value
    else:  # a CodeableConcept: its first coding's code
        text = next((c.code for c in value.coding or [] if c.code), None)
        if text is None:
            return None
    if text not in allowed:
        raise InputError(
            f"{text!r} is not a code of the FHIR R4B value set ({', '.join(sorted(allowed))})",
            field=f"{_name(resource)}.{path}",
        )
    return str(text)


def _identifiers(patient: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in patient.name or []:
        if name.use in ("old", "anonymous"):
            continue
        text = name.text
        if not text:
            given = " ".join(name.given or [])
            family = name.family or ""
            cjk = any("\u3400" <= ch <= "\u9fff" for ch in family + given)
            text = f"{family}{given}" if cjk else " ".join(p for p in (given, family) if p)
        if text:
            out["full_name"] = text
            break
    for ident in patient.identifier or []:
        types = _codings(ident.type)
        if (codes.IDENTIFIER_TYPE, "MR") in types and ident.value:
            out["hospital_number"] = ident.value
            break
    return out


class _Reader:
    """One pass over the bundle's resources, filling the document."""

    def __init__(self, screening_date: dt.date | None) -> None:
        self.screening_date = screening_date
        self.doc: dict[str, Any] = {}
        self.identifiers: dict[str, str] = {}
        self.notes: list[str] = []
        self.labs: dict[Analyte, tuple[dt.date | None, dict[str, Any]]] = {}
        self.measurements: dict[str, tuple[dt.date | None, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.treatments: list[str] = []

    # --- Patient ---
    def patient(self, res: Any) -> None:
        if "sex" in self.doc or "birth_date" in self.doc or self.identifiers:
            raise InputError("the bundle holds more than one Patient; import one patient at a time", field=_name(res))
        gender = _status(res, res.gender, codes.GENDERS, "gender")
        if gender in ("male", "female"):
            self.doc["sex"] = gender
        elif gender is not None:
            self.notes.append(f"{_name(res)}: gender {gender!r} is not a sex the ranges use; sex left unknown")
        birth = _date(res.birthDate)
        if birth is not None:
            self.doc["birth_date"] = birth.isoformat()
        self.identifiers = _identifiers(res)

    # --- Observation ---
    def _in_window(self, when: dt.date | None, res: Any) -> bool:
        if self.screening_date is None or when is None:
            return True
        if when > self.screening_date or (self.screening_date - when).days > LAB_WINDOW_DAYS:
            self.notes.append(
                f"{_name(res)}: dated {when}, outside the {LAB_WINDOW_DAYS} days up to the screening date; not used"
            )
            return False
        return True

    def observation(self, res: Any) -> None:
        status = _status(res, res.status, codes.OBSERVATION_STATUSES, "status")
        loinc = [code for system, code in _codings(res.code) if system == codes.LOINC]
        for code in loinc:
            if not codes.loinc_check_digit_valid(code):
                raise InputError(f"{code!r} is not a LOINC code (check digit)", field=f"{_name(res)}.code")
        known = [c for c in loinc if c in codes.LAB_LOINC or c in codes.MEASUREMENT_LOINC]
        known += [c for c in loinc if c in (codes.ECOG_LOINC, codes.RED_CELL_LOINC)]
        if not known:
            self.notes.append(f"{_name(res)}: no LOINC code haictrial reads ({', '.join(loinc) or 'none'}); not used")
            return
        if status not in codes.USABLE_OBSERVATION:
            self.notes.append(f"{_name(res)}: status {status!r}, not a final result; not used")
            return
        code = known[0]
        when = _effective(res)
        if not self._in_window(when, res):
            return
        if code == codes.ECOG_LOINC:
            self._ecog(res, when)
            return
        quantity = res.valueQuantity
        if quantity is None or quantity.value is None:
            self.notes.append(f"{_name(res)} (LOINC {code}): no value ({_absent(res)}); left unknown")
            return
        if quantity.comparator:
            self.notes.append(
                f"{_name(res)} (LOINC {code}): {quantity.comparator}{quantity.value} is not exact; left unknown"
            )
            return
        value = float(quantity.value)
        if not math.isfinite(value):
            raise InputError("not a finite number", field=f"{_name(res)}.valueQuantity.value")
        if code == codes.RED_CELL_LOINC:
            unit = _unit(res, quantity, codes.RED_CELL_UCUM, lambda u: red_cell_count_to_si(value, u), code)
            self.notes.append(f"{_name(res)} (LOINC {code}): red cell count {value} {unit}; not a screening field")
            return
        if code in codes.MEASUREMENT_LOINC:
            name, factors = codes.MEASUREMENT_LOINC[code]
            ucum = quantity.code if quantity.system == codes.UCUM else (quantity.code or quantity.unit)
            if ucum not in factors:
                raise UnitError(
                    f"unknown unit {ucum!r} for LOINC {code}; use UCUM {', '.join(factors)}",
                    field=f"{_name(res)}.valueQuantity.code",
                )
            self._keep(self.measurements, name, when, round(value * factors[ucum], 6))
            return
        analyte = codes.LAB_LOINC[code]
        unit = _unit(res, quantity, codes.LAB_UCUM[analyte], lambda u: to_si(analyte, value, u), code)
        unit = spelling(unit, accepted_units(analyte))
        self._keep(self.labs, analyte, when, {"value": value, "unit": unit})

    def _ecog(self, res: Any, when: dt.date | None) -> None:
        grade: int | None = None
        if res.valueInteger is not None:
            grade = int(res.valueInteger)
        elif res.valueCodeableConcept is not None:
            for system, code in _codings(res.valueCodeableConcept):
                if system == codes.LOINC and code in codes.ECOG_ANSWERS:
                    grade = codes.ECOG_ANSWERS[code]
        elif res.valueQuantity is not None and res.valueQuantity.value is not None:
            grade = int(res.valueQuantity.value) if res.valueQuantity.value == int(res.valueQuantity.value) else None
        if grade is None or not 0 <= grade <= 4:
            raise InputError(
                "ECOG performance status must be 0-4 (or a LOINC answer LA9622-7 ... LA9626-8)",
                field=f"{_name(res)}.value",
            )
        self._keep(self.measurements, "ecog", when, grade)

    @staticmethod
    def _keep(store: dict[Any, Any], key: Any, when: dt.date | None, value: Any) -> None:
        """Keep the latest dated value (an undated one only when nothing dated exists)."""
        current = store.get(key)
        if current is None or (when is not None and (current[0] is None or when >= current[0])):
            store[key] = (when, value)

    # --- Condition ---
    def condition(self, res: Any) -> None:
        clinical = _status(res, res.clinicalStatus, codes.CONDITION_CLINICAL, "clinicalStatus")
        verification = _status(res, res.verificationStatus, codes.CONDITION_VERIFICATION, "verificationStatus")
        if verification in ("refuted", "entered-in-error"):
            self.notes.append(f"{_name(res)}: verification {verification}; not used")
            return
        found = False
        onset = _date(res.onsetDateTime) or (_date(res.onsetPeriod.start) if res.onsetPeriod else None)
        for system, code in _codings(res.code):
            condition = None
            if system == codes.SNOMED:
                condition = codes.HISTORY_SNOMED.get(code)
                if code in codes.EXTRAHEPATIC_SNOMED and clinical in codes.CURRENT_CONDITION:
                    self.doc["extrahepatic_metastasis"] = found = True
            elif system in codes.ICD10:
                prefix = codes.icd_match(code, list(codes.HISTORY_ICD10))
                condition = codes.HISTORY_ICD10[prefix] if prefix else None
                if clinical in codes.CURRENT_CONDITION and codes.icd_match(code, codes.EXTRAHEPATIC_ICD10):
                    self.doc["extrahepatic_metastasis"] = found = True
                if clinical in codes.CURRENT_CONDITION and codes.icd_match(code, codes.PERITONEAL_ICD10):
                    self.doc["peritoneal_spread"] = True
            if condition is not None:
                entry: dict[str, Any] = {"condition": condition.value}
                if onset is not None:
                    entry["date"] = onset.isoformat()
                if entry not in self.history:
                    self.history.append(entry)
                found = True
        if not found:
            self.notes.append(f"{_name(res)}: no code that answers a criterion; not used")

    # --- Procedure ---
    def procedure(self, res: Any) -> None:
        status = _status(res, res.status, codes.PROCEDURE_STATUSES, "status")
        for system, code in _codings(res.code):
            treatment = codes.LIVER_PROCEDURE_ICD9.get(code.strip()) if system in codes.ICD9_PROC else None
            if treatment is not None and status == "completed":
                if treatment.value not in self.treatments:
                    self.treatments.append(treatment.value)
                return
        self.notes.append(f"{_name(res)}: not a completed liver resection or ablation code; not used")

    def result(self) -> ImportedScreening:
        doc = dict(self.doc)
        if self.screening_date is not None:
            doc["screening_date"] = self.screening_date.isoformat()
        for name, (_when, value) in sorted(self.measurements.items()):
            doc[name] = value
        if self.labs:
            doc["labs"] = {a.value: v for a, (_when, v) in sorted(self.labs.items(), key=lambda kv: kv[0].value)}
        if self.history:
            doc["medical_history"] = self.history
        if self.treatments:
            doc["prior_liver_directed_treatment"] = self.treatments
        return ImportedScreening(document=doc, identifiers=self.identifiers, notes=self.notes)


def _absent(res: Any) -> str:
    reason = _codings(res.dataAbsentReason)
    return f"data absent: {reason[0][1]}" if reason else "no valueQuantity"


def _unit(res: Any, quantity: Any, table: dict[str, str], check: Any, loinc: str) -> str:
    """The contract unit of ``quantity``: its UCUM code through ``table``, or the unit as a lab writes it
    ("G/L") when :mod:`haictrial.vocabulary.units` knows it for the analyte; UnitError naming the observation."""
    where = f"{_name(res)}.valueQuantity"
    if quantity.system == codes.UCUM and quantity.code in table:
        return table[quantity.code]
    text = quantity.code or quantity.unit
    if not text:
        raise UnitError(f"LOINC {loinc}: the value has no unit", field=f"{where}.unit")
    try:
        check(text)
    except UnitError as exc:
        raise UnitError(
            f"LOINC {loinc}: {exc.message}", field=f"{where}.{'code' if quantity.code else 'unit'}"
        ) from None
    return str(text)


def spelling(text: str, accepted: list[str]) -> str:
    """The accepted spelling of the unit ``text`` ("Ｇ／Ｌ" -> "G/L"; "x10^9/L" -> "10^9/L")."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if plain in accepted:
        return plain
    folded = [u for u in accepted if normalise_unit(u) == normalise_unit(text)]
    return folded[0] if folded else text


def import_bundle(text: str | bytes, screening_date: dt.date | None = None) -> ImportedScreening:
    """The screening document of the one patient in the FHIR R4B Bundle ``text``.

    ``screening_date`` (the reference date of screen.md) is not in FHIR: given, it is the document's
    ``screening_date`` and labs must fall within the :data:`LAB_WINDOW_DAYS` before it.
    Raises InputError / UnitError naming the resource for a bundle haictrial cannot read.
    """
    bundle = parse_bundle(text)
    reader = _Reader(screening_date)
    handlers = {
        "Patient": reader.patient,
        "Observation": reader.observation,
        "Condition": reader.condition,
        "Procedure": reader.procedure,
    }
    for entry in bundle.entry or []:
        res = entry.resource
        if res is None:
            continue
        handler = handlers.get(res.get_resource_type())
        if handler is None:
            continue
        handler(res)
    imported = reader.result()
    parse_model(Patient, imported.document)  # impossible values are errors naming the document field
    return imported
