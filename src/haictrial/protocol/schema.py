"""The pydantic schema of a protocol file: the trial as data.

One validated file holds the registry record, the eligibility criteria with their computable
thresholds, the regimen, the targeted-agent rule, the schedule, the endpoints and every setting the
registered record leaves open (each marked as a site setting with its default). The engines read
this model; nothing clinical is hard-coded twice.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field, model_validator

from haictrial.errors import UnitError
from haictrial.vocabulary.base import StrictModel
from haictrial.vocabulary.enums import Drug, PrimarySite, Sex
from haictrial.vocabulary.units import Analyte, to_si

T = TypeVar("T")


class SiteSetting(StrictModel, Generic[T]):
    """A value the registered record leaves open: each site may set ``value``; ``default`` is ours."""

    value: T
    default: T
    site_setting: Literal[True] = True
    description: str


# --- registry record -------------------------------------------------------------------------


class Arm(StrictModel):
    label: str
    type: str
    description: str
    interventions: list[str]


class Intervention(StrictModel):
    type: str
    name: str
    description: str


class Registry(StrictModel):
    """The ClinicalTrials.gov record (NCT06988852)."""

    nct_id: str = Field(pattern=r"^NCT\d{8}$")
    acronym: str
    brief_title: str
    official_title: str
    sponsor: str
    phase: str
    study_type: str
    allocation: str
    intervention_model: str
    masking: str
    primary_purpose: str
    target_enrollment: int = Field(gt=0)
    start_date: date
    primary_completion_date: date | None = None
    completion_date: date
    conditions: list[str]
    keywords: list[str] = []
    arms: list[Arm]
    interventions: list[Intervention]

    @model_validator(mode="after")
    def _dates_ordered(self) -> Registry:
        if self.completion_date < self.start_date:
            raise ValueError("completion_date is before start_date")
        return self


# --- eligibility ---------------------------------------------------------------------------


class CriterionKind(StrEnum):
    inclusion = "inclusion"
    exclusion = "exclusion"


CRITERION_IDS = [f"I{i}" for i in range(1, 9)] + [f"E{i}" for i in range(1, 9)]


class Criterion(StrictModel):
    """One registered eligibility criterion: its fixed id, kind and the registered wording."""

    id: Literal["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]
    kind: CriterionKind
    text: str = Field(min_length=1)
    text_zh: str | None = None


class AgeThreshold(StrictModel):
    min_years: int = Field(ge=0)
    max_years: int = Field(le=120)

    @model_validator(mode="after")
    def _ordered(self) -> AgeThreshold:
        if self.min_years > self.max_years:
            raise ValueError("min_years is above max_years")
        return self


class OrganFunctionThreshold(StrictModel):
    """I6: cardiac, pulmonary and performance status."""

    lvef_min_percent: float = Field(ge=0, le=100)
    fev1_fvc_min_percent: float = Field(ge=0, le=100)
    ecog_max: int = Field(ge=0, le=4)


class LabLimit(StrictModel):
    """A lower or upper limit on a screening laboratory value, in the stated unit."""

    test: Analyte
    min: float | None = None
    max: float | None = None
    unit: str

    @model_validator(mode="after")
    def _one_bound_and_known_unit(self) -> LabLimit:
        if self.min is None and self.max is None:
            raise ValueError("a lab limit needs min or max")
        try:
            to_si(self.test, 1.0, self.unit, field="unit")
        except UnitError as exc:
            raise ValueError(exc.message) from None
        return self

    def min_si(self) -> float | None:
        return None if self.min is None else to_si(self.test, self.min, self.unit)

    def max_si(self) -> float | None:
        return None if self.max is None else to_si(self.test, self.max, self.unit)


class EligibilityThresholds(StrictModel):
    """The computable thresholds of the criteria (the registered record's numbers)."""

    I1_age: AgeThreshold
    I5_measurable_min_mm: float = Field(gt=0, description="RECIST 1.1 measurable lesion: longest diameter >= 10 mm.")
    I6_organ_function: OrganFunctionThreshold
    I7_child_pugh_classes: list[Literal["A", "B", "C"]] = Field(min_length=1)
    I8_labs: list[LabLimit] = Field(min_length=1)
    E5_recent_event_months: int = Field(gt=0, description="Lookback in calendar months before screening_date.")
    E5_recent_conditions: list[str]
    E5_any_time_conditions: list[str]


class Eligibility(StrictModel):
    criteria: list[Criterion]
    thresholds: EligibilityThresholds

    @model_validator(mode="after")
    def _all_sixteen_once(self) -> Eligibility:
        ids = [c.id for c in self.criteria]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"criterion ids repeated: {', '.join(duplicates)}")
        missing = [i for i in CRITERION_IDS if i not in ids]
        if missing:
            raise ValueError(f"criteria missing: {', '.join(missing)}")
        for c in self.criteria:
            expected = CriterionKind.inclusion if c.id.startswith("I") else CriterionKind.exclusion
            if c.kind != expected:
                raise ValueError(f"criterion {c.id} must be of kind {expected.value}")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)


# --- regimen -------------------------------------------------------------------------------


class DoseUnit(StrEnum):
    mg_per_m2 = "mg/m2"
    mg_per_kg = "mg/kg"


class Route(StrEnum):
    hepatic_arterial = "hepatic_arterial"
    intravenous = "intravenous"


class ChemotherapyComponent(StrictModel):
    """One hepatic-arterial FOLFOX administration, hours from the start of the cycle."""

    drug: Drug
    component: str | None = Field(None, description="'bolus' or 'infusion' for fluorouracil.")
    dose: float = Field(gt=0)
    dose_unit: DoseUnit
    route: Route
    day: int = Field(ge=1)
    start_h: float = Field(ge=0)
    end_h: float = Field(ge=0)

    @model_validator(mode="after")
    def _ends_after_start(self) -> ChemotherapyComponent:
        if self.end_h < self.start_h:
            raise ValueError("end_h is before start_h")
        return self


class Bevacizumab(StrictModel):
    dose: float = Field(gt=0)
    dose_unit: Literal[DoseUnit.mg_per_kg] = DoseUnit.mg_per_kg
    route: Route
    days: list[int] = Field(min_length=1)


class Cetuximab(StrictModel):
    loading_dose: float = Field(gt=0, description="First dose of the first cycle.")
    maintenance_dose: float = Field(gt=0)
    dose_unit: Literal[DoseUnit.mg_per_m2] = DoseUnit.mg_per_m2
    route: Route


class Regimen(StrictModel):
    name: str
    cycle_length_days: int = Field(gt=0)
    chemotherapy: list[ChemotherapyComponent] = Field(min_length=1)
    bevacizumab: Bevacizumab
    cetuximab: Cetuximab


class TargetedAgentRule(StrictModel):
    """Bevacizumab if the primary is right-sided or any listed gene is mutant; else cetuximab."""

    right_sided_sites: list[PrimarySite]
    left_sided_sites: list[PrimarySite]
    genes: list[Literal["kras", "nras", "braf"]] = Field(min_length=1)
    if_right_sided_or_mutant: Literal[Drug.bevacizumab]
    otherwise: Literal[Drug.cetuximab]


# --- dose modification ---------------------------------------------------------------------


class DoseModificationRule(StrictModel):
    """For a CTCAE term at the listed grades: what happens to the next cycle."""

    term: str
    grades: list[int] = Field(min_length=1)
    delay: bool = Field(False, description="Delay the whole cycle until the toxicity is grade <= delay_until_grade.")
    hold: list[Drug] = Field(default_factory=list, description="Leave these drugs out of this cycle only.")
    reduce: list[Drug] = Field(default_factory=list, description="One dose level down, persisting.")
    discontinue: list[Drug] = Field(default_factory=list, description="Stop permanently.")
    note: str | None = None

    @model_validator(mode="after")
    def _grades_valid(self) -> DoseModificationRule:
        if any(g < 1 or g > 5 for g in self.grades):
            raise ValueError("grades must be 1-5")
        return self


class DoseModification(StrictModel):
    delay_until_grade: int = Field(ge=0, le=2)
    max_delay_days: int = Field(gt=0)
    dose_levels: dict[str, list[float]] = Field(
        description="Drug (or 'fluorouracil_bolus', 'fluorouracil_infusion') -> doses, level 0 first."
    )
    rules: list[DoseModificationRule]
    default_rule: DoseModificationRule = Field(description="Applied to a term no rule names.")

    @model_validator(mode="after")
    def _levels_decrease(self) -> DoseModification:
        for drug, levels in self.dose_levels.items():
            if not levels or any(b > a for a, b in zip(levels, levels[1:], strict=False)):
                raise ValueError(f"dose_levels.{drug} must list doses from level 0 down, never increasing")
        return self


# --- schedule, endpoints, settings ---------------------------------------------------------


class Visit(StrictModel):
    """A visit type of the schedule and the eCRF forms expected at it."""

    id: str
    label: str
    label_zh: str | None = None
    forms: list[str]


class Schedule(StrictModel):
    visits: list[Visit]
    haic_window_days: int = Field(ge=0)
    follow_up_every_months: int = Field(gt=0)
    follow_up_window_days: int = Field(ge=0)
    follow_up_years: int = Field(gt=0)


class Endpoint(StrictModel):
    id: str
    kind: Literal["primary", "secondary"]
    title: str
    definition: str
    time_frame: str


class Range(StrictModel):
    lln: float | None = None
    uln: float | None = None


class LabReferenceRange(StrictModel):
    """A default reference range; sex-specific where the source gives one."""

    unit: str
    lln: float | None = None
    uln: float | None = None
    male: Range | None = None
    female: Range | None = None
    source: str

    def for_sex(self, sex: Sex | str | None) -> Range:
        """The range for ``sex``; the sex-neutral one when there is none or sex is unknown."""
        if sex is not None:
            specific = getattr(self, Sex(sex).value)
            if specific is not None:
                return specific
        if self.lln is None and self.uln is None:
            # Sex-specific only: with sex unknown take the wider union so no normal value is flagged.
            assert self.male is not None and self.female is not None
            lows = [r.lln for r in (self.male, self.female) if r.lln is not None]
            highs = [r.uln for r in (self.male, self.female) if r.uln is not None]
            return Range(lln=min(lows) if lows else None, uln=max(highs) if highs else None)
        return Range(lln=self.lln, uln=self.uln)


class ConsentSettings(StrictModel):
    """Informed consent: the ICF versions the ethics committee approved (ICH E6(R2) 4.8.1, 4.8.8)."""

    icf_versions: SiteSetting[list[str]] = Field(
        default_factory=lambda: SiteSetting[list[str]](
            value=["1.0"],
            default=["1.0"],
            description="Approved informed consent form versions; enrolment refuses any other.",
        )
    )

    @model_validator(mode="after")
    def _some_version(self) -> ConsentSettings:
        if not self.icf_versions.value:
            raise ValueError("settings.consent.icf_versions: at least one approved ICF version is needed")
        return self


def _default_dose_entry_error_percent() -> SiteSetting[float]:
    return SiteSetting[float](
        value=125.0,
        default=125.0,
        description="A given dose above this percentage of the planned dose is refused as an entry error.",
    )


def _site(value: Any, description: str) -> Any:
    """A site setting field whose default is ``value`` (a fresh copy for each protocol)."""
    kind: Any = SiteSetting[type(value)]  # type: ignore[misc]
    return Field(default_factory=lambda: kind(value=value, default=value, description=description))


class InterimDesign(StrictModel):
    """The interim analysis of the primary endpoint (CTRR) and of toxicity, as site settings with defaults.

    The defaults are the statistician's design assumptions, set here until the statistical section of the
    protocol fixes them; each site (or the sponsor) may change them in the protocol file.

    References
    ----------
    Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials 1989;10:1-10,
    doi:10.1016/0197-2456(89)90015-9. Lee JJ, Liu DD. A predictive probability design for phase II cancer
    clinical trials. Clin Trials 2008;5:93-106, doi:10.1177/1740774508089279. Thall PF, Simon RM, Estey EH.
    Bayesian sequential monitoring designs for single-arm clinical trials with multiple outcomes. Stat Med
    1995;14:357-379, doi:10.1002/sim.4780140404.
    """

    ctrr_no_interest: SiteSetting[float] = _site(0.20, "CTRR of no interest (p0 of the Simon design and of Lee-Liu).")
    ctrr_of_interest: SiteSetting[float] = _site(0.35, "CTRR of interest (p1 of the Simon design).")
    alpha: SiteSetting[float] = _site(0.05, "One-sided type I error of the Simon two-stage design.")
    power: SiteSetting[float] = _site(0.80, "Power of the Simon two-stage design at the CTRR of interest.")
    look_sizes: SiteSetting[list[int]] = _site(
        [50, 100, 150, 200, 250], "Numbers of evaluable patients at which the interim looks are made."
    )
    predictive_prior_a: SiteSetting[float] = _site(0.2, "Beta prior a of the CTRR (Lee-Liu); prior mean a/(a+b).")
    predictive_prior_b: SiteSetting[float] = _site(0.8, "Beta prior b of the CTRR (Lee-Liu).")
    predictive_theta_t: SiteSetting[float] = _site(0.90, "Success at n = nmax: P(CTRR > p0 | data) > theta_t.")
    predictive_theta_l: SiteSetting[float] = _site(0.05, "Stop for futility when the predictive probability < this.")
    toxicity_limit: SiteSetting[float] = _site(
        0.30, "Highest acceptable rate of patients with a related grade 3-5 adverse event (CTCAE v5.0)."
    )
    toxicity_threshold: SiteSetting[float] = _site(0.80, "Stop when P(toxicity rate > limit | data) > this.")
    toxicity_prior_a: SiteSetting[float] = _site(0.3, "Beta prior a of the toxicity rate (Thall-Simon-Estey).")
    toxicity_prior_b: SiteSetting[float] = _site(0.7, "Beta prior b of the toxicity rate.")


class Settings(StrictModel):
    """Everything the registered record leaves open; each is a site setting with its default."""

    splenic_flexure_side: SiteSetting[Literal["left", "right"]]
    imaging_every_cycles: SiteSetting[int]
    imaging_window_days: SiteSetting[int]
    cetuximab_days: SiteSetting[list[int]]
    recist_confirmation_days: SiteSetting[int]
    recist_min_sd_days: SiteSetting[int]
    sae_initial_report_hours: SiteSetting[int]
    dose_deviation_reason_percent: SiteSetting[float]
    site_time_zone: SiteSetting[str]
    reference_ranges: SiteSetting[dict[Analyte, LabReferenceRange]]
    dose_modification: SiteSetting[DoseModification]
    consent: ConsentSettings = Field(default_factory=ConsentSettings)
    dose_entry_error_percent: SiteSetting[float] = Field(default_factory=_default_dose_entry_error_percent)
    interim: InterimDesign = Field(default_factory=InterimDesign)


class Protocol(StrictModel):
    """A whole protocol file."""

    schema_version: Literal[1]
    protocol_id: str
    version: str = Field(description="Protocol version; stored with every derived value.")
    registry: Registry
    eligibility: Eligibility
    regimen: Regimen
    targeted_agent: TargetedAgentRule
    schedule: Schedule
    endpoints: list[Endpoint] = Field(min_length=1)
    settings: Settings

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        cycle = self.regimen.cycle_length_days
        for day in self.settings.cetuximab_days.value:
            if not 1 <= day <= cycle:
                raise ValueError(f"settings.cetuximab_days: day {day} is outside the {cycle}-day cycle")
        sides = set(self.targeted_agent.right_sided_sites) & set(self.targeted_agent.left_sided_sites)
        if sides:
            raise ValueError(f"targeted_agent: {', '.join(sorted(sides))} listed as both right and left")
        rule = self.targeted_agent
        if PrimarySite.splenic_flexure in rule.right_sided_sites + rule.left_sided_sites:
            raise ValueError("targeted_agent: the splenic flexure is classed by settings.splenic_flexure_side")
        if not any(e.kind == "primary" for e in self.endpoints):
            raise ValueError("endpoints: no primary endpoint")
        return self

    def is_right_sided(self, site: PrimarySite) -> bool:
        """Sidedness of a primary site, with the splenic flexure classed by the site setting."""
        if site == PrimarySite.splenic_flexure:
            return self.settings.splenic_flexure_side.value == "right"
        return site in self.targeted_agent.right_sided_sites

    def summary(self) -> dict[str, Any]:
        return {"protocol_id": self.protocol_id, "version": self.version, "nct_id": self.registry.nct_id}
