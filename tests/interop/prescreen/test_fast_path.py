"""The compiled pre-screen's fast path: SQL compiled once per protocol and schema, run inside DuckDB from the
file to the ``--out`` file, with the same verdicts (docs/contracts/prescreen.md, docs/contracts/screen.md).

References: NCT06988852 I1-I8, E1-E8; the rounding-robust comparisons of haictrial.vocabulary.units
(math.isclose, rel_tol 1e-9, abs_tol 1e-12).
"""

from __future__ import annotations

import json

import duckdb
import hypothesis.strategies as st
import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from test_prescreen import EXAMPLE, assert_agrees

from haictrial import prescreen_table
from haictrial.interop.prescreen import compiler
from haictrial.interop.prescreen.compiler import at_least, at_most, known_unit_factors, prescreen_sql
from haictrial.interop.prescreen.run import prescreen_file, summary
from haictrial.interop.prescreen.sources import read_flat
from haictrial.protocol import load_protocol
from haictrial.vocabulary import units
from haictrial.vocabulary.flat_layout import flat_table


def test_the_sql_is_compiled_once_per_protocol_and_schema(monkeypatch):
    protocol = load_protocol()
    schema = ibis.schema(flat_table([EXAMPLE]).schema)
    first = prescreen_sql(schema, protocol)
    calls = []
    original = compiler.compile_prescreen

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(compiler, "compile_prescreen", counted)
    assert prescreen_sql(schema, protocol) is first and calls == []
    # Another schema (a column fewer) is another query.
    narrower = ibis.schema({name: dtype for name, dtype in schema.items() if name != "ecog"})
    assert prescreen_sql(narrower, protocol) != first
    assert len(calls) == 1


def test_the_file_path_writes_the_same_table_as_prescreen_table(tmp_path):
    docs = [
        EXAMPLE,
        {**EXAMPLE, "ecog": 3},
        {k: v for k, v in EXAMPLE.items() if k != "labs"},
        {**EXAMPLE, "sex": "unknown"},  # refused by the engine: an error, no verdict
    ]
    source, out = tmp_path / "extract.parquet", tmp_path / "out.parquet"
    pq.write_table(flat_table(docs), source)
    doc = prescreen_file(source, out)
    written = pq.read_table(out)
    assert written.to_pylist() == prescreen_table(read_flat(source)).to_pylist()
    assert_agrees(docs, written)
    want = summary(written)
    assert {k: doc[k] for k in want} == want
    assert (doc["patients"], doc["errors"]) == (4, 1)


def test_an_unusual_unit_spelling_the_engine_folds_gets_the_engines_verdict():
    # units.normalise_unit folds "x10^9/L" and "Ｇ／Ｌ" (full-width, WS/T 404) to 10^9/L: the query does not
    # know these spellings, so the engine decides the row - and on 1 500 such rows the query learns them.
    odd = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "platelets": {"value": 180, "unit": "x10^9/L"}}}
    wide = {**EXAMPLE, "labs": {**EXAMPLE["labs"], "wbc": {"value": 5.1, "unit": "Ｇ／Ｌ"}}}
    assert "x10^9/L" not in known_unit_factors()[units.Analyte.platelets]
    docs = [EXAMPLE, odd, wide] * 500
    out = prescreen_table(flat_table(docs))
    assert_agrees(docs[:3], out.slice(0, 3))
    assert set(out["eligible"].to_pylist()) == {True}
    assert set(out["error"].to_pylist()) == {None}


def test_rows_keep_their_input_order_through_the_engine_fallback():
    docs = [{**EXAMPLE, "subject_id": f"P{i:04d}", "ecog": 9 if i % 7 == 0 else i % 4} for i in range(300)]
    out = prescreen_table(flat_table(docs))
    assert out["person_id"].to_pylist() == [d["subject_id"] for d in docs]
    assert_agrees(docs, out)


limits = st.sampled_from([10.0, 30.0, 1.7, 0.5, 150.0, 2.0 * 17.1, 1e-13, 0.0, -3.0])
nearby = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.tuples(limits, st.floats(-1e-8, 1e-8)).map(lambda p: p[0] * (1 + p[1])),
    st.tuples(limits, st.integers(-8, 8)).map(lambda p: p[0] + p[1] * 1e-12),
    st.sampled_from([30 / 17.1 * 17.1, 0.1 + 0.2, 1.7 - 1e-16, float("inf"), -float("inf")]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(nearby, min_size=1, max_size=20), limits)
def test_the_two_comparison_fast_path_is_the_engines_rounding_robust_comparison(values, limit):
    # Invariant: the compiled at_least/at_most (exact test only near the limit) equal units.at_least/at_most.
    query = _A.select(ge=at_least(_A.a, limit), le=at_most(_A.a, limit))
    con = duckdb.connect()
    con.register("t", pa.table({"a": pa.array(values, pa.float64())}))
    rows = con.sql(ibis.to_sql(query, dialect="duckdb")).fetchall()
    assert [r[0] for r in rows] == [units.at_least(v, limit) for v in values]
    assert [r[1] for r in rows] == [units.at_most(v, limit) for v in values]


_A = ibis.table({"a": "float64"}, name="t")


def test_the_cli_summary_is_json_of_the_file_path(tmp_path):
    # docs/contracts/prescreen.md: the printed summary counts by verdict and by criterion.
    source = tmp_path / "extract.parquet"
    pq.write_table(flat_table([EXAMPLE, {**EXAMPLE, "ecog": 3}]), source)
    doc = prescreen_file(source, None)
    assert json.loads(json.dumps(doc))["by_criterion"]["I6"] == {"pass": 1, "fail": 1, "unknown": 0}
    assert (doc["eligible"], doc["ineligible"], doc["unknown"]) == (1, 1, 0)
