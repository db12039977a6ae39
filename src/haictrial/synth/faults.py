"""Data-quality faults injected on request, and their ledger (``faults.jsonl``).

With ``--faults RATE`` each screened patient's document gets one fault with probability RATE, and so
does each enrolled patient's course. Every fault is a data-quality fault, never a type error: a faulted
screening document still parses as a :class:`~haictrial.clinical.patient.Patient`, and the screening
verdict (hence enrolment) is the engine's verdict on the faulted document. Kinds:

- ``missing``: a value removed (written as null: the criteria that need it become ``unknown``);
- ``out_of_range``: a decimal slip, the value x10 with its unit kept (platelets 2150 x10^9/L);
- ``unit_mixup``: a value in one unit labelled with the other (bilirubin 0.83 mg/dL written as
  0.83 umol/L, albumin 4.1 g/dL written as 4.1 g/L);
- ``date_order``: a date before the one it must follow (a cycle before the previous cycle, an adverse
  event resolved before its onset). Only in the course tables: in a screening document a date out of
  order (birth or medical history after screening) is an input error of the Patient model.

Course faults touch the ``labs``, ``cycles`` and ``adverse_events`` tables only: ``recist.jsonl`` stays a
valid RECIST input, and height and weight stay as drawn so the planned doses remain the planning
engine's. The ledger names the file, table, subject, record, field, kind, original and injected value.

References
----------
- Unit conversions: docs/contracts/screen.md (bilirubin 17.1, creatinine 88.4, g/dL = 10 g/L).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from haictrial.synth import text as T
from haictrial.synth.patients import ANALYTES, Population, lab_units

KINDS = ["missing", "out_of_range", "unit_mixup", "date_order"]
#: Screening fields a "missing" fault may remove (never height, weight, site or molecular status,
#: which the planning engine needs; never the subject id or screening date).
MISSING_FIELDS = [
    "birth_date",
    "ecog",
    "lvef_percent",
    "fev1_fvc_percent",
    "pathology_confirmed_crlm",
    "other_malignancy_history",
    "prior_systemic_treatment",
    "extrahepatic_metastasis",
    "peritoneal_spread",
    "ascites",
    "medical_history",
    "data_complete",
    *[f"labs.{a}" for a in ANALYTES],
]
#: Analytes with a second unit whose mix-up changes the number by a large factor.
MIXUP_ANALYTES = ["total_bilirubin", "creatinine", "albumin", "hemoglobin"]


@dataclass
class Ledger:
    """Fault records as columns (JSON texts for the values)."""

    columns: dict[str, list[pa.Array]] = field(default_factory=dict)

    def add(
        self,
        file: str,
        table: str,
        subject_id: pa.Array,
        record: pa.Array,
        fld: str,
        kind: str,
        original: pa.Array,
        injected: pa.Array,
    ) -> None:
        n = len(subject_id)
        if n == 0:
            return
        parts = {
            "file": T.literal(file, n),
            "table": T.literal(table, n),
            "subject_id": subject_id.cast(pa.string()),
            "record": record,
            "field": T.literal(fld, n),
            "kind": T.literal(kind, n),
            "original": original,
            "injected": injected,
        }
        for k, v in parts.items():
            self.columns.setdefault(k, []).append(v)

    def table(self) -> pa.Table:
        names = ["file", "table", "subject_id", "record", "field", "kind", "original", "injected"]
        if not self.columns:
            return pa.table({k: pa.array([], pa.string()) for k in ["fault_id", *names]})
        cols = {k: pa.concat_arrays([a.cast(pa.string()) for a in self.columns[k]]) for k in names}
        table = pa.table(cols)
        order = pc.sort_indices(table, [("subject_id", "ascending"), ("table", "ascending"), ("field", "ascending")])
        table = table.take(order)
        ids = pc.binary_join_element_wise("F", pc.utf8_lpad(T.integers(np.arange(1, len(table) + 1)), 6, "0"), "")
        return table.add_column(0, "fault_id", ids)

    @staticmethod
    def documents(table: pa.Table) -> pa.ChunkedArray:
        """The ledger as JSON lines."""
        n = len(table)
        fields = [
            (name, T.quoted(table[name].combine_chunks())) for name in ("fault_id", "file", "table", "subject_id")
        ]
        fields.append(("record", table["record"].combine_chunks()))
        fields += [(name, T.quoted(table[name].combine_chunks())) for name in ("field", "kind")]
        fields += [("original", table["original"].combine_chunks()), ("injected", table["injected"].combine_chunks())]
        return T.json_lines(fields, n)


def _lab_json(values: np.ndarray, unit_codes: np.ndarray, analyte: str) -> pa.Array:
    units = lab_units(analyte)
    texts = None
    for c, (unit, _, places) in enumerate(units):
        sel = unit_codes == c
        part = T.obj(
            [("value", T.decimals(np.where(sel, values, 0.0), places)), ("unit", T.literal(f'"{unit}"', len(values)))],
            len(values),
        )
        texts = part if texts is None else pc.if_else(pa.array(sel), part, texts)
    assert texts is not None
    return texts


def inject_screening_faults(pop: Population, rate: float, rng: np.random.Generator, ledger: Ledger) -> None:
    """Fault ``rate`` of the screening documents in place (one fault each) and record them."""
    if rate <= 0:
        return
    hit = np.flatnonzero(rng.random(pop.n) < rate)
    kind = rng.choice(3, len(hit), p=[0.45, 0.25, 0.30])
    # missing values
    miss_rows = hit[kind == 0]
    which = rng.integers(0, len(MISSING_FIELDS), len(miss_rows))
    for f, name in enumerate(MISSING_FIELDS):
        rows = miss_rows[which == f]
        if len(rows) == 0:
            continue
        mask = pop.missing.setdefault(name, np.zeros(pop.n, dtype=bool))
        mask[rows] = True
        original = _original_text(pop, name, rows)
        ledger.add(
            "screening.jsonl",
            "screening",
            pop.subject_ids.take(pa.array(rows)),
            T.literal("{}", len(rows)),
            name,
            "missing",
            original,
            T.literal("null", len(rows)),
        )
    # out of range: a decimal slip (x10) in one laboratory value
    oor = hit[kind == 1]
    which = rng.integers(0, len(ANALYTES), len(oor))
    for a, analyte in enumerate(ANALYTES):
        rows = oor[which == a]
        if len(rows) == 0:
            continue
        before = _lab_json(pop.lab_value[analyte][rows], pop.lab_unit[analyte][rows], analyte)
        pop.lab_value[analyte][rows] = np.round(pop.lab_value[analyte][rows] * 10.0, 6)
        after = _lab_json(pop.lab_value[analyte][rows], pop.lab_unit[analyte][rows], analyte)
        ledger.add(
            "screening.jsonl",
            "screening",
            pop.subject_ids.take(pa.array(rows)),
            T.literal("{}", len(rows)),
            f"labs.{analyte}",
            "out_of_range",
            before,
            after,
        )
    # unit mix-up: the number of one unit labelled with the other
    mix = hit[kind == 2]
    which = rng.integers(0, len(MIXUP_ANALYTES), len(mix))
    for a, analyte in enumerate(MIXUP_ANALYTES):
        rows = mix[which == a]
        if len(rows) == 0:
            continue
        units = lab_units(analyte)
        code = pop.lab_unit[analyte][rows]
        before = _lab_json(pop.lab_value[analyte][rows], code, analyte)
        si = pop.lab_value[analyte][rows] * np.array([u[1] for u in units])[code]
        other = 1 - code
        places = np.array([u[2] for u in units])[code]  # written as the labelled unit's numbers are
        value = si / np.array([u[1] for u in units])[other]
        value = np.maximum(np.round(value * 10.0**places) / 10.0**places, 10.0 ** (-places))
        pop.lab_value[analyte][rows] = value
        after = _lab_json(value, code, analyte)
        ledger.add(
            "screening.jsonl",
            "screening",
            pop.subject_ids.take(pa.array(rows)),
            T.literal("{}", len(rows)),
            f"labs.{analyte}",
            "unit_mixup",
            before,
            after,
        )


def _original_text(pop: Population, name: str, rows: np.ndarray) -> pa.Array:
    from haictrial.synth import patients as P

    c = pop.cols
    n = len(rows)
    if name.startswith("labs."):
        analyte = name.removeprefix("labs.")
        return _lab_json(pop.lab_value[analyte][rows], pop.lab_unit[analyte][rows], analyte)
    if name == "birth_date":
        return T.quoted(T.iso_dates(c["birth_day"][rows]))
    if name in ("ecog", "lvef_percent", "fev1_fvc_percent"):
        return T.decimals(c[name][rows], 0)
    if name in (
        "pathology_confirmed_crlm",
        "other_malignancy_history",
        "extrahepatic_metastasis",
        "peritoneal_spread",
        "data_complete",
    ):
        return T.booleans(c[name][rows])
    if name == "prior_systemic_treatment":
        return T.categories(P.PRIOR_SYSTEMIC, c[name][rows])
    if name == "ascites":
        return T.categories(P.ASCITES, c[name][rows])
    if name == "medical_history":
        lf = pop.lists[name]
        count = np.bincount(lf.owner, minlength=pop.n)[rows]
        return pc.binary_join_element_wise('"', T.integers(count), ' entries"', "")
    return T.literal("null", n)


def inject_course_faults(
    tables: dict[str, pa.Table], rate: float, rng: np.random.Generator, ledger: Ledger
) -> dict[str, pa.Table]:
    """Fault ``rate`` of the enrolled patients' courses (one fault each) in the labs, cycles and
    adverse_events tables; return the new tables."""
    if rate <= 0:
        return tables
    subjects = tables["subjects"]["subject_id"].combine_chunks()
    n = len(subjects)
    hit = rng.random(n) < rate
    kind = rng.choice(5, n, p=[0.25, 0.2, 0.25, 0.15, 0.15])
    out = dict(tables)
    out["labs"] = _lab_faults(out["labs"], subjects, hit, kind, rng, ledger)
    out["cycles"] = _cycle_faults(out["cycles"], subjects, hit & (kind == 3), rng, ledger)
    out["adverse_events"] = _ae_faults(out["adverse_events"], subjects, hit & (kind == 4), rng, ledger)
    return out


def subject_positions(table: pa.Table, subjects: pa.Array) -> np.ndarray:
    """Position of each row's subject in ``subjects`` (the dictionary indices of a course table)."""
    col = table["subject_id"].combine_chunks()
    if pa.types.is_dictionary(col.type):
        return col.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return pc.index_in(col, value_set=subjects).to_numpy(zero_copy_only=False)


def dictionary_codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[str]]:
    """(indices, labels) of a dictionary-encoded column."""
    col = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return col.indices.to_numpy(zero_copy_only=False), col.dictionary.to_pylist()


def _first_row(
    pos: np.ndarray, chosen: np.ndarray, rng: np.random.Generator, where: np.ndarray | None = None
) -> np.ndarray:
    """One random row index per chosen subject (among its rows matching ``where``); ``pos`` from
    :func:`subject_positions`."""
    ok = chosen[pos]
    if where is not None:
        ok &= where
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return rows
    key = rng.random(len(rows))
    order = np.lexsort((key, pos[rows]))
    rows = rows[order]
    first = np.concatenate([[True], pos[rows][1:] != pos[rows][:-1]])
    return rows[first]


def _record(table: pa.Table, rows: np.ndarray, cols: list[str]) -> pa.Array:
    fields = []
    for c in cols:
        col = table[c].combine_chunks().take(pa.array(rows))
        if pa.types.is_integer(col.type):
            fields.append((c, col.cast(pa.string())))
        else:
            fields.append((c, T.quoted(col.cast(pa.string()))))
    return T.obj(fields, len(rows))


def _lab_faults(
    labs: pa.Table, subjects: pa.Array, hit: np.ndarray, kind: np.ndarray, rng: np.random.Generator, ledger: Ledger
) -> pa.Table:
    test_codes, test_labels = dictionary_codes(labs["test"])
    bili, creat = test_labels.index("total_bilirubin"), test_labels.index("creatinine")
    mixable = (test_codes == bili) | (test_codes == creat)
    value = labs["value"].combine_chunks().to_numpy(zero_copy_only=False).astype(float).copy()
    missing = np.zeros(len(value), dtype=bool)
    sid = labs["subject_id"].combine_chunks()
    unit = labs["unit"].combine_chunks()
    pos = subject_positions(labs, subjects)

    def as_json(rows: np.ndarray) -> pa.Array:
        return T.obj(
            [("value", T.decimals(value[rows], 2)), ("unit", T.quoted(unit.take(pa.array(rows)).cast(pa.string())))],
            len(rows),
        )

    for k, name in ((0, "missing"), (1, "out_of_range"), (2, "unit_mixup")):
        where = mixable if name == "unit_mixup" else None
        rows = _first_row(pos, hit & (kind == k), rng, where)
        if len(rows) == 0:
            continue
        before = as_json(rows)
        if name == "missing":
            missing[rows] = True
            after = T.literal("null", len(rows))
        elif name == "out_of_range":
            value[rows] = value[rows] * 10.0
            after = as_json(rows)
        else:
            is_bili = test_codes[rows] == bili
            value[rows] = np.round(value[rows] / np.where(is_bili, 17.1, 88.4), 2)
            after = as_json(rows)
        ledger.add(
            "labs.parquet",
            "labs",
            sid.take(pa.array(rows)),
            _record(labs, rows, ["cycle", "test"]),
            "value",
            name,
            before,
            after,
        )
    col = pa.array(value, pa.float64(), mask=missing | np.isnan(value))
    return labs.set_column(labs.schema.get_field_index("value"), "value", col)


def _cycle_faults(
    cycles: pa.Table, subjects: pa.Array, chosen: np.ndarray, rng: np.random.Generator, ledger: Ledger
) -> pa.Table:
    cycle = cycles["cycle"].combine_chunks().to_numpy(zero_copy_only=False)
    days = cycles["date"].combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64).copy()
    rows = _first_row(subject_positions(cycles, subjects), chosen, rng, cycle >= 2)
    if len(rows):
        before = T.quoted(T.iso_dates(days[rows]))
        days[rows] = days[rows - 1] - rng.integers(1, 6, len(rows))
        after = T.quoted(T.iso_dates(days[rows]))
        ledger.add(
            "cycles.parquet",
            "cycles",
            cycles["subject_id"].combine_chunks().take(pa.array(rows)),
            _record(cycles, rows, ["cycle"]),
            "date",
            "date_order",
            before,
            after,
        )
    col = pa.array(days.astype("datetime64[D]"), pa.date32())
    return cycles.set_column(cycles.schema.get_field_index("date"), "date", col)


def _ae_faults(
    aes: pa.Table, subjects: pa.Array, chosen: np.ndarray, rng: np.random.Generator, ledger: Ledger
) -> pa.Table:
    if len(aes) == 0:
        return aes
    onset = aes["onset_date"].combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    res_col = aes["resolution_date"].combine_chunks()
    has = res_col.is_valid().to_numpy(zero_copy_only=False)
    res = res_col.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64).copy()
    rows = _first_row(subject_positions(aes, subjects), chosen, rng, has)
    if len(rows):
        before = T.quoted(T.iso_dates(res[rows]))
        res[rows] = onset[rows] - rng.integers(1, 10, len(rows))
        after = T.quoted(T.iso_dates(res[rows]))
        ledger.add(
            "adverse_events.parquet",
            "adverse_events",
            aes["subject_id"].combine_chunks().take(pa.array(rows)),
            _record(aes, rows, ["cycle", "term"]),
            "resolution_date",
            "date_order",
            before,
            after,
        )
    col = pa.array(res.astype("datetime64[D]"), pa.date32(), mask=~has)
    return aes.set_column(aes.schema.get_field_index("resolution_date"), "resolution_date", col)
