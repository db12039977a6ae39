"""Vectorised JSON text: build one JSON document per row from numpy columns with Arrow string kernels.

Writing a million documents with ``json.dumps`` costs tens of seconds; here every field becomes an Arrow
string array of ``"key": value`` fragments (numbers from integers, so the text is exact and the same on
every machine) and the fragments are joined row-wise in C++. Missing values are written as ``null``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH).days


def iso_dates(days: np.ndarray) -> pa.Array:
    """ISO dates (strings) for day numbers; negative day numbers are fine."""
    return pc.cast(pa.array(np.asarray(days, dtype="datetime64[D]")), pa.string())


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
    if places == 0:
        return integers(np.round(values))
    scale = 10**places
    scaled = np.round(values * scale).astype(np.int64)
    if (scaled < 0).any():
        raise ValueError("decimals() writes non-negative numbers only")
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


def obj(fields: Sequence[tuple[str, pa.Array]], n: int) -> pa.Array:
    """Row-wise JSON objects ``{"k1": v1, "k2": v2, ...}`` from (key, value text) pairs."""
    if not fields:
        return literal("{}", n)
    parts: list[pa.Array | str] = []
    for i, (key, value) in enumerate(fields):
        prefix = ("{" if i == 0 else ", ") + json.dumps(key) + ": "
        parts.append(prefix)
        parts.append(value)
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


def array_of(items: pa.Array, offsets: np.ndarray) -> pa.Array:
    """JSON arrays ``[i1, i2]`` per row from a flat item array and its row offsets (length rows + 1)."""
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), items)
    inner = pc.binary_join(lists, ", ")
    return pc.binary_join_element_wise("[", inner, "]", "")


def lines_bytes(documents: pa.Array) -> bytes:
    """The documents as JSON lines (one per line, final newline)."""
    joined = pc.binary_join_element_wise(documents, "\n", "")
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    return _concat_bytes(joined)


def _concat_bytes(strings: pa.Array) -> bytes:
    """The concatenated bytes of a string array, straight from its data buffer."""
    if len(strings) == 0:
        return b""
    large = pc.cast(strings, pa.large_string())
    offsets = np.frombuffer(large.buffers()[1], dtype=np.int64)[large.offset : large.offset + len(large) + 1]
    data = large.buffers()[2]
    assert data is not None
    return data.to_pybytes()[int(offsets[0]) : int(offsets[-1])]


def object_of(members: pa.Array, offsets: np.ndarray) -> pa.Array:
    """JSON objects ``{m1, m2}`` per row from flat ``"key": value`` member texts and row offsets."""
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), members)
    inner = pc.binary_join(lists, ", ")
    return pc.binary_join_element_wise("{", inner, "}", "")


def offsets_of(owner: np.ndarray, n: int) -> np.ndarray:
    """Row offsets (length n + 1) of a flat array sorted by ``owner`` (0..n-1)."""
    counts = np.bincount(owner, minlength=n) if len(owner) else np.zeros(n, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
