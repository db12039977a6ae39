"""The OMOP concept sets behind the conditions, procedures and observations of the pre-screen.

Each set is written as codes of a standard vocabulary, never as a name to search for: SNOMED CT concepts
(with all their descendants, through the CDM's ``concept_ancestor``), and, for records kept with their
source codes, ICD-10-CM categories (``condition_source_concept_id``) and CPT-4 / ICD-10-PCS procedure codes
(a code and every code that starts with it). The CDM's own ``concept`` table turns the codes into its
``concept_id`` values at run time, so the same sets work on any vocabulary release. docs/prescreen-omop.md
lists every code with its name and, where it is fixed, the OMOP concept id.

A record found is evidence; a record absent is not: nothing here ever sets a field to "no" (an empty
condition table says nothing about a patient's history), so the criteria without a matching record stay
``unknown`` with the field to obtain.

References: OMOP CDM 5.4 (https://ohdsi.github.io/CommonDataModel/cdm54.html: condition_occurrence,
procedure_occurrence, measurement, observation, concept_ancestor); SNOMED CT International Edition;
ICD-10-CM (CDC/NCHS); ICD-10-PCS and CPT-4 (procedure codes); LOINC 2.76; RxNorm (NLM) ingredients;
OMOP Type Concept vocabulary; mCODE STU3 (primary cancer: descendants of SNOMED 363346000 excluding those of
128462008); NCT06988852 criteria I2, I4, I6, E1, E3, E4, E5, E7 and the primary tumour site (screen.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haictrial.vocabulary.enums import Drug, HistoryCondition, LiverDirectedTreatment, PrimarySite


@dataclass(frozen=True)
class ConceptSet:
    """Codes of a concept set: SNOMED CT concepts and RxNorm ingredients with their descendants, plus
    source-code prefixes.

    ``excluded`` names SNOMED concepts whose descendants, and whose ancestors, are taken out: an
    unspecific ancestor (``Malignant neoplasm of large intestine``) could describe the excluded disease
    itself, so it is no evidence of another one.
    """

    snomed: tuple[str, ...] = ()
    rxnorm: tuple[str, ...] = ()
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded: tuple[str, ...] = ()
    excluded_prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)


# --- SNOMED CT codes (International Edition; OMOP concept ids where fixed, in docs/prescreen-omop.md) ---
MALIGNANT_NEOPLASTIC_DISEASE = "363346000"  # Malignant neoplastic disease (OMOP 443392)
SECONDARY_MALIGNANT_NEOPLASTIC_DISEASE = "128462008"  # Secondary malignant neoplastic disease
SECONDARY_MALIGNANT_NEOPLASM_OF_LIVER = "94381002"  # Secondary malignant neoplasm of liver
MALIGNANT_TUMOR_OF_COLON = "363406005"  # Malignant tumor of colon (OMOP 4180790)
MALIGNANT_TUMOR_OF_RECTUM = "363351006"  # Malignant tumor of rectum (OMOP 443390)
MALIGNANT_TUMOR_OF_RECTOSIGMOID = "363414004"  # Malignant tumor of rectosigmoid junction

#: ICD-10-CM C00-C96 (malignant neoplasms) without C18-C20 (colorectal), C77-C79 (secondary) and C80
#: (malignant neoplasm without specification of site: it may be the colorectal primary itself).
_ICD10_MALIGNANT = tuple(f"C{n:02d}" for n in range(97) if n not in (18, 19, 20, 77, 78, 79, 80))

#: I2 "no history of other malignancy": a malignant neoplasm other than the colorectal primary and its
#: metastases (mCODE's primary cancer set without the colorectal concepts).
OTHER_MALIGNANCY = ConceptSet(
    snomed=(MALIGNANT_NEOPLASTIC_DISEASE,),
    prefixes={"ICD10CM": _ICD10_MALIGNANT},
    excluded=(
        MALIGNANT_TUMOR_OF_COLON,
        MALIGNANT_TUMOR_OF_RECTUM,
        MALIGNANT_TUMOR_OF_RECTOSIGMOID,
        SECONDARY_MALIGNANT_NEOPLASTIC_DISEASE,
    ),
)

#: E1 extrahepatic metastasis: a secondary malignant neoplasm outside the liver (lymph nodes included:
#: ICD-10-CM C77; C78.0-C78.6, C78.89; C79.0-C79.8). C78.7 (liver), C78.80 and C79.9 (unspecified site,
#: possibly the liver) are left out.
EXTRAHEPATIC_METASTASIS = ConceptSet(
    snomed=(SECONDARY_MALIGNANT_NEOPLASTIC_DISEASE,),
    prefixes={
        "ICD10CM": (
            "C77",
            *(f"C78.{n}" for n in range(7)),
            "C78.89",
            *(f"C79.{n}" for n in range(9)),
        )
    },
    excluded=(SECONDARY_MALIGNANT_NEOPLASM_OF_LIVER,),
)

#: E4 peritoneal spread: ICD-10-CM C78.6 Secondary malignant neoplasm of retroperitoneum and peritoneum.
PERITONEAL_SPREAD = ConceptSet(prefixes={"ICD10CM": ("C78.6",)})

#: E5 conditions of the registered record (NCT06988852 exclusion E5), by the screen.md history code.
HISTORY: dict[HistoryCondition, ConceptSet] = {
    # Cerebral infarction; ICD-10-CM I63 Cerebral infarction.
    HistoryCondition.cerebral_infarction: ConceptSet(snomed=("432504007",), prefixes={"ICD10CM": ("I63",)}),
    # Cerebral hemorrhage; ICD-10-CM I61 Nontraumatic intracerebral hemorrhage.
    HistoryCondition.cerebral_hemorrhage: ConceptSet(snomed=("274100004",), prefixes={"ICD10CM": ("I61",)}),
    # Gastrointestinal hemorrhage (OMOP 192671); ICD-10-CM K92.0 hematemesis, K92.1 melena, K92.2 GI hemorrhage.
    HistoryCondition.gastrointestinal_hemorrhage: ConceptSet(
        snomed=("74474003",), prefixes={"ICD10CM": ("K92.0", "K92.1", "K92.2")}
    ),
    # ICD-10-CM K63.1 Perforation of intestine (nontraumatic), K22.3 Perforation of esophagus.
    HistoryCondition.gastrointestinal_perforation: ConceptSet(prefixes={"ICD10CM": ("K63.1", "K22.3")}),
    # Blood coagulation disorder; ICD-10-CM D65-D68 coagulation defects.
    HistoryCondition.coagulation_disorder: ConceptSet(
        snomed=("64779008",), prefixes={"ICD10CM": ("D65", "D66", "D67", "D68")}
    ),
    # Peptic ulcer (OMOP 4027663; gastric and duodenal ulcers descend from it); ICD-10-CM K25-K28.
    HistoryCondition.gastrointestinal_ulcer: ConceptSet(
        snomed=("13200003",), prefixes={"ICD10CM": ("K25", "K26", "K27", "K28")}
    ),
}

#: E7 prior liver-directed treatment of CRLM (NCT06988852 exclusion E7), by the screen.md treatment code.
#: CPT-4 47120-47130 hepatectomy; 47370/47371 laparoscopic and 47380-47383 open/percutaneous ablation of
#: liver tumour; ICD-10-PCS 0FB0-0FB2 excision, 0FT0-0FT2 resection, 0F50-0F52 destruction of the liver;
#: DF0-DFY with body part 0 (liver): radiation therapy of the liver.
LIVER_DIRECTED: dict[LiverDirectedTreatment, ConceptSet] = {
    LiverDirectedTreatment.resection: ConceptSet(
        prefixes={
            "CPT4": ("47120", "47122", "47125", "47130"),
            "ICD10PCS": ("0FB0", "0FB1", "0FB2", "0FT0", "0FT1", "0FT2"),
        }
    ),
    LiverDirectedTreatment.ablation: ConceptSet(
        prefixes={
            "CPT4": ("47370", "47371", "47380", "47381", "47382", "47383"),
            "ICD10PCS": ("0F50", "0F51", "0F52"),
        }
    ),
    LiverDirectedTreatment.radiation: ConceptSet(prefixes={"ICD10PCS": ("DF00", "DF10", "DF20", "DFY0")}),
}

#: I6 organ function, LOINC codes (LOINC 2.76 long common names), read from measurement and observation.
ECOG_LOINC = ("89247-1",)  # ECOG Performance Status score
LVEF_LOINC = ("10230-1", "8806-2")  # Left ventricular Ejection fraction; ... by 2D echo
FEV1_FVC_LOINC = ("19926-5",)  # FEV1/FVC (OMOP 3011505)

#: UCUM codes of a percentage and of a plain ratio (a ratio is multiplied by 100); any other unit, or
#: none, leaves the value unreported rather than guessing its scale.
PERCENT_UNITS = ("%",)
RATIO_UNITS = ("1", "{ratio}", "{fraction}")

# --- I4, E3 and the primary tumour site -----------------------------------------------------------

#: Primary tumour site (screen.md ``primary_tumor.site``) by ICD-10-CM code (ICD-10-CM Tabular List, chapter 2,
#: C18 Malignant neoplasm of colon, C19 of rectosigmoid junction, C20 of rectum). C18.1 (appendix), C18.8
#: (overlapping sites) and C18.9 (colon, unspecified) name no site of the list: not read.
PRIMARY_SITE: dict[PrimarySite, ConceptSet] = {
    PrimarySite.cecum: ConceptSet(prefixes={"ICD10CM": ("C18.0",)}),
    PrimarySite.ascending_colon: ConceptSet(prefixes={"ICD10CM": ("C18.2",)}),
    PrimarySite.hepatic_flexure: ConceptSet(prefixes={"ICD10CM": ("C18.3",)}),
    PrimarySite.transverse_colon: ConceptSet(prefixes={"ICD10CM": ("C18.4",)}),
    PrimarySite.splenic_flexure: ConceptSet(prefixes={"ICD10CM": ("C18.5",)}),
    PrimarySite.descending_colon: ConceptSet(prefixes={"ICD10CM": ("C18.6",)}),
    PrimarySite.sigmoid_colon: ConceptSet(prefixes={"ICD10CM": ("C18.7",)}),
    PrimarySite.rectosigmoid: ConceptSet(prefixes={"ICD10CM": ("C19",)}),
    PrimarySite.rectum: ConceptSet(prefixes={"ICD10CM": ("C20",)}),
}

#: I4 colorectal liver metastases: the metastases (SNOMED 94381002 Secondary malignant neoplasm of liver and
#: descendants; ICD-10-CM C78.7 Secondary malignant neoplasm of liver and intrahepatic bile duct) ...
LIVER_METASTASIS = ConceptSet(snomed=(SECONDARY_MALIGNANT_NEOPLASM_OF_LIVER,), prefixes={"ICD10CM": ("C78.7",)})
#: ... and a colorectal primary (SNOMED colon, rectum, rectosigmoid junction and descendants; ICD-10-CM C18-C20).
COLORECTAL_PRIMARY = ConceptSet(
    snomed=(MALIGNANT_TUMOR_OF_COLON, MALIGNANT_TUMOR_OF_RECTUM, MALIGNANT_TUMOR_OF_RECTOSIGMOID),
    prefixes={"ICD10CM": ("C18", "C19", "C20")},
)
#: The provenance that makes a liver-metastasis record pathology: OMOP Type Concept "EHR Pathology report"
#: (vocabulary ``Type Concept``, code OMOP4976908, concept_id 32835; OMOP CDM 5.4 condition_type_concept_id).
PATHOLOGY_REPORT_TYPE = ("Type Concept", "OMOP4976908")

#: E3 drug allergy, OHDSI's value-as-concept convention (an ``observation`` whose ``observation_concept_id`` is
#: an allergy and whose ``value_as_concept_id`` is the substance): SNOMED 419199007 Allergy to substance and
#: 416098002 Drug allergy, with their descendants.
DRUG_ALLERGY = ConceptSet(snomed=("419199007", "416098002"))
#: The regimen's drugs (registered interventions) as RxNorm ingredients; a product containing the ingredient
#: descends from it in ``concept_ancestor``.
REGIMEN_INGREDIENTS: dict[Drug, ConceptSet] = {
    Drug.oxaliplatin: ConceptSet(rxnorm=("32592",)),  # oxaliplatin (OMOP 1318011)
    Drug.leucovorin: ConceptSet(rxnorm=("6313",)),  # leucovorin (OMOP 1388796)
    Drug.fluorouracil: ConceptSet(rxnorm=("4492",)),  # fluorouracil
    Drug.bevacizumab: ConceptSet(rxnorm=("253337",)),  # bevacizumab
    Drug.cetuximab: ConceptSet(rxnorm=("318341",)),  # cetuximab
}
