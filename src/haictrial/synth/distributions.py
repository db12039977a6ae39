"""The distributions of the synthetic CRLM cohort, each with its source.

Every number the generator draws from is defined here, once, with the published figure it is set
near. Where no publication gives the figure for this population (screen-failure shares, visit
jitter), the value is a modelling choice and says so. Thresholds that decide eligibility, doses,
grades or responses are NOT here: they come from the protocol file and the clinical engines.

References
----------
- [Ye2013] Ye LC, Liu TS, Ren L, et al. Randomized controlled trial of cetuximab plus chemotherapy for
  patients with KRAS wild-type unresectable colorectal liver-limited metastases. J Clin Oncol
  2013;31:1931-1938. doi:10.1200/JCO.2012.44.8308 (Chinese CRLM population: median age in the late
  fifties, about 60 % men; conversion to resection 25.7 % with cetuximab vs 7.4 %).
- [Chen2016] Chen W, Zheng R, Baade PD, et al. Cancer statistics in China, 2015. CA Cancer J Clin
  2016;66:115-132. doi:10.3322/caac.21338 (colorectal cancer more frequent in men, ratio about 1.4).
- [NCD2016] NCD Risk Factor Collaboration. A century of trends in adult human height. eLife
  2016;5:e13410. doi:10.7554/eLife.13410 (Chinese adult height: men about 167-172 cm, women 156-160 cm).
- [NCD2016b] NCD Risk Factor Collaboration. Trends in adult body-mass index in 200 countries from 1975
  to 2014. Lancet 2016;387:1377-1396. doi:10.1016/S0140-6736(16)30054-X (Chinese mean BMI about 23-24).
- [Oken1982] Oken MM, Creech RH, Tormey DC, et al. Toxicity and response criteria of the Eastern
  Cooperative Oncology Group. Am J Clin Oncol 1982;5:649-655. doi:10.1097/00000421-198212000-00014.
- [Arnold2017] Arnold D, Lueza B, Douillard JY, et al. Prognostic and predictive value of primary tumour
  side in patients with RAS wild-type metastatic colorectal cancer treated with chemotherapy and EGFR
  directed antibodies in six randomized trials. Ann Oncol 2017;28:1713-1729. doi:10.1093/annonc/mdx175
  (right-sided primaries about a quarter of patients).
- [Petrelli2017] Petrelli F, Tomasello G, Borgonovo K, et al. Prognostic survival associated with
  left-sided vs right-sided colon cancer: a systematic review and meta-analysis. JAMA Oncol
  2017;3:211-219. doi:10.1001/jamaoncol.2016.4227.
- [Douillard2013] Douillard JY, Oliner KS, Siena S, et al. Panitumumab-FOLFOX4 treatment and RAS
  mutations in colorectal cancer. N Engl J Med 2013;369:1023-1034. doi:10.1056/NEJMoa1305275
  (KRAS exon 2 mutant about 40 %, any RAS mutant about half).
- [Tran2011] Tran B, Kopetz S, Tie J, et al. Impact of BRAF mutation and microsatellite instability on
  the pattern of metastatic spread and prognosis in metastatic colorectal cancer. Cancer
  2011;117:4623-4632. doi:10.1002/cncr.26086 (BRAF V600E in under a tenth of mCRC).
- [Folprecht2010] Folprecht G, Gruenberger T, Bechstein WO, et al. Tumour response and secondary
  resectability of colorectal liver metastases following neoadjuvant chemotherapy with cetuximab: the
  CELIM randomised phase 2 trial. Lancet Oncol 2010;11:38-47. doi:10.1016/S1470-2045(09)70330-4
  (initially unresectable CRLM: most patients with five or more metastases, several centimetres).
- [Folprecht2005] Folprecht G, Grothey A, Alberts S, Raab HR, Kohne CH. Neoadjuvant treatment of
  unresectable colorectal liver metastases: correlation between tumour response and resection rates.
  Ann Oncol 2005;16:1311-1319. doi:10.1093/annonc/mdi246 (resection rate rises with response rate).
- [Kemeny2009] Kemeny NE, Melendez FD, Capanu M, et al. Conversion to resectability using hepatic
  artery infusion plus systemic chemotherapy for the treatment of unresectable liver metastases from
  colorectal carcinoma. J Clin Oncol 2009;27:3465-3471. doi:10.1200/JCO.2008.20.1301 (conversion 47 %).
- [Pawlik2005] Pawlik TM, Scoggins CR, Zorzi D, et al. Effect of surgical margin status on survival and
  site of recurrence after hepatic resection for colorectal metastases. Ann Surg 2005;241:715-722.
  doi:10.1097/01.sla.0000160703.75808.7d (positive margin in under a tenth of resections).
- [Dindo2004] Dindo D, Demartines N, Clavien PA. Classification of surgical complications. Ann Surg
  2004;240:205-213. doi:10.1097/01.sla.0000133083.54934.ae (grades I-V).
- [Jarnagin2002] Jarnagin WR, Gonen M, Fong Y, et al. Improvement in perioperative outcome after
  hepatic resection: analysis of 1,803 consecutive cases over the past decade. Ann Surg
  2002;236:397-406. doi:10.1097/00000658-200210000-00001 (morbidity about 45 %, mortality 3.1 %).
- [Adam2004] Adam R, Delvart V, Pascal G, et al. Rescue surgery for unresectable colorectal liver
  metastases downstaged by chemotherapy: a model to predict long-term survival. Ann Surg
  2004;240:644-657. doi:10.1097/01.sla.0000141198.92114.f6 (5-year survival 33 % after rescue surgery,
  most patients recur).
- [Saltz2008] Saltz LB, Clarke S, Diaz-Rubio E, et al. Bevacizumab in combination with oxaliplatin-based
  chemotherapy as first-line therapy in metastatic colorectal cancer (NO16966). J Clin Oncol
  2008;26:2013-2019. doi:10.1200/JCO.2007.14.9930 (median overall survival 21.3 months).
- [deGramont2000] de Gramont A, Figer A, Seymour M, et al. Leucovorin and fluorouracil with or without
  oxaliplatin as first-line treatment in advanced colorectal cancer. J Clin Oncol 2000;18:2938-2947.
  doi:10.1200/JCO.2000.18.16.2938 (FOLFOX4: grade 3-4 neutropenia 41.7 %, grade 3 neuropathy 18.2 %).
- [Li2022] Li QJ, He MK, Chen HW, et al. Hepatic arterial infusion of oxaliplatin, fluorouracil, and
  leucovorin versus transarterial chemoembolization for large hepatocellular carcinoma. J Clin Oncol
  2022;40:150-160. doi:10.1200/JCO.21.00608 (HAIC-FOLFOX: abdominal pain, transaminase rise, nausea,
  cytopenias, mostly grade 1-2).
- [Hurwitz2004] Hurwitz H, Fehrenbacher L, Novotny W, et al. Bevacizumab plus irinotecan, fluorouracil,
  and leucovorin for metastatic colorectal cancer. N Engl J Med 2004;350:2335-2342.
  doi:10.1056/NEJMoa032691 (hypertension 22 %, grade 3 11 %; proteinuria; minor bleeding).
- [VanCutsem2009] Van Cutsem E, Kohne CH, Hitre E, et al. Cetuximab and chemotherapy as initial
  treatment for metastatic colorectal cancer (CRYSTAL). N Engl J Med 2009;360:1408-1417.
  doi:10.1056/NEJMoa0805019 (skin reactions grade 3 19.7 %, infusion reactions 2.5 % grade 3-4).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- demographics --------------------------------------------------------------------------------

#: Age at screening (years): normal, truncated. [Ye2013]: median age in the late fifties.
AGE_MEAN_YEARS = 58.0
AGE_SD_YEARS = 10.5
AGE_RANGE_YEARS = (21.0, 88.0)

#: Share of men. [Ye2013], [Chen2016].
MALE_SHARE = 0.60

#: Height (cm), normal by sex. [NCD2016].
HEIGHT_CM = {"male": (168.0, 6.0), "female": (157.0, 5.5)}
#: Body-mass index (kg/m2), normal, truncated; weight = BMI x height^2. [NCD2016b].
BMI_MEAN, BMI_SD, BMI_RANGE = 23.0, 3.0, (16.0, 36.0)

#: ECOG performance status 0-4 at screening (scale [Oken1982]); shares are a modelling choice for a
#: population referred for conversion therapy (ECOG >= 2 about 5 %: most such patients are not referred).
ECOG_SHARES = (0.54, 0.41, 0.04, 0.01, 0.0)

# --- primary tumour and molecular profile --------------------------------------------------------

#: Primary site shares, caecum to rectum: right-sided (caecum to transverse colon) 24 %, about a quarter.
#: [Arnold2017], [Petrelli2017].
PRIMARY_SITE_SHARES: dict[str, float] = {
    "cecum": 0.06,
    "ascending_colon": 0.10,
    "hepatic_flexure": 0.03,
    "transverse_colon": 0.05,
    "splenic_flexure": 0.02,
    "descending_colon": 0.05,
    "sigmoid_colon": 0.28,
    "rectosigmoid": 0.09,
    "rectum": 0.32,
}
#: Primary already resected at screening (synchronous CRLM often keep the primary). Modelling choice.
PRIMARY_RESECTED_SHARE = 0.55

#: KRAS mutant; NRAS mutant among KRAS wild type; BRAF V600E among RAS wild type. Overall about 44 %
#: KRAS, 4 % NRAS (any RAS near half) [Douillard2013], BRAF V600E about 6 % [Tran2011].
KRAS_MUTANT = 0.44
NRAS_MUTANT_IF_KRAS_WT = 0.07
BRAF_MUTANT_IF_RAS_WT = 0.11
#: Test result not available (status "unknown"); a left-sided primary with a test missing gets no
#: targeted agent from the planning engine. Modelling choice.
KRAS_UNKNOWN, NRAS_UNKNOWN, BRAF_UNKNOWN = 0.005, 0.01, 0.02

# --- liver lesions -------------------------------------------------------------------------------

#: Number of liver metastases: 1 + Poisson(mean), capped. [Folprecht2010]: most initially unresectable
#: patients have five or more.
LESION_COUNT_EXTRA_MEAN = 4.2
LESION_COUNT_MAX = 12
#: Largest lesion (mm): log-normal with this median and log-sd. [Folprecht2010].
LARGEST_LESION_MEDIAN_MM = 48.0
LARGEST_LESION_LOG_SD = 0.45
#: Other lesions as a fraction of the largest: uniform. Smallest recordable 5 mm.
OTHER_LESION_FRACTION = (0.12, 0.9)
MIN_LESION_MM = 5.0
#: Couinaud segments S1-S8, weighted by approximate segment volume (right lobe larger).
SEGMENT_WEIGHTS = (0.04, 0.08, 0.08, 0.14, 0.13, 0.14, 0.18, 0.21)
#: Share whose lesions are all below the measurable size (I5 fails). Modelling choice.
NO_MEASURABLE_LESION_SHARE = 0.012

# --- baseline laboratory values (SI) -------------------------------------------------------------


@dataclass(frozen=True)
class LogNormal:
    """A log-normal distribution by its median and log-sd."""

    median: float
    log_sd: float


#: Baseline labs of CRLM patients with preserved liver function, SI units: centred within the protocol's
#: reference ranges (WS/T 404/405, in the protocol file), with the tails of a tumour-burdened liver.
BASELINE_LABS: dict[str, LogNormal] = {
    "wbc": LogNormal(6.2, 0.26),
    "platelets": LogNormal(215.0, 0.28),
    "total_bilirubin": LogNormal(11.5, 0.38),
    "alt": LogNormal(24.0, 0.5),
    "ast": LogNormal(28.0, 0.45),
}
NEUTROPHIL_FRACTION_OF_WBC = (0.5, 0.72)
HEMOGLOBIN_G_L = {"male": (134.0, 14.0), "female": (119.0, 12.0)}
ALBUMIN_G_L = (40.5, 3.5)
INR = (1.0, 0.07)
CREATININE_UMOL_L = {"male": LogNormal(78.0, 0.18), "female": LogNormal(61.0, 0.18)}

#: Screening subgroups with abnormal organ function (modelling choice; they drive I7 and I8 failures):
#: liver: bilirubin x2-4, transaminases x3-9, albumin -8 g/L, some ascites; marrow: counts halved.
LIVER_DYSFUNCTION_SHARE = 0.035
MARROW_SUPPRESSION_SHARE = 0.02
RENAL_IMPAIRMENT_SHARE = 0.006

#: Share of reports in a conventional (non-SI) unit, correctly labelled: the engines convert them.
#: analyte -> (unit, share, decimals of the reported value).
CONVENTIONAL_UNITS: dict[str, tuple[str, float, int]] = {
    "total_bilirubin": ("mg/dL", 0.15, 2),
    "creatinine": ("mg/dL", 0.15, 2),
    "hemoglobin": ("g/dL", 0.10, 1),
    "albumin": ("g/dL", 0.10, 1),
    "wbc": ("10^3/uL", 0.10, 1),
    "neutrophils": ("10^3/uL", 0.10, 2),
    "platelets": ("10^3/uL", 0.10, 0),
}

# --- other screening findings (each drives one criterion; modelling choices unless cited) ---------

#: LVEF (%) and FEV1/FVC (%): normal.
LVEF_PERCENT = (62.0, 5.5)
FEV1_FVC_PERCENT = (79.0, 7.0)
#: Shares failing the cardiac or pulmonary part of I6 (values drawn below the limit).
LOW_LVEF_SHARE = 0.01
LOW_FEV1_FVC_SHARE = 0.015
#: I2: other malignancy in the history.
OTHER_MALIGNANCY_SHARE = 0.025
#: I3: prior systemic treatment (progressed, refused, none, ongoing_response).
PRIOR_SYSTEMIC_SHARES = (0.58, 0.34, 0.05, 0.03)
#: I4: pathology confirmed.
PATHOLOGY_CONFIRMED_SHARE = 0.98
#: E1: extrahepatic metastasis, the commonest reason to exclude in liver-directed trials.
EXTRAHEPATIC_SHARE = 0.11
#: E2, E3, E4, E6, E7, E8.
UNABLE_TO_TOLERATE_SHARE = 0.012
ALLERGY_SHARE = 0.01
PERITONEAL_SHARE = 0.03
PRIMARY_NOT_RESECTABLE_SHARE = 0.015
PRIOR_LIVER_TREATMENT_SHARE = 0.035
DATA_INCOMPLETE_SHARE = 0.008
#: E5: any medical-history entry; of those, the share that is a recent (< 6 months) recent-type event,
#: an old recent-type event, and an any-time condition (coagulation disorder, GI ulcer).
HISTORY_ENTRY_SHARE = 0.06
HISTORY_KIND_SHARES = (0.25, 0.55, 0.20)
#: Ascites and encephalopathy (Child-Pugh) outside the liver-dysfunction subgroup.
ASCITES_MILD_SHARE = 0.02
ENCEPHALOPATHY_SHARE = 0.002

# --- accrual and follow-up -----------------------------------------------------------------------

#: Screening dates spread evenly over this many months from --start; the data cut-off is this many
#: months after the end of accrual. Modelling choices (documented in docs/synthetic-data.md).
ACCRUAL_MONTHS = 24
FOLLOW_UP_AFTER_ACCRUAL_MONTHS = 24
#: Days from screening to enrolment, and from enrolment to cycle 1.
SCREEN_TO_ENROL_DAYS = (3, 14)
ENROL_TO_CYCLE1_DAYS = (1, 7)
#: Maximum HAIC cycles before the MDT stops conversion therapy (modelling choice: 4-8 cycles are usual).
MAX_CYCLES = 8
#: Share lost to follow-up (censored at a random time).
LOST_TO_FOLLOW_UP_SHARE = 0.03

# --- response, conversion, surgery, survival -----------------------------------------------------

#: Best change of the target sum (fraction, -1 = complete): normal, truncated at -1 and +0.12 (above +0.12
#: the patient is modelled as progressing). Centre chosen so that about two thirds shrink by >= 30 % and
#: the confirmed RECIST response rate is near 55-60 %, between systemic FOLFOX with a targeted agent
#: ([Ye2013], [Folprecht2010]: 57-68 %) and the HAI series of [Kemeny2009].
BEST_CHANGE_MEAN, BEST_CHANGE_SD = -0.42, 0.27
#: Days from cycle 1 to the deepest response (shrinkage is linear until then). Modelling choice: HAIC
#: responses are usually seen at the first or second assessment (6-12 weeks).
DAYS_TO_NADIR = (40.0, 90.0)
#: Probability of resection for a responder (best change <= -30 %) and a non-responder; together about
#: 40 % of enrolled, the centre of the registered record's HAIC range (17.8-66 %) and near [Kemeny2009];
#: higher in responders as in [Folprecht2005].
RESECTION_IF_RESPONDER = 0.55
RESECTION_IF_NON_RESPONDER = 0.16
#: Share of converters resected after 4 cycles (the rest after 6).
RESECT_AFTER_4_CYCLES = 0.55
#: Margin status among resections: R0 (margin >= 1 mm), R1 (< 1 mm), R2 (macroscopic residue). [Pawlik2005].
R_STATUS_SHARES = {"R0": 0.85, "R1": 0.12, "R2": 0.03}
#: R0 margin (mm): 1 + log-normal.
R0_MARGIN_MEDIAN_MM, R0_MARGIN_LOG_SD = 5.0, 0.8
#: Clavien-Dindo grade of the worst complication within 90 days. [Dindo2004], [Jarnagin2002].
CLAVIEN_DINDO_SHARES = {
    "none": 0.52,
    "I": 0.14,
    "II": 0.19,
    "IIIa": 0.07,
    "IIIb": 0.04,
    "IVa": 0.02,
    "IVb": 0.005,
    "V": 0.015,
}
#: Days from the MDT "resect" decision to surgery (after the bevacizumab wash-out).
MDT_TO_RESECTION_DAYS = (21, 42)

#: Overall survival. Not resected (or R2): Weibull from enrolment, median 22 months (20-24 months on modern
#: chemotherapy, [Saltz2008]); shape 1.6 (few early deaths). After R0/R1 resection: exponential from surgery,
#: median 35 months (5-year survival about 30 %, [Adam2004]).
OS_MEDIAN_MONTHS_UNRESECTED = 22.0
OS_WEIBULL_SHAPE_UNRESECTED = 1.6
OS_MEDIAN_MONTHS_RESECTED = 35.0
#: Progression (not resected) at a fraction of the time to death; share dying without progression.
PROGRESSION_FRACTION_OF_OS = (0.35, 0.75)
DEATH_WITHOUT_PROGRESSION = 0.08
#: Recurrence after R0/R1 resection: share that recurs (most do, [Adam2004]) and when (fraction of OS).
RECURRENCE_SHARE = 0.78
RECURRENCE_FRACTION_OF_OS = (0.25, 0.65)

DAYS_PER_MONTH = 365.25 / 12

# --- toxicity (per patient over a course of about six cycles; converted to per-cycle rates) -------


@dataclass(frozen=True)
class Toxicity:
    """Per-course incidence of any grade and of grade 3-4 of one CTCAE v5.0 term, and the grade-4 share
    among grade 3-4 events; ``agent`` limits the term to patients on that targeted agent."""

    term: str
    any_grade: float
    grade_3_4: float
    grade_4_share: float = 0.1
    agent: str | None = None
    lab: str | None = None


#: FOLFOX by hepatic arterial infusion with bevacizumab or cetuximab. Laboratory terms (``lab``) are
#: graded from the cycle's laboratory panel. Sources: [deGramont2000], [Li2022], [Hurwitz2004],
#: [VanCutsem2009]; HAIC gives less marrow toxicity than systemic FOLFOX4 and more abdominal pain
#: and transaminase rise ([Li2022]).
TOXICITIES: tuple[Toxicity, ...] = (
    Toxicity("Neutrophil count decreased", 0.55, 0.22, 0.2, lab="neutrophils"),
    Toxicity("Platelet count decreased", 0.45, 0.07, 0.15, lab="platelets"),
    Toxicity("Anemia", 0.45, 0.04, 0.0, lab="hemoglobin"),
    Toxicity("Alanine aminotransferase increased", 0.50, 0.06, 0.05, lab="alt"),
    Toxicity("Aspartate aminotransferase increased", 0.55, 0.07, 0.05, lab="ast"),
    Toxicity("Blood bilirubin increased", 0.25, 0.03, 0.0, lab="total_bilirubin"),
    Toxicity("Abdominal pain", 0.55, 0.05, 0.0),
    Toxicity("Nausea", 0.45, 0.03, 0.0),
    Toxicity("Vomiting", 0.28, 0.02, 0.0),
    Toxicity("Diarrhea", 0.22, 0.03, 0.05),
    Toxicity("Fatigue", 0.40, 0.03, 0.0),
    Toxicity("Peripheral sensory neuropathy", 0.45, 0.05, 0.0),
    Toxicity("Mucositis oral", 0.12, 0.01, 0.0),
    Toxicity("Hypertension", 0.25, 0.08, 0.02, agent="bevacizumab"),
    Toxicity("Proteinuria", 0.15, 0.01, 0.0, agent="bevacizumab"),
    Toxicity("Epistaxis", 0.12, 0.0, 0.0, agent="bevacizumab"),
    Toxicity("Rash acneiform", 0.80, 0.15, 0.02, agent="cetuximab"),
    Toxicity("Infusion related reaction", 0.06, 0.02, 0.2, agent="cetuximab"),
)
#: Cycles a per-course incidence is spread over.
COURSE_CYCLES = 6
#: Share of grade 1-2 events that are grade 2.
GRADE_2_SHARE_OF_1_2 = 0.4
#: Febrile neutropenia among cycles with grade 3-4 neutrophil count decreased ([deGramont2000]: rare).
FEBRILE_NEUTROPENIA_IF_G34 = 0.08
#: Grade 3 non-laboratory events needing admission (serious: hospitalisation). Modelling choice.
HOSPITALISATION_IF_GRADE_3 = 0.35
#: SAE initial report: hours after awareness, and the share reported late (to show the SAE clock).
SAE_REPORT_HOURS = (1, 20)
SAE_LATE_SHARE = 0.04
#: Delay (days) of a cycle postponed by a dose-modification rule: 7 or 14.
DELAY_DAYS = (7, 14)
#: Cycle-start jitter (days) within the protocol's HAIC window.
CYCLE_JITTER_DAYS = (-1, 2)
#: Given dose as a share of the planned dose when an infusion is stopped early (share of cycles).
INFUSION_STOPPED_EARLY_SHARE = 0.03
INFUSION_STOPPED_EARLY_FRACTION = (0.5, 0.9)
#: Discontinuation of HAIC for toxicity or patient choice (per cycle). Modelling choice.
WITHDRAWAL_PER_CYCLE = 0.008
