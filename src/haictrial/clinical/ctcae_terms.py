"""The CTCAE v5.0 vocabulary haictrial knows: system organ classes and the terms seen with this regimen.

One place for the terms, used wherever a toxicity is named (dose modification, adverse events).
A term outside the list is reported as ``"<system organ class> - Other, specify"`` with a verbatim,
as CTCAE v5.0 prescribes.

References
----------
- Common Terminology Criteria for Adverse Events (CTCAE) v5.0, NCI, 27 Nov 2017: the terms, the
  system organ classes and the "- Other, specify" convention.
"""

from __future__ import annotations

import re

#: The 26 system organ classes of CTCAE v5.0 (each allows "<class> - Other, specify").
CTCAE_SYSTEM_ORGAN_CLASSES: tuple[str, ...] = (
    "Blood and lymphatic system disorders",
    "Cardiac disorders",
    "Congenital, familial and genetic disorders",
    "Ear and labyrinth disorders",
    "Endocrine disorders",
    "Eye disorders",
    "Gastrointestinal disorders",
    "General disorders and administration site conditions",
    "Hepatobiliary disorders",
    "Immune system disorders",
    "Infections and infestations",
    "Injury, poisoning and procedural complications",
    "Investigations",
    "Metabolism and nutrition disorders",
    "Musculoskeletal and connective tissue disorders",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "Nervous system disorders",
    "Pregnancy, puerperium and perinatal conditions",
    "Psychiatric disorders",
    "Renal and urinary disorders",
    "Reproductive system and breast disorders",
    "Respiratory, thoracic and mediastinal disorders",
    "Skin and subcutaneous tissue disorders",
    "Social circumstances",
    "Surgical and medical procedures",
    "Vascular disorders",
)

#: CTCAE v5.0 terms seen with HAIC-FOLFOX, bevacizumab and cetuximab (by system organ class).
#: Other CTCAE terms are reported as "<system organ class> - Other, specify".
CTCAE_V5_TERMS: tuple[str, ...] = (
    # Blood and lymphatic system disorders
    "Anemia", "Febrile neutropenia", "Disseminated intravascular coagulation", "Thrombotic thrombocytopenic purpura",
    # Cardiac disorders
    "Atrial fibrillation", "Cardiac arrest", "Chest pain - cardiac", "Heart failure", "Left ventricular systolic dysfunction",
    "Myocardial infarction", "Myocarditis", "Palpitations", "Pericardial effusion", "Sinus bradycardia",
    "Sinus tachycardia", "Supraventricular tachycardia", "Ventricular tachycardia",
    # Ear, endocrine, eye
    "Tinnitus", "Hearing impaired", "Hypothyroidism", "Hyperthyroidism",
    "Blurred vision", "Conjunctivitis", "Dry eye", "Eye pain", "Keratitis", "Watering eyes",
    # Gastrointestinal disorders
    "Abdominal distension", "Abdominal pain", "Ascites", "Colitis", "Colonic hemorrhage", "Colonic obstruction",
    "Colonic perforation", "Constipation", "Diarrhea", "Dry mouth", "Duodenal hemorrhage", "Duodenal perforation",
    "Duodenal ulcer", "Dyspepsia", "Dysphagia", "Enterocolitis", "Esophageal hemorrhage", "Esophageal perforation",
    "Esophagitis", "Flatulence", "Intra-abdominal hemorrhage", "Gastric hemorrhage", "Gastric perforation", "Gastric ulcer", "Gastritis",
    "Gastroesophageal reflux disease", "Hemorrhoids", "Ileal hemorrhage", "Ileal perforation", "Ileus",
    "Jejunal hemorrhage", "Jejunal perforation", "Lower gastrointestinal hemorrhage", "Mucositis oral", "Nausea",
    "Oral hemorrhage", "Oral pain", "Pancreatitis", "Rectal hemorrhage", "Rectal mucositis", "Rectal perforation",
    "Small intestinal obstruction", "Small intestinal perforation", "Stomach pain",
    "Upper gastrointestinal hemorrhage", "Vomiting",
    # General disorders and administration site conditions
    "Chills", "Death NOS", "Edema face", "Edema limbs", "Edema trunk", "Fatigue", "Fever", "Flu like symptoms",
    "Generalized edema", "Infusion related reaction", "Infusion site extravasation", "Injection site reaction",
    "Malaise", "Non-cardiac chest pain", "Pain",
    # Hepatobiliary disorders
    "Bile duct stenosis", "Cholecystitis", "Hepatic failure", "Hepatic hemorrhage", "Hepatic necrosis",
    "Hepatic pain", "Portal hypertension", "Portal vein thrombosis",
    # Immune system disorders
    "Allergic reaction", "Anaphylaxis", "Cytokine release syndrome",
    # Infections and infestations
    "Abdominal infection", "Biliary tract infection", "Catheter related infection", "Enterocolitis infectious",
    "Hepatic infection", "Lung infection", "Paronychia", "Peritoneal infection", "Sepsis", "Skin infection",
    "Upper respiratory infection", "Urinary tract infection", "Wound infection",
    # Injury, poisoning and procedural complications
    "Arterial injury", "Bruising", "Fall", "Postoperative hemorrhage", "Vascular access complication",
    "Wound complication", "Wound dehiscence",
    # Investigations
    "Activated partial thromboplastin time prolonged", "Alanine aminotransferase increased",
    "Alkaline phosphatase increased", "Aspartate aminotransferase increased", "Blood bilirubin increased",
    "Creatinine increased", "Ejection fraction decreased", "Electrocardiogram QT corrected interval prolonged",
    "GGT increased", "INR increased", "Lipase increased", "Lymphocyte count decreased", "Neutrophil count decreased",
    "Platelet count decreased", "Serum amylase increased", "Weight gain", "Weight loss", "White blood cell decreased",
    # Metabolism and nutrition disorders
    "Anorexia", "Dehydration", "Hypercalcemia", "Hyperglycemia", "Hyperkalemia", "Hypernatremia", "Hypoalbuminemia",
    "Hypocalcemia", "Hypoglycemia", "Hypokalemia", "Hypomagnesemia", "Hyponatremia", "Hypophosphatemia",
    "Tumor lysis syndrome",
    # Musculoskeletal and connective tissue disorders
    "Arthralgia", "Back pain", "Generalized muscle weakness", "Muscle cramp", "Myalgia", "Pain in extremity",
    # Nervous system disorders
    "Dizziness", "Dysesthesia", "Dysgeusia", "Encephalopathy", "Headache", "Intracranial hemorrhage",
    "Ischemia cerebrovascular", "Paresthesia", "Peripheral motor neuropathy", "Peripheral sensory neuropathy",
    "Reversible posterior leukoencephalopathy syndrome", "Seizure", "Somnolence", "Stroke", "Syncope",
    "Transient ischemic attacks",
    # Psychiatric disorders
    "Anxiety", "Confusion", "Depression", "Insomnia",
    # Renal and urinary disorders
    "Acute kidney injury", "Hematuria", "Nephrotic syndrome", "Proteinuria",
    # Respiratory, thoracic and mediastinal disorders
    "Bronchopulmonary hemorrhage", "Bronchospasm", "Cough", "Dyspnea", "Epistaxis", "Hiccups", "Hypoxia",
    "Laryngospasm", "Pleural effusion", "Pneumonitis", "Pulmonary edema", "Pulmonary fibrosis", "Sore throat",
    "Voice alteration",
    # Skin and subcutaneous tissue disorders
    "Alopecia", "Dry skin", "Erythema multiforme", "Hyperhidrosis", "Hypertrichosis", "Nail discoloration",
    "Nail loss", "Nail ridging", "Palmar-plantar erythrodysesthesia syndrome", "Photosensitivity", "Pruritus",
    "Rash acneiform", "Rash maculo-papular", "Skin hyperpigmentation", "Skin ulceration",
    "Stevens-Johnson syndrome", "Urticaria",
    # Vascular disorders
    "Arterial thromboembolism", "Capillary leak syndrome", "Flushing", "Hematoma", "Hot flashes", "Hypertension",
    "Hypotension", "Phlebitis", "Superficial thrombophlebitis", "Thromboembolic event", "Vasculitis",
)  # fmt: skip

_OTHER_SPECIFY = re.compile(r"^(?P<soc>.+?) - other, specify(?::.*)?$")


def term_key(term: str) -> str:
    """A term folded for comparison: whitespace collapsed, case-insensitive."""
    return " ".join(term.split()).casefold()


_TERMS_BY_KEY = {term_key(t): t for t in CTCAE_V5_TERMS}
_CLASSES_BY_KEY = {term_key(c): c for c in CTCAE_SYSTEM_ORGAN_CLASSES}


def ctcae_v5_term(term: str) -> str | None:
    """The canonical spelling of a CTCAE v5.0 term (or a valid "<SOC> - Other, specify"), else None."""
    found = _TERMS_BY_KEY.get(term_key(term))
    if found is not None:
        return found
    other = _OTHER_SPECIFY.match(term_key(term))
    if other and other.group("soc") in _CLASSES_BY_KEY:
        return " ".join(term.split())
    return None
