"""Reading a flat extract (docs/prescreen-columns.md): a cell of the wrong type in a CSV is one line naming
its column and line (docs/contracts/README.md: bad input is one line naming the field, exit 2), never a
DuckDB traceback."""

from __future__ import annotations

import pytest

from haictrial.errors import InputError
from haictrial.interop.prescreen.sources import read_flat


@pytest.mark.parametrize(
    ("column", "cell", "kind"),
    [
        ("lvef_percent", "sixty", "numbers"),
        ("screening_date", "yesterday", "dates"),
        ("data_complete", "maybe", "true/false"),
    ],
)
def test_a_bad_csv_cell_names_its_column_and_line(tmp_path, column, cell, kind):
    path = tmp_path / "extract.csv"
    path.write_text(f"person_id,{column}\nP1,\nP2,{cell}\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_flat(path)
    assert refused.value.field == column
    assert str(refused.value) == f"{column}: expected {kind}, the CSV holds another value (line 3)"


def test_a_good_csv_reads_with_its_row_numbers(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_text("person_id,lvef_percent\nP1,60\nP2,\n", encoding="utf-8")
    rows = read_flat(path).to_pyarrow().to_pylist()
    assert [(r["person_id"], r["lvef_percent"], r["_row"]) for r in rows] == [("P1", 60.0, 0), ("P2", None, 1)]
