"""The system organ class (SOC) of every CTCAE v5.0 term haictrial knows, and the AE term as entered on the
adverse-event eCRF: a CTCAE v5.0 term (its SOC derived), or "Other, specify" with a SOC and a verbatim.

CTCAE v5.0 files every term under one MedDRA system organ class; an event without a term of its own is
reported as ``"<system organ class> - Other, specify"`` with the investigator's verbatim term.

References
----------
- Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: the terms under each system
  organ class (in v5.0 "Infusion related reaction" sits under "Injury, poisoning and procedural complications")
  and the "- Other, specify" convention.
"""

from __future__ import annotations

from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, ctcae_v5_term, term_key
from haictrial.errors import InputError

#: system organ class -> the CTCAE v5.0 terms of :data:`haictrial.clinical.ctcae_terms.CTCAE_V5_TERMS` in it.
TERMS_BY_ORGAN_SYSTEM: dict[str, tuple[str, ...]] = {
    "Blood and lymphatic system disorders": (
        "Anemia", "Febrile neutropenia", "Disseminated intravascular coagulation",
        "Thrombotic thrombocytopenic purpura",
    ),
    "Cardiac disorders": (
        "Atrial fibrillation", "Cardiac arrest", "Chest pain - cardiac", "Heart failure",
        "Left ventricular systolic dysfunction", "Myocardial infarction", "Myocarditis", "Palpitations",
        "Pericardial effusion", "Sinus bradycardia", "Sinus tachycardia", "Supraventricular tachycardia",
        "Ventricular tachycardia",
    ),
    "Ear and labyrinth disorders": ("Tinnitus", "Hearing impaired"),
    "Endocrine disorders": ("Hypothyroidism", "Hyperthyroidism"),
    "Eye disorders": ("Blurred vision", "Conjunctivitis", "Dry eye", "Eye pain", "Keratitis", "Watering eyes"),
    "Gastrointestinal disorders": (
        "Abdominal distension", "Abdominal pain", "Ascites", "Colitis", "Colonic hemorrhage", "Colonic obstruction",
        "Colonic perforation", "Constipation", "Diarrhea", "Dry mouth", "Duodenal hemorrhage", "Duodenal perforation",
        "Duodenal ulcer", "Dyspepsia", "Dysphagia", "Enterocolitis", "Esophageal hemorrhage",
        "Esophageal perforation", "Esophagitis", "Flatulence", "Intra-abdominal hemorrhage", "Gastric hemorrhage",
        "Gastric perforation", "Gastric ulcer", "Gastritis", "Gastroesophageal reflux disease", "Hemorrhoids",
        "Ileal hemorrhage", "Ileal perforation", "Ileus", "Jejunal hemorrhage", "Jejunal perforation",
        "Lower gastrointestinal hemorrhage", "Mucositis oral", "Nausea", "Oral hemorrhage", "Oral pain",
        "Pancreatitis", "Rectal hemorrhage", "Rectal mucositis", "Rectal perforation", "Small intestinal obstruction",
        "Small intestinal perforation", "Stomach pain", "Upper gastrointestinal hemorrhage", "Vomiting",
    ),
    "General disorders and administration site conditions": (
        "Chills", "Death NOS", "Edema face", "Edema limbs", "Edema trunk", "Fatigue", "Fever", "Flu like symptoms",
        "Generalized edema", "Infusion site extravasation", "Injection site reaction", "Malaise",
        "Non-cardiac chest pain", "Pain",
    ),
    "Hepatobiliary disorders": (
        "Bile duct stenosis", "Cholecystitis", "Hepatic failure", "Hepatic hemorrhage", "Hepatic necrosis",
        "Hepatic pain", "Portal hypertension", "Portal vein thrombosis",
    ),
    "Immune system disorders": ("Allergic reaction", "Anaphylaxis", "Cytokine release syndrome"),
    "Infections and infestations": (
        "Abdominal infection", "Biliary tract infection", "Catheter related infection", "Enterocolitis infectious",
        "Hepatic infection", "Lung infection", "Paronychia", "Peritoneal infection", "Sepsis", "Skin infection",
        "Upper respiratory infection", "Urinary tract infection", "Wound infection",
    ),
    "Injury, poisoning and procedural complications": (
        "Arterial injury", "Bruising", "Fall", "Infusion related reaction", "Postoperative hemorrhage",
        "Vascular access complication", "Wound complication", "Wound dehiscence",
    ),
    "Investigations": (
        "Activated partial thromboplastin time prolonged", "Alanine aminotransferase increased",
        "Alkaline phosphatase increased", "Aspartate aminotransferase increased", "Blood bilirubin increased",
        "Creatinine increased", "Ejection fraction decreased", "Electrocardiogram QT corrected interval prolonged",
        "GGT increased", "INR increased", "Lipase increased", "Lymphocyte count decreased",
        "Neutrophil count decreased", "Platelet count decreased", "Serum amylase increased", "Weight gain",
        "Weight loss", "White blood cell decreased",
    ),
    "Metabolism and nutrition disorders": (
        "Anorexia", "Dehydration", "Hypercalcemia", "Hyperglycemia", "Hyperkalemia", "Hypernatremia",
        "Hypoalbuminemia", "Hypocalcemia", "Hypoglycemia", "Hypokalemia", "Hypomagnesemia", "Hyponatremia",
        "Hypophosphatemia", "Tumor lysis syndrome",
    ),
    "Musculoskeletal and connective tissue disorders": (
        "Arthralgia", "Back pain", "Generalized muscle weakness", "Muscle cramp", "Myalgia", "Pain in extremity",
    ),
    "Nervous system disorders": (
        "Dizziness", "Dysesthesia", "Dysgeusia", "Encephalopathy", "Headache", "Intracranial hemorrhage",
        "Ischemia cerebrovascular", "Paresthesia", "Peripheral motor neuropathy", "Peripheral sensory neuropathy",
        "Reversible posterior leukoencephalopathy syndrome", "Seizure", "Somnolence", "Stroke", "Syncope",
        "Transient ischemic attacks",
    ),
    "Psychiatric disorders": ("Anxiety", "Confusion", "Depression", "Insomnia"),
    "Renal and urinary disorders": ("Acute kidney injury", "Hematuria", "Nephrotic syndrome", "Proteinuria"),
    "Respiratory, thoracic and mediastinal disorders": (
        "Bronchopulmonary hemorrhage", "Bronchospasm", "Cough", "Dyspnea", "Epistaxis", "Hiccups", "Hypoxia",
        "Laryngospasm", "Pleural effusion", "Pneumonitis", "Pulmonary edema", "Pulmonary fibrosis", "Sore throat",
        "Voice alteration",
    ),
    "Skin and subcutaneous tissue disorders": (
        "Alopecia", "Dry skin", "Erythema multiforme", "Hyperhidrosis", "Hypertrichosis", "Nail discoloration",
        "Nail loss", "Nail ridging", "Palmar-plantar erythrodysesthesia syndrome", "Photosensitivity", "Pruritus",
        "Rash acneiform", "Rash maculo-papular", "Skin hyperpigmentation", "Skin ulceration",
        "Stevens-Johnson syndrome", "Urticaria",
    ),
    "Vascular disorders": (
        "Arterial thromboembolism", "Capillary leak syndrome", "Flushing", "Hematoma", "Hot flashes", "Hypertension",
        "Hypotension", "Phlebitis", "Superficial thrombophlebitis", "Thromboembolic event", "Vasculitis",
    ),
}  # fmt: skip

_ORGAN_SYSTEM_BY_TERM = {term_key(t): soc for soc, terms in TERMS_BY_ORGAN_SYSTEM.items() for t in terms}
_CLASSES_BY_KEY = {term_key(c): c for c in CTCAE_SYSTEM_ORGAN_CLASSES}

#: What the eCRF's term input accepts for "no CTCAE term of its own": the SOC is then chosen beside it.
OTHER_SPECIFY = "Other, specify"
_OTHER_SUFFIX = " - " + OTHER_SPECIFY


class TermEntryError(InputError):
    """An AE term entry outside the vocabulary: ``reason`` names the rule broken (a stable code the pages
    translate), ``params`` its values; the English message is the stored text."""

    code = "ae_term"

    def __init__(self, reason: str, message: str, field: str, **params: str) -> None:
        super().__init__(message, field=field)
        self.reason = reason
        self.params = dict(params)


def organ_system(term: str) -> str | None:
    """The CTCAE v5.0 system organ class of ``term``, or None for a term haictrial does not know."""
    canonical = ctcae_v5_term(term)
    if canonical is None:
        return None
    found = _ORGAN_SYSTEM_BY_TERM.get(term_key(canonical))
    if found is not None:
        return found
    soc, _, _rest = canonical.partition(" - ")
    return _CLASSES_BY_KEY.get(term_key(soc))


def system_organ_class(name: str) -> str | None:
    """The canonical spelling of a CTCAE v5.0 system organ class, or None."""
    return _CLASSES_BY_KEY.get(term_key(name))


def other_specify(soc: str) -> str:
    """``"<system organ class> - Other, specify"`` (CTCAE v5.0)."""
    return soc + _OTHER_SUFFIX


def entry_terms() -> tuple[str, ...]:
    """The terms the eCRF offers while typing: every CTCAE v5.0 term haictrial knows, by SOC, then
    "Other, specify" and each SOC's "<SOC> - Other, specify"."""
    terms = [t for soc in CTCAE_SYSTEM_ORGAN_CLASSES for t in TERMS_BY_ORGAN_SYSTEM.get(soc, ())]
    return (*terms, OTHER_SPECIFY, *(other_specify(soc) for soc in CTCAE_SYSTEM_ORGAN_CLASSES))


def resolve_entered_term(term: str | None, soc: str | None, verbatim: str | None) -> tuple[str | None, str | None]:
    """The (term, system organ class) to store for what the eCRF's user entered.

    - a CTCAE v5.0 term: its canonical spelling and its SOC (a different SOC given is an error);
    - "Other, specify" with a SOC: ``"<SOC> - Other, specify"``; a verbatim is required;
    - ``"<SOC> - Other, specify"``: as is, the SOC its own; a verbatim is required;
    - anything else is not in the vocabulary: an error on ``term``.

    Raises :class:`InputError` naming ``term``, ``system_organ_class`` or ``verbatim``.

    References
    ----------
    CTCAE v5.0 (NCI, 2017): terms by system organ class; "Other, specify" needs the SOC and the verbatim.
    """
    chosen_soc = None
    if soc:
        chosen_soc = system_organ_class(soc)
        if chosen_soc is None:
            raise TermEntryError(
                "not_a_soc", f"{soc!r} is not a CTCAE v5.0 system organ class", "system_organ_class", soc=soc
            )
    if not term or not term.strip():
        return None, chosen_soc
    has_verbatim = bool(verbatim and verbatim.strip())
    if term_key(term) == term_key(OTHER_SPECIFY):
        if chosen_soc is None:
            raise TermEntryError(
                "other_needs_soc", "'Other, specify' needs its system organ class: choose one", "system_organ_class"
            )
        if not has_verbatim:
            raise TermEntryError("needs_verbatim", "'Other, specify' needs the verbatim term", "verbatim")
        return other_specify(chosen_soc), chosen_soc
    canonical = ctcae_v5_term(term)
    if canonical is None:
        raise TermEntryError(
            "not_a_term",
            f"{term.strip()!r} is not a CTCAE v5.0 term: choose one from the list, or 'Other, specify' "
            "with its system organ class and the verbatim term",
            "term",
            term=term.strip(),
        )
    derived = organ_system(canonical)
    if chosen_soc is not None and derived is not None and chosen_soc != derived:
        raise TermEntryError(
            "wrong_soc",
            f"{canonical!r} belongs to {derived!r} in CTCAE v5.0, not {chosen_soc!r}",
            "system_organ_class",
            term=canonical,
            soc=derived,
        )
    if canonical.endswith(_OTHER_SUFFIX) and not has_verbatim:
        raise TermEntryError("needs_verbatim", f"{canonical!r} needs the verbatim term", "verbatim")
    return canonical, derived


__all__ = [
    "OTHER_SPECIFY",
    "TermEntryError",
    "TERMS_BY_ORGAN_SYSTEM",
    "entry_terms",
    "organ_system",
    "other_specify",
    "resolve_entered_term",
    "system_organ_class",
]
