"""Vectorised JSON text: build one JSON document per row from numpy columns with Arrow string kernels.

Writing a million documents with ``json.dumps`` costs tens of seconds; here every field becomes an Arrow
string array of ``"key": value`` fragments (numbers from integers, so the text is exact and the same on
every machine) and the fragments are joined row-wise in C++. Missing values are written as ``null``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def iso_dates(days: np.ndarray) -> pa.Array:
    """ISO dates (strings) for day numbers, from a table of the days spanned (one take)."""
    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return pa.array([], pa.string())
    lo, hi = int(days.min()), int(days.max())
    table = pc.cast(pa.array(np.arange(lo, hi + 1).astype("datetime64[D]")), pa.string())
    return pc.take(table, pa.array(days - lo))


@lru_cache(maxsize=64)
def number_table(size: int, places: int) -> pa.Array:
    """Texts of the numbers 0 .. size-1 scaled by 10^-places: '0', '1', ... or '0.0', '0.1', ..."""
    if places == 0:
        return pa.array([str(i) for i in range(size)], pa.string())
    scale = 10**places
    return pa.array([f"{i // scale}.{i % scale:0{places}d}" for i in range(size)], pa.string())


#: Largest scaled value written from a table; larger ones are assembled from their digits.
TABLE_LIMIT = 1 << 17


def _table_size(hi: int) -> int:
    return 1 << max(10, int(hi).bit_length())


def _lookup(values: Sequence[str], codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(list(values), pa.string()), pa.array(np.asarray(codes, dtype=np.int32)))


def literal(text: str, n: int) -> pa.Array:
    """``text`` repeated ``n`` times (cheap: a dictionary take)."""
    return _lookup([text], np.zeros(n, dtype=np.int32))


def quoted(strings: pa.Array) -> pa.Array:
    """JSON strings for plain ASCII values without quotes or backslashes (ids, codes, dates)."""
    return pc.binary_join_element_wise('"', strings, '"', "")


def integers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def decimals(values: np.ndarray, places: int) -> pa.Array:
    """Non-negative numbers with ``places`` decimals, written from integers (``14.2``, ``1.04``, ``182``)."""
    values = np.asarray(values, dtype=np.float64)
    scale = 10**places
    scaled = np.round(values * scale).astype(np.int64)
    if len(scaled) and scaled.min() < 0:
        raise ValueError("decimals() writes non-negative numbers only")
    hi = int(scaled.max()) if len(scaled) else 0
    if hi < TABLE_LIMIT:
        return pc.take(number_table(_table_size(hi), places), pa.array(scaled))
    if places == 0:
        return integers(scaled)
    whole = integers(scaled // scale)
    frac = pc.utf8_lpad(integers(scaled % scale), places, "0")
    return pc.binary_join_element_wise(whole, frac, ".")


def categories(labels: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """JSON values of a categorical column: ``labels[code]`` quoted, None written as null."""
    texts = ["null" if label is None else json.dumps(label) for label in labels]
    return _lookup(texts, codes)


def booleans(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    codes = np.asarray(values, dtype=np.int32)
    if missing is not None:
        codes = np.where(missing, 2, codes)
    return _lookup(["false", "true", "null"], codes)


def with_nulls(texts: pa.Array, missing: np.ndarray | None) -> pa.Array:
    """``texts`` with ``null`` where ``missing`` is true."""
    if missing is None or not np.any(missing):
        return texts
    return pc.if_else(pa.array(np.asarray(missing, dtype=bool)), pa.scalar("null"), texts)


def obj(fields: Sequence[tuple[str, pa.Array]], n: int, close: str = "}") -> pa.Array:
    """Row-wise JSON objects ``{"k1": v1, "k2": v2, ...}`` from (key, value text) pairs."""
    if not fields:
        return literal("{" + close, n)
    parts: list[pa.Array | str] = []
    for i, (key, value) in enumerate(fields):
        prefix = ("{" if i == 0 else ", ") + json.dumps(key) + ": "
        parts.append(prefix)
        parts.append(value)
    parts.append(close)
    return pc.binary_join_element_wise(*parts, "")


#: Rows per chunk of JSON lines: keeps every Arrow string buffer far below its 2 GiB limit.
LINES_CHUNK = 200_000


def json_lines(fields: Sequence[tuple[str, pa.Array]], n: int) -> pa.ChunkedArray:
    """One JSON object per row, each ending with a newline, in chunks of :data:`LINES_CHUNK` rows."""
    chunks = []
    for lo in range(0, max(n, 1), LINES_CHUNK):
        hi = min(n, lo + LINES_CHUNK)
        part = [(k, v.slice(lo, hi - lo)) for k, v in fields]
        chunks.append(obj(part, hi - lo, close="}\n"))
    return pa.chunked_array(chunks, pa.string())


def array_of(items: pa.Array, offsets: np.ndarray) -> pa.Array:
    """JSON arrays ``[i1, i2]`` per row from a flat item array and its row offsets (length rows + 1)."""
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), items)
    inner = pc.binary_join(lists, ", ")
    return pc.binary_join_element_wise("[", inner, "]", "")


def line_buffers(lines: pa.ChunkedArray) -> list[pa.Buffer]:
    """The bytes of newline-terminated JSON lines, one Arrow buffer per chunk (no copy)."""
    out = []
    for chunk in lines.chunks:
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
        data = chunk.buffers()[2]
        assert data is not None
        out.append(data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
    return out


def parse_line(line: pa.StringScalar) -> object:
    return json.loads(line.as_py())


def object_of(members: pa.Array, offsets: np.ndarray) -> pa.Array:
    """JSON objects ``{m1, m2}`` per row from flat ``"key": value`` member texts and row offsets."""
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), members)
    inner = pc.binary_join(lists, ", ")
    return pc.binary_join_element_wise("{", inner, "}", "")


def offsets_of(owner: np.ndarray, n: int) -> np.ndarray:
    """Row offsets (length n + 1) of a flat array sorted by ``owner`` (0..n-1)."""
    counts = np.bincount(owner, minlength=n) if len(owner) else np.zeros(n, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
