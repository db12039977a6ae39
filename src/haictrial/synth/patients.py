"""The screened population, column by column (vectorised numpy), and its screen-contract documents.

A :class:`Population` holds one numpy array per field of the screening document (docs/contracts/screen.md)
with a ``missing`` mask where a fault removed the value, plus flat arrays for the list fields (liver
lesions, medical history, allergies, intolerances, prior liver-directed treatment) with per-patient
offsets. :func:`draw_population` draws it from :mod:`haictrial.synth.distributions`;
:func:`screening_documents` writes the documents as JSON text without a Python loop.

References
----------
- docs/contracts/screen.md (the document); distributions and their sources in :mod:`haictrial.synth.distributions`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from haictrial.protocol.schema import Protocol
from haictrial.synth import distributions as D
from haictrial.synth import text as T
from haictrial.vocabulary.enums import (
    Ascites,
    Drug,
    HepaticEncephalopathy,
    HistoryCondition,
    Intolerance,
    LiverDirectedTreatment,
    MutationStatus,
    PrimarySite,
    PriorSystemicTreatment,
    Sex,
)
from haictrial.vocabulary.units import CONVERSIONS, Analyte, canonical_unit

SEXES = [s.value for s in Sex]
SITES = [s.value for s in PrimarySite]
MUTATION = [m.value for m in MutationStatus]
PRIOR_SYSTEMIC = [p.value for p in PriorSystemicTreatment]
ASCITES = [a.value for a in Ascites]
ENCEPHALOPATHY = [e.value for e in HepaticEncephalopathy]
CONDITIONS = [c.value for c in HistoryCondition]
DRUGS = [d.value for d in Drug]
INTOLERANCES = [i.value for i in Intolerance]
LIVER_TREATMENTS = [t.value for t in LiverDirectedTreatment]
SEGMENTS = [f"S{i}" for i in range(1, 9)]
ANALYTES = [a.value for a in Analyte]

#: Decimals of a value reported in the SI unit.
SI_DECIMALS = {
    "wbc": 1,
    "neutrophils": 2,
    "platelets": 0,
    "hemoglobin": 0,
    "total_bilirubin": 1,
    "albumin": 1,
    "inr": 2,
    "alt": 0,
    "ast": 0,
    "creatinine": 0,
}


def lab_units(analyte: str) -> list[tuple[str, float, int]]:
    """(unit, factor to SI, decimals) per unit code: code 0 is the SI unit, code 1 the conventional one."""
    si = canonical_unit(analyte)
    factors = CONVERSIONS[Analyte(analyte)][1]
    out = [(si, factors[si], SI_DECIMALS[analyte])]
    if analyte in D.CONVENTIONAL_UNITS:
        unit, _, places = D.CONVENTIONAL_UNITS[analyte]
        out.append((unit, factors[unit], places))
    return out


@dataclass
class ListField:
    """A list field of the document: flat item codes (and dates), the patient of each item, and offsets."""

    owner: np.ndarray
    codes: np.ndarray
    n: int
    days: np.ndarray | None = None
    missing: np.ndarray | None = None

    @property
    def offsets(self) -> np.ndarray:
        counts = np.bincount(self.owner, minlength=self.n) if len(self.owner) else np.zeros(self.n, dtype=np.int64)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


@dataclass
class Population:
    """The screened patients as columns; ``missing[name]`` marks values a fault removed (written as null)."""

    n: int
    subject_ids: pa.Array
    cols: dict[str, np.ndarray]
    labs_si: dict[str, np.ndarray]
    lab_value: dict[str, np.ndarray]
    lab_unit: dict[str, np.ndarray]
    lesions: ListField
    lesion_mm: np.ndarray
    lesion_segment: np.ndarray
    lists: dict[str, ListField]
    missing: dict[str, np.ndarray] = field(default_factory=dict)

    def is_missing(self, name: str) -> np.ndarray:
        found = self.missing.get(name)
        return found if found is not None else np.zeros(self.n, dtype=bool)

    def lab_si_reported(self, analyte: str) -> np.ndarray:
        """The reported value converted to SI with the reported unit (what the engines compute)."""
        factors = np.array([f for _, f, _ in lab_units(analyte)])
        return self.lab_value[analyte] * factors[self.lab_unit[analyte]]


def subject_ids(n: int, site: str = "001", prefix: str = "CHA") -> pa.Array:
    """``CHA-001-0001`` ... numbered in screening order, at least four digits."""
    width = max(4, len(str(n)))
    numbers = T.integers(np.arange(1, n + 1))
    return pc.binary_join_element_wise(f"{prefix}-{site}-", pc.utf8_lpad(numbers, width, "0"), "")


def _choice(rng: np.random.Generator, n: int, shares: tuple[float, ...] | list[float]) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").astype(np.int8)


def _round(values: np.ndarray, places: int) -> np.ndarray:
    """Rounded as the text will show it (the parsed JSON number equals this float)."""
    scale = 10**places
    return np.round(values * scale) / scale


def _lognormal(rng: np.random.Generator, n: int, spec: D.LogNormal) -> np.ndarray:
    return spec.median * np.exp(rng.normal(0.0, spec.log_sd, n))


def draw_population(n: int, rng: np.random.Generator, start: dt.date, protocol: Protocol) -> Population:
    """Draw ``n`` screened patients; screening dates spread over the accrual period from ``start``.

    References: the distributions of :mod:`haictrial.synth.distributions`, each cited there.
    """
    start_day = T.day_number(start)
    accrual_days = int(round(D.ACCRUAL_MONTHS * D.DAYS_PER_MONTH))
    screening_day = start_day + np.sort(rng.integers(0, accrual_days, n))
    cols: dict[str, np.ndarray] = {"screening_day": screening_day}

    age = np.clip(rng.normal(D.AGE_MEAN_YEARS, D.AGE_SD_YEARS, n), *D.AGE_RANGE_YEARS)
    birth = screening_day - np.floor(age * 365.25).astype(np.int64)
    cols["birth_day"] = birth
    female = rng.random(n) >= D.MALE_SHARE
    cols["sex"] = female.astype(np.int8)
    h_mean = np.where(female, D.HEIGHT_CM["female"][0], D.HEIGHT_CM["male"][0])
    h_sd = np.where(female, D.HEIGHT_CM["female"][1], D.HEIGHT_CM["male"][1])
    height = _round(np.clip(rng.normal(h_mean, h_sd), 140.0, 200.0), 0)
    bmi = np.clip(rng.normal(D.BMI_MEAN, D.BMI_SD, n), *D.BMI_RANGE)
    cols["height_cm"] = height
    cols["weight_kg"] = _round(bmi * (height / 100.0) ** 2, 1)
    cols["ecog"] = _choice(rng, n, D.ECOG_SHARES)

    lvef = rng.normal(*D.LVEF_PERCENT, n)
    lvef = np.where(rng.random(n) < D.LOW_LVEF_SHARE, rng.uniform(30, 44, n), np.clip(lvef, 46, 78))
    cols["lvef_percent"] = _round(lvef, 0)
    fev = rng.normal(*D.FEV1_FVC_PERCENT, n)
    fev = np.where(rng.random(n) < D.LOW_FEV1_FVC_SHARE, rng.uniform(45, 59, n), np.clip(fev, 61, 95))
    cols["fev1_fvc_percent"] = _round(fev, 0)

    cols["pathology_confirmed_crlm"] = rng.random(n) < D.PATHOLOGY_CONFIRMED_SHARE
    cols["other_malignancy_history"] = rng.random(n) < D.OTHER_MALIGNANCY_SHARE
    cols["prior_systemic_treatment"] = _choice(rng, n, D.PRIOR_SYSTEMIC_SHARES)
    cols["site"] = _choice(rng, n, [D.PRIMARY_SITE_SHARES[s] for s in SITES])
    resected = rng.random(n) < D.PRIMARY_RESECTED_SHARE
    cols["primary_resected"] = resected
    cols["primary_completely_resectable"] = resected | (
        rng.random(n) >= D.PRIMARY_NOT_RESECTABLE_SHARE / (1 - D.PRIMARY_RESECTED_SHARE)
    )

    kras = (rng.random(n) < D.KRAS_MUTANT).astype(np.int8)
    nras = ((kras == 0) & (rng.random(n) < D.NRAS_MUTANT_IF_KRAS_WT)).astype(np.int8)
    braf = ((kras == 0) & (nras == 0) & (rng.random(n) < D.BRAF_MUTANT_IF_RAS_WT)).astype(np.int8)
    for name, arr, share in (
        ("kras", kras, D.KRAS_UNKNOWN),
        ("nras", nras, D.NRAS_UNKNOWN),
        ("braf", braf, D.BRAF_UNKNOWN),
    ):
        cols[name] = np.where(rng.random(n) < share, np.int8(2), arr).astype(np.int8)

    # liver lesions
    count = np.minimum(1 + rng.poisson(D.LESION_COUNT_EXTRA_MEAN, n), D.LESION_COUNT_MAX)
    owner = np.repeat(np.arange(n), count)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank = np.arange(len(owner)) - np.repeat(first, count)
    largest = D.LARGEST_LESION_MEDIAN_MM * np.exp(rng.normal(0, D.LARGEST_LESION_LOG_SD, n))
    largest = np.clip(largest, 10.0, 180.0)
    no_measurable = rng.random(n) < D.NO_MEASURABLE_LESION_SHARE
    largest = np.where(no_measurable, rng.uniform(5.0, 9.4, n), largest)
    frac = np.where(rank == 0, 1.0, rng.uniform(*D.OTHER_LESION_FRACTION, len(owner)))
    mm = np.maximum(np.round(largest[owner] * frac), D.MIN_LESION_MM)
    mm = np.where(no_measurable[owner], np.minimum(mm, 9.0), mm)
    segment = _choice(rng, len(owner), D.SEGMENT_WEIGHTS)
    lesions = ListField(owner=owner, codes=rank.astype(np.int32), n=n)

    cols["extrahepatic_metastasis"] = rng.random(n) < D.EXTRAHEPATIC_SHARE
    cols["peritoneal_spread"] = rng.random(n) < D.PERITONEAL_SHARE

    # laboratory values (SI), then the unit each is reported in
    liver = rng.random(n) < D.LIVER_DYSFUNCTION_SHARE
    marrow = rng.random(n) < D.MARROW_SUPPRESSION_SHARE
    renal = rng.random(n) < D.RENAL_IMPAIRMENT_SHARE
    si: dict[str, np.ndarray] = {}
    si["wbc"] = np.clip(_lognormal(rng, n, D.BASELINE_LABS["wbc"]), 2.2, 14.0) * np.where(marrow, 0.5, 1.0)
    si["neutrophils"] = si["wbc"] * rng.uniform(*D.NEUTROPHIL_FRACTION_OF_WBC, n)
    si["platelets"] = np.clip(_lognormal(rng, n, D.BASELINE_LABS["platelets"]), 60, 600) * np.where(marrow, 0.4, 1.0)
    hb_mean = np.where(female, D.HEMOGLOBIN_G_L["female"][0], D.HEMOGLOBIN_G_L["male"][0])
    hb_sd = np.where(female, D.HEMOGLOBIN_G_L["female"][1], D.HEMOGLOBIN_G_L["male"][1])
    si["hemoglobin"] = np.clip(rng.normal(hb_mean, hb_sd), 70, 185)
    si["total_bilirubin"] = np.clip(_lognormal(rng, n, D.BASELINE_LABS["total_bilirubin"]), 3, 60) * np.where(
        liver, rng.uniform(2.0, 4.0, n), 1.0
    )
    si["albumin"] = np.clip(rng.normal(*D.ALBUMIN_G_L, n) - np.where(liver, 8.0, 0.0), 22, 52)
    si["inr"] = np.clip(rng.normal(*D.INR, n), 0.8, 1.6) + np.where(liver, rng.uniform(0.1, 0.5, n), 0.0)
    enzyme_factor = np.where(liver, rng.uniform(3.0, 9.0, n), 1.0)
    si["alt"] = np.clip(_lognormal(rng, n, D.BASELINE_LABS["alt"]), 5, 400) * enzyme_factor
    si["ast"] = np.clip(_lognormal(rng, n, D.BASELINE_LABS["ast"]), 8, 400) * enzyme_factor
    creat_male = _lognormal(rng, n, D.CREATININE_UMOL_L["male"])
    creat_female = _lognormal(rng, n, D.CREATININE_UMOL_L["female"])
    si["creatinine"] = np.where(female, creat_female, creat_male) * np.where(renal, rng.uniform(1.8, 3.0, n), 1.0)

    lab_value: dict[str, np.ndarray] = {}
    lab_unit: dict[str, np.ndarray] = {}
    labs_si: dict[str, np.ndarray] = {}
    for analyte in ANALYTES:
        units = lab_units(analyte)
        code = np.zeros(n, dtype=np.int8)
        if len(units) > 1:
            code = (rng.random(n) < D.CONVENTIONAL_UNITS[analyte][1]).astype(np.int8)
        factors = np.array([u[1] for u in units])
        places = np.array([u[2] for u in units])
        value = si[analyte] / factors[code]
        scale = 10.0 ** places[code]
        value = np.round(value * scale) / scale
        value = np.maximum(value, 1.0 / scale)
        lab_value[analyte] = value
        lab_unit[analyte] = code
        labs_si[analyte] = value * factors[code]

    ascites = np.where(rng.random(n) < D.ASCITES_MILD_SHARE, 1, 0)
    ascites = np.where(liver & (rng.random(n) < 0.4), 1 + (rng.random(n) < 0.2), ascites)
    cols["ascites"] = ascites.astype(np.int8)
    cols["hepatic_encephalopathy"] = (rng.random(n) < D.ENCEPHALOPATHY_SHARE).astype(np.int8)

    lists = {
        "medical_history": _history(rng, n, screening_day),
        "allergies": _flag_list(rng, n, D.ALLERGY_SHARE, len(DRUGS)),
        "unable_to_tolerate": _flag_list(rng, n, D.UNABLE_TO_TOLERATE_SHARE, len(INTOLERANCES)),
        "prior_liver_directed_treatment": _flag_list(rng, n, D.PRIOR_LIVER_TREATMENT_SHARE, len(LIVER_TREATMENTS)),
    }
    cols["data_complete"] = rng.random(n) >= D.DATA_INCOMPLETE_SHARE
    return Population(
        n=n,
        subject_ids=subject_ids(n),
        cols=cols,
        labs_si=labs_si,
        lab_value=lab_value,
        lab_unit=lab_unit,
        lesions=lesions,
        lesion_mm=mm,
        lesion_segment=segment,
        lists=lists,
    )


def _flag_list(rng: np.random.Generator, n: int, share: float, choices: int) -> ListField:
    """One entry (a random choice) for ``share`` of patients, else an empty list."""
    owner = np.flatnonzero(rng.random(n) < share)
    return ListField(owner=owner, codes=rng.integers(0, choices, len(owner)).astype(np.int8), n=n)


def _history(rng: np.random.Generator, n: int, screening_day: np.ndarray) -> ListField:
    """E5 medical history: a recent event (< 6 months), an old one, or an any-time condition."""
    owner = np.flatnonzero(rng.random(n) < D.HISTORY_ENTRY_SHARE)
    kind = _choice(rng, len(owner), D.HISTORY_KIND_SHARES)
    recent_type = rng.integers(0, 4, len(owner))  # cerebral infarction/haemorrhage, GI haemorrhage/perforation
    any_time = rng.integers(4, 6, len(owner))  # coagulation disorder, GI ulcer
    codes = np.where(kind == 2, any_time, recent_type).astype(np.int8)
    back = np.where(kind == 0, rng.integers(5, 170, len(owner)), rng.integers(200, 3650, len(owner)))
    return ListField(owner=owner, codes=codes, n=n, days=screening_day[owner] - back)


# --- the documents -------------------------------------------------------------------------------


def _lab_texts(pop: Population, analyte: str) -> pa.Array:
    """``{"value": 14.2, "unit": "umol/L"}`` per patient: one take from a table of (unit, value) texts."""
    units = lab_units(analyte)
    code = pop.lab_unit[analyte].astype(np.int64)
    places = np.array([p for _, _, p in units])[code]
    scaled = np.round(pop.lab_value[analyte] * 10.0**places).astype(np.int64)
    hi = int(scaled.max()) if pop.n else 0
    if hi >= T.TABLE_LIMIT:
        texts = None
        for c, (_, _, p) in enumerate(units):
            part = T.decimals(np.where(code == c, pop.lab_value[analyte], 0.0), p)
            texts = part if texts is None else pc.if_else(pa.array(code == c), part, texts)
        assert texts is not None
        doc = T.obj([("value", texts), ("unit", T.categories([u for u, _, _ in units], code))], pop.n)
    else:
        size = T._table_size(hi)
        tables = [
            pc.binary_join_element_wise('{"value": ', T.number_table(size, p), f', "unit": "{u}"}}', "")
            for u, _, p in units
        ]
        doc = pc.take(pa.concat_arrays(tables), pa.array(code * size + scaled))
    return T.with_nulls(doc, pop.is_missing(f"labs.{analyte}"))


def _list_texts(pop: Population, name: str, labels: list[str]) -> pa.Array:
    lf = pop.lists[name]
    items = T.categories(labels, lf.codes)
    if name == "medical_history":
        assert lf.days is not None
        items = T.obj([("condition", items), ("date", T.quoted(T.iso_dates(lf.days)))], len(lf.owner))
    return T.with_nulls(T.array_of(items, lf.offsets), pop.is_missing(name))


def lesion_ids(lesions: ListField) -> pa.Array:
    return pc.binary_join_element_wise("L", T.integers(lesions.codes + 1), "")


def _lesion_texts(pop: Population) -> pa.Array:
    """``{"id": "L1", "segment": "S7", "longest_diameter_mm": 48}`` per lesion: one take from a table of
    every (lesion number, segment, diameter) text."""
    les = pop.lesions
    mm = pop.lesion_mm.astype(np.int64)
    numbers, segments = D.LESION_COUNT_MAX, len(SEGMENTS)
    sizes = int(mm.max()) + 1 if len(mm) else 1
    texts = [
        f'{{"id": "L{i + 1}", "segment": "{SEGMENTS[g]}", "longest_diameter_mm": {d}}}'
        for i in range(numbers)
        for g in range(segments)
        for d in range(sizes)
    ]
    code = (les.codes.astype(np.int64) * segments + pop.lesion_segment) * sizes + mm
    return pc.take(pa.array(texts, pa.string()), pa.array(code))


def screening_documents(pop: Population) -> pa.ChunkedArray:
    """One docs/contracts/screen.md document per patient (a JSON line), in screening order."""
    n, c, miss = pop.n, pop.cols, pop.is_missing

    def num(name: str, places: int) -> pa.Array:
        return T.with_nulls(T.decimals(c[name], places), miss(name))

    def boolean(name: str, key: str | None = None) -> pa.Array:
        return T.booleans(c[name], miss(key or name))

    def cat(name: str, labels: list[str], key: str | None = None) -> pa.Array:
        return T.with_nulls(T.categories(labels, c[name]), miss(key or name))

    les = pop.lesions
    lesion_items = _lesion_texts(pop)
    fields = [
        ("subject_id", T.quoted(pop.subject_ids)),
        ("screening_date", T.with_nulls(T.quoted(T.iso_dates(c["screening_day"])), miss("screening_date"))),
        ("birth_date", T.with_nulls(T.quoted(T.iso_dates(c["birth_day"])), miss("birth_date"))),
        ("sex", cat("sex", SEXES)),
        ("height_cm", num("height_cm", 0)),
        ("weight_kg", num("weight_kg", 1)),
        ("ecog", num("ecog", 0)),
        ("lvef_percent", num("lvef_percent", 0)),
        ("fev1_fvc_percent", num("fev1_fvc_percent", 0)),
        ("pathology_confirmed_crlm", boolean("pathology_confirmed_crlm")),
        ("other_malignancy_history", boolean("other_malignancy_history")),
        ("prior_systemic_treatment", cat("prior_systemic_treatment", PRIOR_SYSTEMIC)),
        (
            "primary_tumor",
            T.obj(
                [
                    ("site", cat("site", SITES, "primary_tumor.site")),
                    ("resected", boolean("primary_resected", "primary_tumor.resected")),
                    (
                        "completely_resectable",
                        boolean("primary_completely_resectable", "primary_tumor.completely_resectable"),
                    ),
                ],
                n,
            ),
        ),
        (
            "molecular",
            T.obj([(g, cat(g, MUTATION, f"molecular.{g}")) for g in ("kras", "nras", "braf")], n),
        ),
        ("liver_lesions", T.with_nulls(T.array_of(lesion_items, les.offsets), miss("liver_lesions"))),
        ("extrahepatic_metastasis", boolean("extrahepatic_metastasis")),
        ("peritoneal_spread", boolean("peritoneal_spread")),
        ("ascites", cat("ascites", ASCITES)),
        ("hepatic_encephalopathy", cat("hepatic_encephalopathy", ENCEPHALOPATHY)),
        ("labs", T.obj([(a, _lab_texts(pop, a)) for a in ANALYTES], n)),
        ("medical_history", _list_texts(pop, "medical_history", CONDITIONS)),
        ("allergies", _list_texts(pop, "allergies", DRUGS)),
        ("unable_to_tolerate", _list_texts(pop, "unable_to_tolerate", INTOLERANCES)),
        ("prior_liver_directed_treatment", _list_texts(pop, "prior_liver_directed_treatment", LIVER_TREATMENTS)),
        ("data_complete", boolean("data_complete")),
    ]
    return T.json_lines(fields, n)
