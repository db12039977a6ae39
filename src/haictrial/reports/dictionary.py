"""The data dictionary of the analysis data sets: every column with its type, unit, definition and source.

The analysis data sets are the one interface between the sources of trial data (the EDC database,
the synthetic cohort) and the analysis: adapters (``from_synth``, ``from_database``) build the
*source* columns, :func:`haictrial.reports.datasets.prepare` checks them against this dictionary,
applies the data cut-off and adds the *derived* columns. The shape follows CDISC ADaM's
subject-level (ADSL), basic (ADRS, ADAE, ADEX) and time-to-event (ADTTE) structures, with clinical
names rather than ADaM's eight-letter codes.

References
----------
CDISC Analysis Data Model (ADaM) v2.1 and ADaM Basic Data Structure for Time-to-Event Analyses v1.0.
RECIST 1.1: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026.
Morphologic response: Chun YS et al., JAMA 2009;302:2338-2344, doi:10.1001/jama.2009.1778.
CTCAE v5.0 (NCI, 2017); attribution scale of the NCI Adverse Event Reporting guidelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from haictrial.clinical.follow_up import EndOfStudyReason
from haictrial.clinical.resectability import MdtDecision
from haictrial.vocabulary.enums import RELATED_ATTRIBUTIONS, Attribution

Kind = Literal["string", "int", "float", "bool", "date"]

SEXES = ("male", "female")
SIDES = ("left", "right")
MUTATION = ("wild_type", "mutant", "unknown")
AGENTS = ("bevacizumab", "cetuximab")
NO_AGENT = "no_targeted_agent"  # the analysis group of patients the agent rule could not assign
#: RECIST 1.1 best overall responses; NON_CR_NON_PD is the "stable" best response of a patient with
#: non-target disease only (RECIST 1.1 Table 2 footnote), as the RECIST engine reports it.
BEST_RESPONSES = ("CR", "PR", "SD", "NON_CR_NON_PD", "PD", "NE")
TIMEPOINT_RESPONSES = ("CR", "PR", "SD", "PD", "NE", "NON_CR_NON_PD")
MORPHOLOGIC = ("optimal", "incomplete", "none")
MDT_DECISIONS = tuple(d.value for d in MdtDecision)  # the MDT review eCRF's codes
MARGINS = ("R0", "R1", "R2")
OFF_STUDY = tuple(r.value for r in EndOfStudyReason)  # the end-of-study eCRF's codes
ATTRIBUTIONS = tuple(a.value for a in Attribution)  # the NCI CTEP scale, unrelated .. definite
RELATED = tuple(a.value for a in RELATED_ATTRIBUTIONS)
ENDPOINTS = ("OS", "PFS", "RFS")


@dataclass(frozen=True)
class Column:
    """One column of an analysis data set."""

    name: str
    kind: Kind
    definition: str
    source: str
    unit: str = ""
    required: bool = True
    nullable: bool = False
    derived: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetSpec:
    """One analysis data set: its name, what one row is, and its columns."""

    name: str
    label: str
    row: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def source_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.derived)


def _c(name: str, kind: Kind, definition: str, source: str, **kw: object) -> Column:
    return Column(name, kind, definition, source, **kw)  # type: ignore[arg-type]


_SUBJECT = _c("subject_id", "string", "Subject identifier, CHA-SSS-NNNN.", "EDC subject record")

ADSL = DatasetSpec(
    "adsl",
    "Subject-level analysis data set",
    "one row per enrolled subject",
    (
        _SUBJECT,
        _c("site", "string", "Site code (3 digits).", "EDC subject record"),
        _c("enrolment_date", "date", "Date of enrolment; time zero of OS and PFS.", "EDC enrolment"),
        _c("age_years", "int", "Age at enrolment in completed years.", "screening eCRF", unit="years"),
        _c("sex", "string", "Sex.", "screening eCRF", values=SEXES),
        _c("ecog", "int", "ECOG performance status at screening (0-5).", "screening eCRF (criterion I6)"),
        _c("primary_site", "string", "Site of the primary tumour, caecum to rectum.", "screening eCRF"),
        _c(
            "sidedness",
            "string",
            "Side of the primary: right (caecum to transverse colon) or left; the splenic flexure by the "
            "protocol's splenic_flexure_side setting.",
            "derived by the adapter with Protocol.is_right_sided",
            values=SIDES,
        ),
        _c(
            "ras_status",
            "string",
            "RAS status: mutant if KRAS or NRAS is mutant, wild_type if both are wild type, else unknown.",
            "screening eCRF (molecular)",
            values=MUTATION,
        ),
        _c("braf_status", "string", "BRAF V600E status.", "screening eCRF (molecular)", values=MUTATION),
        _c("lesion_count", "int", "Number of liver metastases at baseline imaging.", "baseline imaging eCRF"),
        _c(
            "largest_lesion_mm",
            "float",
            "Longest diameter of the largest liver metastasis at baseline.",
            "baseline imaging eCRF",
            unit="mm",
        ),
        _c("cea_ng_ml", "float", "Serum CEA at baseline.", "baseline laboratory eCRF", unit="ng/mL", nullable=True),
        _c(
            "targeted_agent",
            "string",
            "Targeted agent assigned by the protocol's rule: bevacizumab if right-sided or RAS/BRAF mutant, "
            "cetuximab if left-sided and all wild type; null when the rule could not choose (a test missing).",
            "EDC enrolment (clinical/regimen rule)",
            nullable=True,
            values=AGENTS,
        ),
        _c(
            "best_overall_response",
            "string",
            "RECIST 1.1 best overall response up to the first progression or resection, CR/PR only if "
            "confirmed (RECIST 1.1 section 4.4 and Table 3); null if never assessed after baseline.",
            "imaging eCRF, RECIST engine",
            nullable=True,
            values=BEST_RESPONSES,
        ),
        _c(
            "best_percent_change",
            "float",
            "Most negative (or least positive) change of the sum of target-lesion diameters from baseline over "
            "every assessment with a complete sum: the waterfall value (RECIST engine, evaluate_recist).",
            "imaging eCRF, RECIST engine",
            unit="%",
            nullable=True,
        ),
        _c("response_confirmed", "bool", "The CR or PR was confirmed.", "RECIST engine", nullable=True),
        _c(
            "morphologic_response",
            "string",
            "CT morphologic response of the metastases (Chun 2009): optimal, incomplete or none.",
            "imaging eCRF",
            nullable=True,
            values=MORPHOLOGIC,
        ),
        _c(
            "mdt_decision",
            "string",
            "The multidisciplinary team's last resectability decision; null if never reviewed.",
            "MDT review eCRF",
            nullable=True,
            values=MDT_DECISIONS,
        ),
        _c("resection_date", "date", "Date of the liver resection.", "resection eCRF", nullable=True),
        _c(
            "resection_margin",
            "string",
            "Resection margin: R0 (>= 1 mm, per the primary endpoint), R1 or R2; set when resection_date is.",
            "resection eCRF (pathology)",
            nullable=True,
            values=MARGINS,
        ),
        _c("progression_date", "date", "First RECIST 1.1 progression.", "imaging eCRF", nullable=True),
        _c("recurrence_date", "date", "First recurrence after resection.", "follow-up eCRF", nullable=True),
        _c("death_date", "date", "Date of death, any cause.", "follow-up / end-of-study eCRF", nullable=True),
        _c(
            "last_contact_date",
            "date",
            "Last date the subject was known alive (or the death date).",
            "follow-up eCRF",
        ),
        _c(
            "off_study_reason",
            "string",
            "Why the subject left the study; null while on study or in follow-up.",
            "end-of-study eCRF",
            nullable=True,
            values=OFF_STUDY,
        ),
        _c("resected", "bool", "Any liver resection (resection_date set).", "derived", derived=True),
        _c(
            "converted",
            "bool",
            "Primary endpoint event: an R0 resection of the liver metastases.",
            "derived: resection_margin == R0",
            derived=True,
        ),
        _c("cycles_received", "int", "HAIC cycles given by the cut-off.", "derived from ADEX", derived=True),
        _c(
            "first_treatment_date",
            "date",
            "Date of the first HAIC cycle; null if never treated.",
            "derived from ADEX",
            derived=True,
            nullable=True,
        ),
        _c(
            "last_treatment_date",
            "date",
            "Date of the last HAIC cycle; null if never treated.",
            "derived from ADEX",
            derived=True,
            nullable=True,
        ),
        _c(
            "status",
            "string",
            "Status at the cut-off: died, in_follow_up, or the end-of-study reason (off_study_reason).",
            "derived from death_date and off_study_reason",
            derived=True,
        ),
    ),
)

ADRS = DatasetSpec(
    "adrs",
    "Response assessments",
    "one row per imaging assessment (the baseline included)",
    (
        _SUBJECT,
        _c("assessment_date", "date", "Date of the imaging assessment.", "imaging eCRF"),
        _c("baseline", "bool", "The baseline assessment.", "imaging eCRF"),
        _c("sum_mm", "float", "Sum of target-lesion diameters.", "imaging eCRF", unit="mm", nullable=True),
        _c(
            "percent_change",
            "float",
            "Change of the sum of diameters from baseline; 0 at baseline.",
            "RECIST engine",
            unit="%",
            nullable=True,
        ),
        _c(
            "overall_response",
            "string",
            "RECIST 1.1 time-point overall response (Table 1); null at baseline.",
            "RECIST engine",
            nullable=True,
            values=TIMEPOINT_RESPONSES,
        ),
        _c("study_day", "int", "Days from enrolment (enrolment = day 0).", "derived", derived=True),
    ),
)

ADAE = DatasetSpec(
    "adae",
    "Adverse events",
    "one row per adverse event",
    (
        _SUBJECT,
        _c("term", "string", "CTCAE v5.0 term.", "adverse event eCRF"),
        _c("grade", "int", "CTCAE v5.0 grade, 1-5.", "adverse event eCRF"),
        _c("serious", "bool", "Serious adverse event (ICH E2A).", "adverse event eCRF"),
        _c("onset_date", "date", "Date of onset.", "adverse event eCRF"),
        _c(
            "attribution",
            "string",
            "Relation to the study treatment (NCI five-level attribution).",
            "adverse event eCRF",
            values=ATTRIBUTIONS,
        ),
    ),
)

ADEX = DatasetSpec(
    "adex",
    "Exposure: HAIC cycles",
    "one row per HAIC cycle given",
    (
        _SUBJECT,
        _c("cycle", "int", "Cycle number, from 1.", "HAIC cycle eCRF"),
        _c("cycle_date", "date", "Day 1 of the cycle.", "HAIC cycle eCRF"),
        _c(
            "delay_days",
            "int",
            "Days the cycle started after its planned day 1 (0 if on time).",
            "HAIC cycle eCRF",
            unit="days",
        ),
        _c(
            "dose_modified",
            "bool",
            "Any drug of the cycle given below its starting dose level, held or discontinued.",
            "HAIC cycle eCRF (dose modification engine)",
        ),
        _c(
            "delayed",
            "bool",
            "The cycle was delayed beyond the protocol's HAIC visit window.",
            "derived: delay_days > schedule.haic_window_days",
            derived=True,
        ),
    ),
)

ADTTE = DatasetSpec(
    "adtte",
    "Time-to-event endpoints",
    "one row per subject and endpoint (RFS only for subjects with an R0/R1 resection)",
    (
        _SUBJECT,
        _c("endpoint", "string", "OS, PFS or RFS (protocol endpoints os, pfs, rfs).", "derived", values=ENDPOINTS),
        _c(
            "start_date",
            "date",
            "Time zero: enrolment for OS and PFS, the resection for RFS.",
            "derived",
        ),
        _c(
            "event_or_censor_date",
            "date",
            "Date of the event, or of censoring (last contact, at most the cut-off).",
            "derived",
        ),
        _c("time_days", "int", "Days from time zero to the event or censoring.", "derived", unit="days"),
        _c(
            "event",
            "int",
            "1 = event (OS: death; PFS: progression, recurrence or death; RFS: recurrence or death), 0 = censored.",
            "derived",
        ),
    ),
    # every column of ADTTE is derived from ADSL
)

SCREENING = DatasetSpec(
    "screening_log",
    "Screening log",
    "one row per screening",
    (
        _c("screening_id", "string", "Screening identifier.", "EDC screening"),
        _c("site", "string", "Site code.", "EDC screening"),
        _c("screening_date", "date", "Date of screening.", "EDC screening"),
        _c("eligible", "bool", "Every criterion passed.", "screening engine"),
        _c(
            "failed_criteria",
            "string",
            "Criterion ids that failed or stayed unknown, separated by ';' (I1-I8, E1-E8); empty if eligible.",
            "screening engine",
            nullable=True,
        ),
        _c(
            "subject_id",
            "string",
            "The subject id given at enrolment; null if not enrolled.",
            "EDC enrolment",
            nullable=True,
        ),
        _c(
            "person_id",
            "string",
            "The same for every screening of one person (same site and hospital number, or same name and birth "
            "date): CONSORT counts persons assessed for eligibility, not screening rows; null if unknown.",
            "EDC identifiers",
            nullable=True,
        ),
    ),
)

SPECS: dict[str, DatasetSpec] = {s.name: s for s in (ADSL, ADRS, ADAE, ADEX, ADTTE, SCREENING)}


def dictionary_rows() -> list[dict[str, str]]:
    """The whole data dictionary as rows (data set, column, type, unit, definition, source, values)."""
    rows = []
    for spec in SPECS.values():
        for col in spec.columns:
            rows.append(
                {
                    "dataset": spec.name,
                    "column": col.name,
                    "type": col.kind,
                    "unit": col.unit,
                    "nullable": "yes" if col.nullable else "no",
                    "derived": "yes" if col.derived or spec is ADTTE else "no",
                    "values": "|".join(col.values),
                    "definition": col.definition,
                    "source": col.source,
                }
            )
    return rows


def dictionary_markdown() -> str:
    """The data dictionary as Markdown, one section per data set."""
    lines = ["# Data dictionary of the analysis data sets", ""]
    for spec in SPECS.values():
        lines += [f"## {spec.name}: {spec.label}", "", f"One row: {spec.row}.", ""]
        lines += ["| column | type | unit | definition | source | values |", "|---|---|---|---|---|---|"]
        for col in spec.columns:
            cells = [
                col.name,
                col.kind + ("" if not col.nullable else ", nullable"),
                col.unit,
                col.definition,
                col.source,
                ", ".join(col.values),
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
