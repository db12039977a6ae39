"""Treatment eCRFs: the HAIC cycle (procedure, infusions, labs, weight), targeted-agent administrations
and concomitant medications.

Public names
------------
- :class:`HaicCycleForm` with :class:`HaicProcedure`, :class:`ExtrahepaticCollateral`,
  :class:`DrugInfusion`, :class:`Interruption`, :class:`ProcedureComplicationEntry`, :class:`CycleLabs`;
  enums :class:`AccessSite`, :class:`MicrocatheterPosition`, :class:`CollateralVessel`,
  :class:`EmbolicAgent`, :class:`InfusionComponent`, :class:`InterruptionReason`, :class:`ProcedureComplication`.
- :class:`TargetedAgentAdministration` (bevacizumab on day 1, cetuximab weekly).
- :class:`ConcomitantMedication`.
- ``HAIC_DRUGS``, ``TARGETED_AGENTS``.

Clock times are ISO 8601 date-times with their UTC offset (``2026-02-01T08:30:00+08:00``): the EDC
stores UTC and shows the site's time zone (docs/architecture.md). The dose-deviation rule, the prefill from the
planning engine and the CTCAE grading of the pre-cycle labs are in :mod:`haictrial.clinical.haic_procedure`.

The procedure, as the CHALLENGE-A1 protocol describes its technique: femoral access, 5 F sheath, 3.5 F
catheter for coeliac trunk and superior mesenteric artery angiography, 2.7 F microcatheter placed in
the left, right or proper hepatic artery; extrahepatic collateral vessels found on angiography are
embolised (gelatin sponge or coils) so that the infusion does not reach the stomach or duodenum.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator, model_validator

from haictrial.clinical.crf_base import CrfForm, CrfModel, ShortText, Text, field_error, null_is_empty, rule_error
from haictrial.clinical.limits import dose_limit_problem, lab_limit_problem, within
from haictrial.clinical.messages import N_
from haictrial.clinical.safety_override import SafetyOverride
from haictrial.vocabulary.base import JsonAwareDatetime, JsonBool, JsonDate, JsonInt, JsonNumber, entry_today
from haictrial.vocabulary.enums import Drug
from haictrial.vocabulary.units import LabPanel

#: Drugs given through the hepatic-artery microcatheter (protocol ``regimen.chemotherapy``).
HAIC_DRUGS: frozenset[Drug] = frozenset({Drug.oxaliplatin, Drug.leucovorin, Drug.fluorouracil})
#: Targeted agents given intravenously (protocol ``regimen.bevacizumab`` / ``regimen.cetuximab``).
TARGETED_AGENTS: frozenset[Drug] = frozenset({Drug.bevacizumab, Drug.cetuximab})


def _doses_plausible(
    drug: Drug, planned_dose_mg: float | None, given_dose_mg: float | None, info: ValidationInfo
) -> None:
    """At entry, refuse a planned or given dose outside the drug's limit (clinical.limits.DOSE_MG_LIMITS)."""
    if entry_today(info) is None:
        return
    for field, dose in (("planned_dose_mg", planned_dose_mg), ("given_dose_mg", given_dose_mg)):
        problem = dose_limit_problem(field, drug.value, dose)
        if problem is not None:
            raise field_error(field, problem.message, dose, template=problem.template, params=problem.params)


class AccessSite(StrEnum):
    right_femoral = "right_femoral"
    left_femoral = "left_femoral"


class MicrocatheterPosition(StrEnum):
    """Where the tip of the 2.7 F microcatheter lies during the infusion."""

    left_hepatic_artery = "left_hepatic_artery"
    right_hepatic_artery = "right_hepatic_artery"
    proper_hepatic_artery = "proper_hepatic_artery"


class CollateralVessel(StrEnum):
    """Extrahepatic arteries arising from the hepatic arteries that can carry the infusion off the liver."""

    gastroduodenal_artery = "gastroduodenal_artery"
    right_gastric_artery = "right_gastric_artery"
    accessory_left_gastric_artery = "accessory_left_gastric_artery"
    supraduodenal_artery = "supraduodenal_artery"
    cystic_artery = "cystic_artery"
    falciform_artery = "falciform_artery"
    inferior_phrenic_artery = "inferior_phrenic_artery"
    other = "other"


class EmbolicAgent(StrEnum):
    gelatin_sponge = "gelatin_sponge"
    coils = "coils"


class InfusionComponent(StrEnum):
    """Fluorouracil is given as a bolus and as a 46-hour infusion (protocol ``regimen.chemotherapy``)."""

    bolus = "bolus"
    infusion = "infusion"


class InterruptionReason(StrEnum):
    catheter_displacement = "catheter_displacement"
    catheter_occlusion = "catheter_occlusion"
    pump_malfunction = "pump_malfunction"
    abdominal_pain = "abdominal_pain"
    infusion_reaction = "infusion_reaction"
    patient_request = "patient_request"
    other = "other"


class ProcedureComplication(StrEnum):
    """Complications of the arterial procedure; each is also reported as an adverse event."""

    puncture_site_hematoma = "puncture_site_hematoma"
    pseudoaneurysm = "pseudoaneurysm"
    arterial_dissection = "arterial_dissection"
    hepatic_artery_occlusion = "hepatic_artery_occlusion"
    catheter_displacement = "catheter_displacement"
    catheter_occlusion = "catheter_occlusion"
    contrast_reaction = "contrast_reaction"
    abdominal_pain = "abdominal_pain"
    other = "other"


# --- the HAIC procedure --------------------------------------------------------------------------


class ExtrahepaticCollateral(CrfModel):
    vessel: CollateralVessel
    vessel_other: ShortText | None = Field(None, description="The vessel's name when vessel is 'other'.")
    embolised: JsonBool
    embolic_agents: list[EmbolicAgent] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> ExtrahepaticCollateral:
        if self.vessel == CollateralVessel.other and not self.vessel_other:
            raise rule_error("vessel_other", N_("required when vessel is 'other'"))
        if self.embolised and not self.embolic_agents:
            raise rule_error(
                "embolic_agents", N_("an embolised vessel needs its embolic agent (gelatin_sponge, coils)")
            )
        if not self.embolised and self.embolic_agents:
            raise rule_error("embolic_agents", N_("only for an embolised vessel (embolised: true)"))
        if len(set(self.embolic_agents)) != len(self.embolic_agents):
            raise rule_error("embolic_agents", N_("an agent is listed twice"))
        return self


class HaicProcedure(CrfModel):
    """Arterial access, angiography and microcatheter placement of one cycle."""

    access_site: AccessSite | None = None
    sheath_fr: JsonNumber | None = Field(None, gt=0, le=12, description="Introducer sheath, French (protocol: 5 F).")
    catheter_fr: JsonNumber | None = Field(
        None, gt=0, le=8, description="Angiographic catheter, French (protocol: 3.5 F)."
    )
    coeliac_trunk_angiography: JsonBool | None = None
    sma_angiography: JsonBool | None = Field(None, description="Superior mesenteric artery angiography.")
    microcatheter_fr: JsonNumber | None = Field(
        None, gt=0, le=4, description="Microcatheter, French (protocol: 2.7 F)."
    )
    microcatheter_position: MicrocatheterPosition | None = None
    collaterals: list[ExtrahepaticCollateral] | None = Field(
        None, description="Extrahepatic collateral vessels found; [] = none found, null = not yet recorded."
    )


class Interruption(CrfModel):
    start_at: JsonAwareDatetime
    stop_at: JsonAwareDatetime | None = Field(None, description="Null: the infusion was not resumed.")
    reason: InterruptionReason
    reason_other: ShortText | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Interruption:
        if self.stop_at is not None and self.stop_at < self.start_at:
            raise rule_error("stop_at", N_("is before start_at"))
        if self.reason == InterruptionReason.other and not self.reason_other:
            raise rule_error("reason_other", N_("required when reason is 'other'"))
        return self


class DrugInfusion(CrfModel):
    """One HAIC drug of the cycle: the planned dose (from the planning engine) and what was given."""

    drug: Drug
    component: InfusionComponent | None = Field(None, description="Fluorouracil only: bolus or infusion.")
    planned_dose_mg: JsonNumber | None = Field(None, gt=0, description="From plan_cycle, dose modification included.")
    planned_dose_level: JsonInt | None = Field(None, ge=0, description="Dose level of settings.dose_modification.")
    planned_dose_modification: Text | None = Field(None, description="Why the plan changed the dose, if it did.")
    given_dose_mg: JsonNumber | None = Field(None, ge=0)
    start_at: JsonAwareDatetime | None = None
    stop_at: JsonAwareDatetime | None = None
    interruptions: list[Interruption] = Field(default_factory=list)
    deviation_reason: Text | None = Field(
        None, description="Why the given dose differs from the planned one (required over the protocol threshold)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DrugInfusion:
        if self.drug not in HAIC_DRUGS:
            raise rule_error(
                "drug", N_("{drug} is not a hepatic arterial drug; record it as targeted_agent"), drug=self.drug.value
            )
        if self.drug == Drug.fluorouracil and self.component is None:
            raise rule_error("component", N_("fluorouracil needs its component: bolus or infusion"))
        if self.drug != Drug.fluorouracil and self.component is not None:
            raise rule_error("component", N_("only fluorouracil has a bolus and an infusion component"))
        if self.start_at is not None and self.stop_at is not None and self.stop_at < self.start_at:
            raise rule_error("stop_at", N_("is before start_at"))
        for i, pause in enumerate(self.interruptions):
            if self.start_at is not None and pause.start_at < self.start_at:
                raise rule_error(f"interruptions.{i}.start_at", N_("is before the infusion's start_at"))
            end = pause.stop_at or pause.start_at
            if self.stop_at is not None and end > self.stop_at:
                raise rule_error(f"interruptions.{i}.stop_at", N_("is after the infusion's stop_at"))
        return self

    @model_validator(mode="after")
    def _plausible(self, info: ValidationInfo) -> DrugInfusion:
        _doses_plausible(self.drug, self.planned_dose_mg, self.given_dose_mg, info)
        return self

    @property
    def label(self) -> str:
        return f"{self.drug.value} {self.component.value}" if self.component else self.drug.value


class ProcedureComplicationEntry(CrfModel):
    complication: ProcedureComplication
    verbatim: ShortText | None = Field(None, description="Required when complication is 'other'.")

    @model_validator(mode="after")
    def _other_needs_words(self) -> ProcedureComplicationEntry:
        if self.complication == ProcedureComplication.other and not self.verbatim:
            raise rule_error("verbatim", N_("required when complication is 'other'"))
        return self


class CycleLabs(CrfModel, LabPanel):
    """Laboratory values drawn before the cycle, each ``{value, unit}``; graded with CTCAE v5.0."""

    date: JsonDate | None = None

    @model_validator(mode="after")
    def _units_known_values_possible(self, info: ValidationInfo) -> CycleLabs:
        problem = self.first_problem()
        if problem is not None:
            raise field_error(*problem)
        refused = lab_limit_problem(self) if entry_today(info) is not None else None
        if refused is not None:
            raise field_error(refused.field, refused.message, template=refused.template, params=refused.params)
        return self


class HaicCycleForm(CrfForm):
    """The HAIC cycle eCRF: one admission for one cycle of hepatic arterial FOLFOX."""

    cycle: JsonInt = Field(ge=1)
    admission_date: JsonDate | None = None
    discharge_date: JsonDate | None = None
    procedure: HaicProcedure = Field(default_factory=HaicProcedure)
    infusions: list[DrugInfusion] = Field(default_factory=list)
    catheter_removed_at: JsonAwareDatetime | None = None
    complications: list[ProcedureComplicationEntry] | None = Field(
        None, description="Procedure complications; [] = none, null = not yet recorded."
    )
    pre_cycle_labs: CycleLabs = Field(default_factory=CycleLabs)
    weight_kg: Annotated[JsonNumber, within("weight_kg")] | None = Field(
        None, gt=0, description="Weight at this admission: the next cycle's BSA uses it."
    )

    safety_override: SafetyOverride | None = Field(
        None, description="The investigator's override when the plan delays this cycle or holds a drug given."
    )

    _null_is_empty = field_validator("procedure", "pre_cycle_labs", mode="before")(null_is_empty)

    @model_validator(mode="after")
    def _consistent(self) -> HaicCycleForm:
        if self.admission_date and self.discharge_date and self.discharge_date < self.admission_date:
            raise rule_error("discharge_date", N_("is before admission_date"))
        seen: dict[tuple[Drug, InfusionComponent | None], int] = {}
        for i, infusion in enumerate(self.infusions):
            key = (infusion.drug, infusion.component)
            if key in seen:
                raise rule_error(
                    f"infusions.{i}.drug",
                    N_("{infusion} is already recorded (infusions[{index}])"),
                    infusion=infusion.label,
                    index=seen[key],
                )
            seen[key] = i
        if self.catheter_removed_at is not None:
            for i, infusion in enumerate(self.infusions):
                if infusion.stop_at is not None and self.catheter_removed_at < infusion.stop_at:
                    raise rule_error(
                        "catheter_removed_at",
                        N_("is before the end of the {infusion} infusion (infusions[{index}])"),
                        infusion=infusion.label,
                        index=i,
                    )
        return self


# --- targeted agents and concomitant medications ----------------------------------------------------


class TargetedAgentAdministration(CrfForm):
    """One intravenous dose of bevacizumab (day 1 of each cycle) or cetuximab (weekly)."""

    drug: Drug
    cycle: JsonInt = Field(ge=1)
    day: JsonInt = Field(ge=1, description="Day of the cycle (day 1 = the HAIC admission).")
    date: JsonDate | None = None
    planned_dose_mg: JsonNumber | None = Field(None, gt=0)
    given_dose_mg: JsonNumber | None = Field(None, ge=0)
    start_at: JsonAwareDatetime | None = None
    stop_at: JsonAwareDatetime | None = None
    deviation_reason: Text | None = None
    safety_override: SafetyOverride | None = Field(
        None, description="The investigator's override when the plan delays this cycle or holds this agent."
    )

    @model_validator(mode="after")
    def _consistent(self) -> TargetedAgentAdministration:
        if self.drug not in TARGETED_AGENTS:
            raise rule_error(
                "drug", N_("{drug} is not a targeted agent (bevacizumab, cetuximab)"), drug=self.drug.value
            )
        if self.start_at is not None and self.stop_at is not None and self.stop_at < self.start_at:
            raise rule_error("stop_at", N_("is before start_at"))
        return self

    @model_validator(mode="after")
    def _plausible(self, info: ValidationInfo) -> TargetedAgentAdministration:
        _doses_plausible(self.drug, self.planned_dose_mg, self.given_dose_mg, info)
        return self


class ConcomitantMedication(CrfForm):
    """A medication other than the study drugs."""

    name: ShortText
    indication: ShortText | None = None
    start_date: JsonDate | None = None
    stop_date: JsonDate | None = None
    ongoing: JsonBool | None = None
    dose_text: ShortText | None = Field(None, description="Dose, route and frequency as written, e.g. '10 mg po qd'.")

    @model_validator(mode="after")
    def _consistent(self) -> ConcomitantMedication:
        if self.start_date and self.stop_date and self.stop_date < self.start_date:
            raise rule_error("stop_date", N_("is before start_date"))
        if self.stop_date is not None and self.ongoing:
            raise rule_error("ongoing", N_("a medication with a stop date is not ongoing"))
        return self


__all__ = [
    "HAIC_DRUGS",
    "TARGETED_AGENTS",
    "AccessSite",
    "CollateralVessel",
    "ConcomitantMedication",
    "CycleLabs",
    "DrugInfusion",
    "EmbolicAgent",
    "ExtrahepaticCollateral",
    "HaicCycleForm",
    "HaicProcedure",
    "InfusionComponent",
    "Interruption",
    "InterruptionReason",
    "MicrocatheterPosition",
    "ProcedureComplication",
    "ProcedureComplicationEntry",
    "TargetedAgentAdministration",
]
