"""Conditions, procedures and organ-function observations of an OMOP CDM 5.4 population, as flat columns.

:func:`history_columns` reads ``condition_occurrence``, ``procedure_occurrence``, ``measurement`` and
``observation`` (each optional) through the concept sets of :mod:`haictrial.interop.prescreen.omop_concepts`
and gives one row per person with an index date:

- ``other_malignancy_history`` (I2), ``extrahepatic_metastasis`` (E1), ``peritoneal_spread`` (E4): true when a
  matching condition starts on or before the index date; otherwise not reported (null), never false.
- ``medical_history_*`` (E5): the E5 conditions that exclude on the index date (an any-time condition, or a
  recent-event condition dated within the protocol's ``E5_recent_event_months``), latest date of each; a
  person with none has no list (null: the history is to obtain, not "none").
- ``prior_liver_directed_treatment_*`` (E7): resection, ablation, radiation of the liver on or before the
  index date; none found is no list (null).
- ``ecog``, ``lvef_percent``, ``fev1_fvc_percent`` (I6): the latest value in the look-back window, as
  for the laboratory values; a percentage needs the unit ``%`` (a ratio unit is multiplied by 100).
- ``primary_tumor_site``: the one site of the colorectal primary's ICD-10-CM codes (two different sites:
  not reported).
- ``pathology_confirmed_crlm`` (I4): true when a liver-metastasis condition comes from a pathology report
  (``condition_type_concept_id``) and a colorectal primary is recorded; otherwise not reported.
- ``allergies_*`` (E3): the regimen's drugs named by a drug-allergy observation (``value_as_concept_id``);
  none found is no list.

References: OMOP CDM 5.4 (https://ohdsi.github.io/CommonDataModel/cdm54.html); NCT06988852 I2, I4, I6, E1,
E3, E4, E5, E7; docs/prescreen-omop.md (every code).
"""

from __future__ import annotations

from functools import reduce

import ibis
import ibis.expr.types as ir

from haictrial.interop.prescreen.omop_concepts import (
    COLORECTAL_PRIMARY,
    DRUG_ALLERGY,
    ECOG_LOINC,
    EXTRAHEPATIC_METASTASIS,
    FEV1_FVC_LOINC,
    HISTORY,
    LIVER_DIRECTED,
    LIVER_METASTASIS,
    LVEF_LOINC,
    OTHER_MALIGNANCY,
    PATHOLOGY_REPORT_TYPE,
    PERCENT_UNITS,
    PERITONEAL_SPREAD,
    PRIMARY_SITE,
    RATIO_UNITS,
    REGIMEN_INGREDIENTS,
    ConceptSet,
)
from haictrial.protocol.schema import Protocol
from haictrial.vocabulary.flat_layout import count_column, item_column

#: Optional CDM tables: read when present.
OPTIONAL_TABLES = ("condition_occurrence", "procedure_occurrence", "observation", "concept_ancestor")


def _ids(t: ir.Table, column: str) -> ir.Table:
    return t.select(cid=t[column].cast("int64"))


def _any(conditions: list[ir.BooleanValue]) -> ir.BooleanValue:
    return reduce(lambda a, b: a | b, conditions) if conditions else ibis.literal(False)


def _coded(concept: ir.Table, vocabulary: str, codes: tuple[str, ...]) -> ir.Table:
    return _ids(
        concept.filter((concept.vocabulary_id == vocabulary) & concept.concept_code.isin(list(codes))), "concept_id"
    )


def _snomed(concept: ir.Table, codes: tuple[str, ...]) -> ir.Table:
    return _coded(concept, "SNOMED", codes)


def _prefixed(concept: ir.Table, prefixes: dict[str, tuple[str, ...]]) -> ir.Table | None:
    if not prefixes:
        return None
    match = _any(
        [
            (concept.vocabulary_id == vocabulary) & _any([concept.concept_code.startswith(p) for p in codes])
            for vocabulary, codes in prefixes.items()
        ]
    )
    return _ids(concept.filter(match), "concept_id")


def _related(ancestor: ir.Table | None, roots: ir.Table, *, down: bool) -> ir.Table:
    """``roots`` with their descendants (``down``) or ancestors, when the CDM has ``concept_ancestor``."""
    if ancestor is None:
        return roots
    start, end = (
        ("ancestor_concept_id", "descendant_concept_id") if down else ("descendant_concept_id", "ancestor_concept_id")
    )
    linked = ancestor.filter(ancestor[start].cast("int64").isin(roots.cid))
    return ibis.union(roots, _ids(linked, end), distinct=True)


def concept_ids(concepts: ConceptSet, concept: ir.Table, ancestor: ir.Table | None) -> ir.Table:
    """The CDM's concept ids of a concept set (column ``cid``)."""
    parts: list[ir.Table] = []
    if concepts.snomed:
        parts.append(_related(ancestor, _snomed(concept, concepts.snomed), down=True))
    if concepts.rxnorm:
        parts.append(_related(ancestor, _coded(concept, "RxNorm", concepts.rxnorm), down=True))
    prefixed = _prefixed(concept, concepts.prefixes)
    if prefixed is not None:
        parts.append(prefixed)
    wanted = ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0]
    dropped: list[ir.Table] = []
    if concepts.excluded:
        roots = _snomed(concept, concepts.excluded)
        dropped += [_related(ancestor, roots, down=True), _related(ancestor, roots, down=False)]
    excluded_prefixed = _prefixed(concept, concepts.excluded_prefixes)
    if excluded_prefixed is not None:
        dropped.append(excluded_prefixed)
    for table in dropped:
        wanted = wanted.anti_join(table, "cid")
    return wanted.distinct()


def _events(table: ir.Table, concept_column: str, source_column: str, day_column: str) -> ir.Table:
    """(person_id, cid, day) for the standard concept and, when present, the source concept of each record."""
    keep = [c for c in (concept_column, source_column) if c in table.columns]
    parts = [
        table.select(person_id=table.person_id, cid=table[c].cast("int64"), day=table[day_column].cast("date"))
        for c in keep
    ]
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _matching(events: ir.Table, ids: ir.Table, index: ir.Table) -> ir.Table:
    """The events of a concept set on or before each person's index date, with ``index_day``."""
    hits = events.semi_join(ids, events.cid == ids.cid)
    hits = hits.join(index, "person_id")
    return hits.filter(hits.day <= hits.index_day)


def _flag(events: ir.Table, ids: ir.Table, index: ir.Table, name: str) -> ir.Table:
    hits = _matching(events, ids, index)
    return hits.group_by("person_id").aggregate(**{name: ibis.literal(True)})


def _code_list(stacked: list[ir.Table], name: str, slots: int, *, dated: bool) -> ir.Table:
    """A list column group (``name_count``, ``name_<i>[_condition, _date]``) from (person_id, code, rank, day)."""
    rows = ibis.union(*stacked, distinct=False) if len(stacked) > 1 else stacked[0]
    slot = ibis.row_number().over(group_by=rows.person_id, order_by=rows.rank)
    rows = rows.mutate(slot=slot)
    columns: dict[str, ir.Value] = {count_column(name): rows.count()}
    for i in range(slots):
        here = rows.slot == i
        if dated:
            columns[item_column(name, i, "condition")] = rows.code.max(where=here)
            columns[item_column(name, i, "date")] = rows.day.max(where=here)
        else:
            columns[item_column(name, i)] = rows.code.max(where=here)
    return rows.group_by("person_id").aggregate(**columns)


def _medical_history(
    events: ir.Table, concept: ir.Table, ancestor: ir.Table | None, index: ir.Table, protocol: Protocol
) -> ir.Table:
    thresholds = protocol.eligibility.thresholds
    months = thresholds.E5_recent_event_months
    stacked = []
    for rank, (condition, concepts) in enumerate(HISTORY.items()):
        any_time = condition.value in thresholds.E5_any_time_conditions
        if not any_time and condition.value not in thresholds.E5_recent_conditions:
            continue  # not an exclusion under this protocol: nothing to report
        hits = _matching(events, concept_ids(concepts, concept, ancestor), index)
        if not any_time:
            # Calendar months before the index date, clamped to the month's end (as months_before in E5).
            cutoff = (hits.index_day - ibis.interval(months=months)).cast("date")
            hits = hits.filter(hits.day >= cutoff)
        latest = hits.group_by("person_id").aggregate(day=hits.day.max())
        stacked.append(
            latest.select("person_id", code=ibis.literal(condition.value), rank=ibis.literal(rank), day="day")
        )
    return _code_list(stacked, "medical_history", len(stacked), dated=True)


def _liver_directed(events: ir.Table, concept: ir.Table, ancestor: ir.Table | None, index: ir.Table) -> ir.Table:
    stacked = []
    for rank, (treatment, concepts) in enumerate(LIVER_DIRECTED.items()):
        hits = _matching(events, concept_ids(concepts, concept, ancestor), index)
        found = hits.group_by("person_id").aggregate(day=hits.day.max())
        stacked.append(
            found.select("person_id", code=ibis.literal(treatment.value), rank=ibis.literal(rank), day="day")
        )
    return _code_list(stacked, "prior_liver_directed_treatment", len(stacked), dated=False)


def _organ_function(tables: dict[str, ir.Table], index: ir.Table, lookback_days: int) -> ir.Table | None:
    """ECOG, LVEF and FEV1/FVC: the latest value in the look-back window, percent units checked."""
    concept = tables["concept"]
    codes = {
        code: name
        for name, group in (("ecog", ECOG_LOINC), ("lvef_percent", LVEF_LOINC), ("fev1_fvc_percent", FEV1_FVC_LOINC))
        for code in group
    }
    wanted = concept.filter((concept.vocabulary_id == "LOINC") & concept.concept_code.isin(list(codes)))
    wanted = wanted.select(cid=wanted.concept_id.cast("int64"), field=wanted.concept_code.substitute(codes))
    units = concept.filter(concept.vocabulary_id == "UCUM").select(
        unit_id=concept.concept_id.cast("int64"), ucum=concept.concept_code
    )
    parts = []
    for name, prefix in (("measurement", "measurement"), ("observation", "observation")):
        if name not in tables:
            continue
        t = tables[name]
        unit_source = (
            t.unit_source_value.cast("string").nullif("") if "unit_source_value" in t.columns else ibis.null("string")
        )
        parts.append(
            t.select(
                person_id=t.person_id,
                cid=t[f"{prefix}_concept_id"].cast("int64"),
                record_id=t[f"{prefix}_id"].cast("int64"),
                day=t[f"{prefix}_date"].cast("date"),
                value=t.value_as_number.try_cast("float64"),
                unit_id=t.unit_concept_id.cast("int64"),
                unit_source=unit_source,
            )
        )
    if not parts:
        return None
    rows = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    rows = rows.join(wanted, "cid").left_join(units, "unit_id")
    unit = ibis.coalesce(rows.ucum, rows.unit_source)
    percent = ibis.cases(
        (unit.isin(list(PERCENT_UNITS)), rows.value),
        (unit.isin(list(RATIO_UNITS)), rows.value * 100),
        else_=ibis.null("float64"),
    )
    # ECOG is a score without a unit; LVEF and FEV1/FVC are percentages (a value without a unit is not used).
    value = ibis.cases((rows.field == "ecog", rows.value), else_=percent)
    rows = rows.select("person_id", "field", "record_id", "day", value=value).filter(lambda r: r.value.notnull())
    rows = rows.join(index, "person_id")
    rows = rows.filter((rows.day <= rows.index_day) & (rows.day > rows.index_day - ibis.interval(days=lookback_days)))
    latest = ibis.row_number().over(
        group_by=[rows.person_id, rows.field], order_by=[ibis.desc(rows.day), ibis.desc(rows.record_id)]
    )
    rows = rows.mutate(_rank=latest).filter(lambda r: r._rank == 0)
    return rows.group_by("person_id").aggregate(
        **{field: rows.value.max(where=rows.field == field) for field in ("ecog", "lvef_percent", "fev1_fvc_percent")}
    )


def _primary_site(events: ir.Table, concept: ir.Table, ancestor: ir.Table | None, index: ir.Table) -> ir.Table:
    """``primary_tumor_site`` when the person's site codes name one site only (two sites: not reported)."""
    stacked = []
    for site, concepts in PRIMARY_SITE.items():
        hits = _matching(events, concept_ids(concepts, concept, ancestor), index)
        stacked.append(hits.select("person_id", site=ibis.literal(site.value)).distinct())
    sites = ibis.union(*stacked, distinct=True)
    found = sites.group_by("person_id").aggregate(n=sites.site.nunique(), primary_tumor_site=sites.site.max())
    return found.filter(found.n == 1).select("person_id", "primary_tumor_site")


def _pathology_confirmed(
    conditions: ir.Table, events: ir.Table, concept: ir.Table, ancestor: ir.Table | None, index: ir.Table
) -> ir.Table | None:
    """``pathology_confirmed_crlm`` true: a liver-metastasis record typed as a pathology report, and a colorectal
    primary on record (both on or before the index date). Without ``condition_type_concept_id``: not read."""
    if "condition_type_concept_id" not in conditions.columns:
        return None
    vocabulary, code = PATHOLOGY_REPORT_TYPE
    pathology = _coded(concept, vocabulary, (code,))
    typed = conditions.filter(conditions.condition_type_concept_id.cast("int64").isin(pathology.cid))
    reported = _events(typed, "condition_concept_id", "condition_source_concept_id", "condition_start_date")
    metastases = _matching(reported, concept_ids(LIVER_METASTASIS, concept, ancestor), index)
    primary = _matching(events, concept_ids(COLORECTAL_PRIMARY, concept, ancestor), index)
    confirmed = metastases.semi_join(primary, "person_id").select("person_id").distinct()
    return confirmed.mutate(pathology_confirmed_crlm=ibis.literal(True))


def _drug_allergies(
    observation: ir.Table, concept: ir.Table, ancestor: ir.Table | None, index: ir.Table
) -> ir.Table | None:
    """``allergies_*``: the regimen's drugs named (``value_as_concept_id``) by a drug-allergy observation on or
    before the index date. Without ``value_as_concept_id``: not read."""
    if "value_as_concept_id" not in observation.columns:
        return None
    o = observation
    rows = o.select(
        person_id=o.person_id,
        cid=o.observation_concept_id.cast("int64"),
        substance=o.value_as_concept_id.cast("int64"),
        day=o.observation_date.cast("date"),
    )
    allergies = _matching(rows, concept_ids(DRUG_ALLERGY, concept, ancestor), index)
    stacked = []
    for rank, (drug, concepts) in enumerate(REGIMEN_INGREDIENTS.items()):
        ingredient = concept_ids(concepts, concept, ancestor)
        hits = allergies.semi_join(ingredient, allergies.substance == ingredient.cid)
        found = hits.group_by("person_id").aggregate(day=hits.day.max())
        stacked.append(found.select("person_id", code=ibis.literal(drug.value), rank=ibis.literal(rank), day="day"))
    return _code_list(stacked, "allergies", len(stacked), dated=False)


def history_columns(
    tables: dict[str, ir.Table], index: ir.Table, protocol: Protocol, lookback_days: int
) -> list[ir.Table]:
    """Tables keyed by ``person_id`` holding the mapped history columns (left-join them onto the person)."""
    concept = tables["concept"]
    ancestor = tables.get("concept_ancestor")
    out: list[ir.Table] = []
    conditions = tables.get("condition_occurrence")
    if conditions is not None:
        events = _events(conditions, "condition_concept_id", "condition_source_concept_id", "condition_start_date")
        for name, concepts in (
            ("other_malignancy_history", OTHER_MALIGNANCY),
            ("extrahepatic_metastasis", EXTRAHEPATIC_METASTASIS),
            ("peritoneal_spread", PERITONEAL_SPREAD),
        ):
            out.append(_flag(events, concept_ids(concepts, concept, ancestor), index, name))
        out.append(_medical_history(events, concept, ancestor, index, protocol))
        out.append(_primary_site(events, concept, ancestor, index))
        confirmed = _pathology_confirmed(conditions, events, concept, ancestor, index)
        if confirmed is not None:
            out.append(confirmed)
    procedures = tables.get("procedure_occurrence")
    if procedures is not None:
        events = _events(procedures, "procedure_concept_id", "procedure_source_concept_id", "procedure_date")
        out.append(_liver_directed(events, concept, ancestor, index))
    observation = tables.get("observation")
    allergies = None if observation is None else _drug_allergies(observation, concept, ancestor, index)
    if allergies is not None:
        out.append(allergies)
    organ = _organ_function(tables, index, lookback_days)
    if organ is not None:
        out.append(organ)
    return out
