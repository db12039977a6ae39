"""The CTCAE v5.0 system organ class of each term haictrial knows, for ClinicalTrials.gov ``organSystem``.

ClinicalTrials.gov reports adverse events by organ system (the MedDRA system organ class, which CTCAE v5.0
terms carry). A term written ``"<system organ class> - Other, specify"`` names its class itself.

References
----------
- Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: the terms under each system
  organ class (in v5.0 "Infusion related reaction" sits under "Injury, poisoning and procedural complications").
- ClinicalTrials.gov Results Data Element Definitions (PRS), "Adverse Event Information": organ system
  and term, source vocabulary.
"""

from __future__ import annotations

from haictrial.clinical.ctcae_terms import CTCAE_SYSTEM_ORGAN_CLASSES, ctcae_v5_term, term_key

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
