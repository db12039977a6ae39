"""Adverse events: the CTCAE v5.0 term and grade, seriousness, attribution, outcome and the SAE clock.

An adverse event (AE) is recorded with its CTCAE v5.0 term and grade (1-5). Severity (the grade) and
seriousness are different things: a grade 4 neutropenia is not serious unless it meets a
seriousness criterion (ICH E2A section II.B), and a grade 2 event that prolongs a hospital stay is.
A serious adverse event (SAE) starts a reporting clock when the site becomes aware of it: the
initial report is due ``settings.sae_initial_report_hours`` later (protocol site setting, default 24 h).

References
----------
- National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 November
  2017: terms, system organ classes (SOC), grades 1-5 ("Grade 5: death related to AE") and the
  "<SOC> - Other, specify" convention for events without a term.
- ICH E2A, Clinical Safety Data Management: Definitions and Standards for Expedited Reporting (1994),
  section II.B: a serious adverse event results in death, is life-threatening, requires inpatient
  hospitalisation or its prolongation, results in persistent or significant disability/incapacity, is a
  congenital anomaly/birth defect, or is an important medical event.
- ICH E6(R2) Good Clinical Practice, 4.11.1: the investigator reports all SAEs to the sponsor
  immediately; the protocol sets the hour limit (``sae_initial_report_hours``).
- Attribution scale (unrelated, unlikely, possible, probable, definite): NCI CTEP adverse event
  reporting guidelines; possible, probable and definite count as related.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from haictrial.clinical.ctcae import CtcaeTerm
from haictrial.clinical.ctcae_soc import organ_system, system_organ_class
from haictrial.clinical.ctcae_terms import ctcae_v5_term
from haictrial.clinical.messages import N_
from haictrial.errors import InputError
from haictrial.vocabulary.base import JsonDate, JsonDatetime, JsonInt, StrictModel
from haictrial.vocabulary.enums import RELATED_ATTRIBUTIONS, Attribution, Drug

if TYPE_CHECKING:
    from haictrial.protocol.schema import Protocol

#: The attribution target for the hepatic arterial infusion procedure itself (catheter, puncture).
HAIC_PROCEDURE = "haic_procedure"


class SeriousnessCriterion(StrEnum):
    """ICH E2A section II.B seriousness criteria."""

    death = "death"
    life_threatening = "life_threatening"
    hospitalisation = "hospitalisation"
    disability = "disability"
    congenital_anomaly = "congenital_anomaly"
    important_medical_event = "important_medical_event"


#: Attributions that count as related (NCI CTEP: possible, probable, definite); the scale itself is
#: :class:`haictrial.vocabulary.enums.Attribution`, shared with the eCRF, the reports and the SDTM export.
RELATED: frozenset[Attribution] = frozenset(RELATED_ATTRIBUTIONS)


class ActionTaken(StrEnum):
    """Action taken with study treatment because of the event."""

    none = "none"
    dose_reduced = "dose_reduced"
    dose_delayed = "dose_delayed"
    drug_interrupted = "drug_interrupted"
    drug_withdrawn = "drug_withdrawn"


class Outcome(StrEnum):
    """Outcome of the event (ICH E2B(R3) E.i.7 categories)."""

    recovered = "recovered"
    recovering = "recovering"
    not_recovered = "not_recovered"
    recovered_with_sequelae = "recovered_with_sequelae"
    fatal = "fatal"
    unknown = "unknown"


class SaeStatus(StrEnum):
    """Where an event stands on the SAE reporting clock."""

    not_serious = "not_serious"
    reported = "reported"
    due = "due"
    overdue = "overdue"


@dataclass(frozen=True)
class KnownTerm:
    """A term this regimen is known for, with its CTCAE v5.0 system organ class.

    ``ctcae_v5`` is False for the protocol's grouping terms that CTCAE v5.0 itself splits by site
    (it has no generic "Hemorrhage"): they are accepted because the protocol's dose-modification rules
    use them, and ``note`` names the site-specific CTCAE terms to prefer.
    """

    term: str
    soc: str
    ctcae_v5: bool = True
    note: str = ""


_GI = "Gastrointestinal disorders"
_HB = "Hepatobiliary disorders"
_INV = "Investigations"
_VASC = "Vascular disorders"
_INJ = "Injury, poisoning and procedural complications"
_GEN = "General disorders and administration site conditions"
_BLOOD = "Blood and lymphatic system disorders"

#: The term CTCAE v5.0 uses for an event without a term of its own in the Vascular disorders SOC.
VASCULAR_OTHER = "Vascular disorders - Other, specify"

#: Pre-listed terms: the FOLFOX, bevacizumab, cetuximab and hepatic-arterial-infusion toxicities.
KNOWN_TERMS: tuple[KnownTerm, ...] = (
    # oxaliplatin, fluorouracil, leucovorin (FOLFOX)
    KnownTerm("Peripheral sensory neuropathy", "Nervous system disorders"),
    KnownTerm("Diarrhea", _GI),
    KnownTerm("Nausea", _GI),
    KnownTerm("Vomiting", _GI),
    KnownTerm("Mucositis oral", _GI),
    KnownTerm("Abdominal pain", _GI),
    KnownTerm("Fatigue", _GEN),
    KnownTerm("Febrile neutropenia", _BLOOD),
    KnownTerm("Allergic reaction", "Immune system disorders"),
    # the graded laboratory terms (clinical/ctcae.py)
    KnownTerm(CtcaeTerm.white_blood_cell_decreased.value, _INV),
    KnownTerm(CtcaeTerm.neutrophil_count_decreased.value, _INV),
    KnownTerm(CtcaeTerm.platelet_count_decreased.value, _INV),
    KnownTerm(CtcaeTerm.anemia.value, _BLOOD),
    KnownTerm(CtcaeTerm.blood_bilirubin_increased.value, _INV),
    KnownTerm(CtcaeTerm.alanine_aminotransferase_increased.value, _INV),
    KnownTerm(CtcaeTerm.aspartate_aminotransferase_increased.value, _INV),
    KnownTerm(CtcaeTerm.creatinine_increased.value, _INV),
    # bevacizumab
    KnownTerm("Hypertension", _VASC),
    KnownTerm("Proteinuria", "Renal and urinary disorders"),
    KnownTerm(
        "Hemorrhage",
        _VASC,
        ctcae_v5=False,
        note="Protocol grouping; CTCAE v5.0 grades bleeding by site: record e.g. Upper gastrointestinal "
        "hemorrhage, Lower gastrointestinal hemorrhage, Hepatic hemorrhage, Intra-abdominal hemorrhage, Epistaxis.",
    ),
    KnownTerm(
        "Gastrointestinal hemorrhage",
        _GI,
        ctcae_v5=False,
        note="Grouping; CTCAE v5.0 terms are Upper / Lower gastrointestinal hemorrhage and site terms.",
    ),
    KnownTerm("Upper gastrointestinal hemorrhage", _GI),
    KnownTerm("Lower gastrointestinal hemorrhage", _GI),
    KnownTerm("Hepatic hemorrhage", _HB),
    KnownTerm("Intra-abdominal hemorrhage", _GI),
    KnownTerm(
        "Gastrointestinal perforation",
        _GI,
        ctcae_v5=False,
        note="Protocol grouping; CTCAE v5.0 grades perforation by site (e.g. Colonic perforation, "
        "Small intestinal perforation, Gastric perforation, Duodenal perforation).",
    ),
    KnownTerm("Thromboembolic event", _VASC),
    # cetuximab
    KnownTerm("Rash acneiform", "Skin and subcutaneous tissue disorders"),
    KnownTerm("Hypomagnesemia", "Metabolism and nutrition disorders"),
    KnownTerm("Infusion related reaction", _INJ),
    # hepatic arterial infusion: catheter, femoral puncture, the hepatic artery, the biliary tree
    KnownTerm("Vascular access complication", _INJ),
    KnownTerm("Injection site reaction", _GEN, note="Also used here for puncture-site complications."),
    KnownTerm(
        VASCULAR_OTHER,
        _VASC,
        note="Hepatic artery injury (dissection, occlusion, pseudoaneurysm) is not a CTCAE term: "
        "record it here with the verbatim 'Hepatic artery injury'.",
    ),
    KnownTerm("Biliary tract infection", "Infections and infestations", note="Cholangitis is recorded here."),
    KnownTerm("Cholecystitis", _HB),
    KnownTerm("Hepatic failure", _HB),
)

_BY_LOWER: dict[str, KnownTerm] = {k.term.lower(): k for k in KNOWN_TERMS}


def known_term(term: str) -> KnownTerm | None:
    """The pre-listed entry for ``term`` (case-insensitive), or None for a free-text term."""
    return _BY_LOWER.get(term.strip().lower())


def hepatic_artery_injury(**fields: Any) -> AdverseEvent:
    """An adverse event of hepatic artery injury, coded as CTCAE v5.0 requires (Other, specify)."""
    return AdverseEvent(term=VASCULAR_OTHER, verbatim="Hepatic artery injury", **fields)


class Attributions(StrictModel):
    """Attribution of the event to each study drug and to the HAIC procedure; None = not assessed
    (for example the targeted agent the patient does not receive)."""

    oxaliplatin: Attribution | None = None
    leucovorin: Attribution | None = None
    fluorouracil: Attribution | None = None
    bevacizumab: Attribution | None = None
    cetuximab: Attribution | None = None
    haic_procedure: Attribution | None = None


def strongest_attribution(attributions: Attributions) -> Attribution | None:
    """The strongest attribution given to any drug or to the procedure, or None when none was assessed.

    References
    ----------
    NCI CTEP Guidelines for Adverse Event Reporting: the five-point scale, unrelated to definite; an event is
    reported at its strongest attribution.
    """
    scale = list(Attribution)
    given = [value for value in attributions.model_dump(mode="python").values() if value is not None]
    return max(given, key=scale.index) if given else None


def _attribution_target(target: Drug | str) -> str:
    text = str(target.value if isinstance(target, Drug) else target)
    if text != HAIC_PROCEDURE and text not in {d.value for d in Drug}:
        allowed = ", ".join([*(d.value for d in Drug), HAIC_PROCEDURE])
        raise InputError.of(
            N_("unknown attribution target {text!r}; use one of: {allowed}"), "attribution", text=text, allowed=allowed
        )
    return text


def _aware(value: dt.datetime | None, field: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise InputError.of(N_("a date-time needs its UTC offset (e.g. 2026-02-01T08:30:00+08:00)"), field)


class AdverseEvent(StrictModel):
    """One adverse event of one subject.

    References
    ----------
    CTCAE v5.0 (term, grade 1-5); ICH E2A II.B (seriousness criteria); ICH E6(R2) 4.11.1 (SAE reporting).
    """

    subject_id: str | None = None
    term: str = Field(min_length=1, description="CTCAE v5.0 term; free text is allowed but flagged.")
    verbatim: str | None = Field(None, description="The investigator's words; required for 'Other, specify'.")
    system_organ_class: str | None = Field(
        None, description="CTCAE v5.0 system organ class: derived from a CTCAE term, chosen for 'Other, specify'."
    )
    grade: JsonInt = Field(ge=1, le=5, description="CTCAE grade; 5 = death related to the AE.")
    seriousness: list[SeriousnessCriterion] = Field(default_factory=list, description="ICH E2A criteria met.")
    attribution: Attributions = Field(default_factory=Attributions)
    onset_date: JsonDate
    resolution_date: JsonDate | None = None
    action_taken: ActionTaken
    outcome: Outcome
    aware_at: JsonDatetime | None = Field(None, description="When the site became aware (starts the SAE clock).")
    reported_at: JsonDatetime | None = Field(None, description="When the initial SAE report was sent.")

    @field_validator("term", mode="before")
    @classmethod
    def _canonical_term(cls, value: Any) -> Any:
        if isinstance(value, str):
            entry = known_term(value)
            return entry.term if entry else value.strip()
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AdverseEvent:
        if self.term.lower().endswith("- other, specify") and not (self.verbatim and self.verbatim.strip()):
            raise InputError.of(N_("{term!r} needs the verbatim term"), "verbatim", term=self.term)
        _soc_consistent(self.term, self.system_organ_class)
        if len(set(self.seriousness)) != len(self.seriousness):
            raise InputError.of(N_("a seriousness criterion is listed twice"), "seriousness")
        if self.resolution_date is not None and self.resolution_date < self.onset_date:
            raise InputError.of(
                N_("resolution date {resolution_date} is before onset date {onset_date}"),
                "resolution_date",
                resolution_date=str(self.resolution_date),
                onset_date=str(self.onset_date),
            )
        death = SeriousnessCriterion.death in self.seriousness
        if self.grade == 5 and self.outcome != Outcome.fatal:
            raise InputError.of(N_("grade 5 (death related to the AE) needs outcome 'fatal'"), "outcome")
        if self.grade == 5 and not death:
            raise InputError.of(
                N_("grade 5 (death related to the AE) needs the seriousness criterion 'death'"), "seriousness"
            )
        if self.outcome == Outcome.fatal and self.grade != 5:
            raise InputError.of(N_("outcome 'fatal' means death related to the AE: that is grade 5"), "grade")
        if death and self.outcome != Outcome.fatal:
            raise InputError.of(N_("seriousness 'death' needs outcome 'fatal'"), "outcome")
        _aware(self.aware_at, "aware_at")
        _aware(self.reported_at, "reported_at")
        if self.seriousness and self.aware_at is None:
            raise InputError.of(N_("a serious event needs aware_at: when the site became aware of it"), "aware_at")
        if self.reported_at is not None and self.aware_at is not None and self.reported_at < self.aware_at:
            raise InputError.of(N_("the report cannot be sent before the site became aware"), "reported_at")
        return self

    @property
    def known(self) -> KnownTerm | None:
        return known_term(self.term)

    @property
    def pre_listed(self) -> bool:
        """True when the term is one of :data:`KNOWN_TERMS`; free text is flagged False."""
        return self.known is not None

    @property
    def ctcae_v5_term(self) -> str | None:
        """The canonical CTCAE v5.0 spelling of the term when haictrial's vocabulary knows it
        (:mod:`haictrial.clinical.ctcae_terms`); None for free text, which a monitor should query."""
        return ctcae_v5_term(self.term)

    @property
    def soc(self) -> str | None:
        """The CTCAE v5.0 system organ class of a pre-listed term; None for free text."""
        entry = self.known
        return entry.soc if entry else None

    @property
    def is_serious(self) -> bool:
        """Meets at least one ICH E2A seriousness criterion (the grade alone never makes an SAE)."""
        return bool(self.seriousness)

    def related(self, drug: Drug | str) -> bool:
        """Whether the event is related to ``drug`` (or ``"haic_procedure"``): possible, probable or
        definite. An unassessed attribution is not related."""
        value: Attribution | None = getattr(self.attribution, _attribution_target(drug))
        return value in RELATED


def _soc_consistent(term: str, soc: str | None) -> None:
    """A given system organ class is one of CTCAE v5.0's and the term's own (CTCAE v5.0, NCI 2017)."""
    if soc is None:
        return
    if system_organ_class(soc) != soc:
        raise InputError.of(N_("{soc!r} is not a CTCAE v5.0 system organ class"), "system_organ_class", soc=soc)
    derived = organ_system(term)
    if derived is not None and derived != soc:
        raise InputError.of(
            N_("{term!r} belongs to {derived!r} in CTCAE v5.0, not {soc!r}"),
            "system_organ_class",
            term=term,
            derived=derived,
            soc=soc,
        )


def sae_initial_report_hours(protocol: Protocol) -> int:
    """The protocol's ``settings.sae_initial_report_hours`` (CHALLENGE-A1: 24 h); the protocol file is the one
    copy of the limit."""
    return int(protocol.settings.sae_initial_report_hours.value)


def sae_report_due(aware_at: dt.datetime, protocol: Protocol) -> dt.datetime:
    """When the initial SAE report is due: ``aware_at`` + the protocol's initial-report hours.

    References
    ----------
    ICH E6(R2) 4.11.1 (immediate reporting to the sponsor), ICH E2A II.B (what is serious);
    protocol setting ``sae_initial_report_hours`` (default 24).
    """
    _aware(aware_at, "aware_at")
    return aware_at + dt.timedelta(hours=sae_initial_report_hours(protocol))


def sae_status(event: AdverseEvent, now: dt.datetime, protocol: Protocol) -> SaeStatus:
    """``not_serious``, ``reported`` (initial report sent), ``due`` (until and at the deadline) or
    ``overdue`` (after it). ``now`` must carry its UTC offset."""
    _aware(now, "now")
    if not event.is_serious:
        return SaeStatus.not_serious
    if event.reported_at is not None:
        return SaeStatus.reported
    assert event.aware_at is not None  # a serious event always has one (validator)
    due = sae_report_due(event.aware_at, protocol)
    return SaeStatus.overdue if now > due else SaeStatus.due


__all__ = [
    "AdverseEvent",
    "Attributions",
    "Attribution",
    "ActionTaken",
    "Outcome",
    "SeriousnessCriterion",
    "SaeStatus",
    "KnownTerm",
    "KNOWN_TERMS",
    "RELATED",
    "HAIC_PROCEDURE",
    "VASCULAR_OTHER",
    "known_term",
    "hepatic_artery_injury",
    "sae_initial_report_hours",
    "sae_report_due",
    "sae_status",
]
