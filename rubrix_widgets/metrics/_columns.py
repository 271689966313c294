"""Column-wise building blocks on stored Arrow rows: counts, histograms, lengths, labels, spans.

Everything here works on whole columns (pyarrow.compute and numpy); Python loops
run only over what Arrow cannot express (records with several inputs, tokens
that are not separated by single spaces, mention strings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .. import token_validation
from ..search.index_schema import MULTI_LABEL_THRESHOLD
from ..tasks import TEXT_CLASSIFICATION

# Words that say nothing about a dataset, left out of keyword counts (short English
# function words and the pieces of web addresses that fill tweets).
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i if in into is it its me my no "
    "not of on or our she so that the their them there these they this to was we were what when "
    "which who will with you your rt http https www com amp via just can new get like".split()
)
_WORD_SEPARATORS = r"[^\p{L}\p{N}]+"  # as the search index splits words: on non-alphanumerics


def array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One contiguous array for a table column."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def counts(values: pa.Array, limit: int | None = None) -> dict[str, int]:
    """Occurrences of each non-null value, most frequent first (ties in value order)."""
    values = array(values).drop_null()
    if not len(values):
        return {}
    found = pc.value_counts(values)
    table = pa.table({"value": found.field("values"), "count": found.field("counts")})
    order = pc.sort_indices(table, sort_keys=[("count", "descending"), ("value", "ascending")])
    if limit is not None:
        order = order.slice(0, limit)
    table = table.take(order)
    return dict(
        zip(table.column("value").to_pylist(), table.column("count").to_pylist(), strict=True)
    )


def length_stats(lengths: np.ndarray) -> dict[str, float | int | None]:
    """Mean, median (p50) and max of lengths; None for each when there are none."""
    if not len(lengths):
        return {"mean": None, "p50": None, "max": None}
    median = float(np.median(lengths))
    return {
        "mean": float(np.mean(lengths)),
        "p50": int(median) if median.is_integer() else median,
        "max": int(np.max(lengths)),
    }


def status_counts(table: pa.Table) -> dict[str, int]:
    """Records per status, most frequent first (only statuses that occur)."""
    return counts(table.column("status"))


# -- texts ----------------------------------------------------------------------------
def all_texts(table: pa.Table, task: str) -> pa.Array:
    """The text of every record; a record with several inputs gives them joined by spaces."""
    texts = array(table.column("text"))
    if task != TEXT_CLASSIFICATION or texts.null_count == 0:
        return texts
    missing = np.flatnonzero(pc.is_null(texts).to_numpy(zero_copy_only=False))
    inputs = array(table.column("inputs")).take(pa.array(missing)).to_pylist()
    values = texts.to_pylist()
    for row, raw in zip(missing.tolist(), inputs, strict=True):
        values[row] = None if raw is None else " ".join(_strings(orjson.loads(raw)))
    return pa.array(values, pa.large_string())


def _strings(inputs: dict) -> list[str]:
    out: list[str] = []
    for value in inputs.values():
        out.extend([value] if isinstance(value, str) else value)
    return out


def text_lengths(table: pa.Table, task: str) -> np.ndarray:
    """Characters (code points) of every record's text, as Rubrix's ``text_length`` counts."""
    lengths = pc.utf8_length(all_texts(table, task)).drop_null()
    return lengths.to_numpy().astype(np.int64)


def keyword_counts(texts: pa.Array, limit: int) -> dict[str, int]:
    """The ``limit`` most frequent keywords of texts: lowercase words of 3+ characters that
    are not stop words or numbers, split as the search index splits words."""
    found = pc.list_flatten(pc.split_pattern_regex(pc.utf8_lower(array(texts)), _WORD_SEPARATORS))
    keep = pc.and_(
        pc.and_(pc.greater(pc.utf8_length(found), 2), pc.less(pc.binary_length(found), 40)),
        pc.invert(pc.utf8_is_digit(found)),
    )
    keep = pc.and_(keep, pc.invert(pc.is_in(found, value_set=pa.array(sorted(STOPWORDS)))))
    return counts(found.filter(keep), limit)


# -- text classification labels -------------------------------------------------------
def multi_label_rows(table: pa.Table) -> np.ndarray:
    return array(table.column("multi_label")).to_numpy(zero_copy_only=False).astype(bool)


def is_multi_label(table: pa.Table) -> bool:
    return bool(len(table)) and bool(pc.any(table.column("multi_label")).as_py())


@dataclass(frozen=True)
class Labels:
    """Labels attached to records: ``labels[i]`` belongs to row ``rows[i]``."""

    rows: np.ndarray
    labels: pa.Array


def annotated_labels(table: pa.Table) -> Labels:
    annotation = array(table.column("annotation"))
    return Labels(
        pc.list_parent_indices(annotation).to_numpy().astype(np.int64),
        pc.list_flatten(annotation),
    )


def predicted_labels(table: pa.Table) -> Labels:
    """What a record is ``predicted_as`` in Rubrix: its top label, or every label scoring
    more than 0.5 for multi-label records (stored predictions are sorted, highest first)."""
    prediction = array(table.column("prediction"))
    multi = multi_label_rows(table)
    offsets = prediction.offsets.to_numpy()  # into prediction.values, also for a slice
    has_items = pc.fill_null(pc.greater(pc.list_value_length(prediction), 0), False)
    single_rows = np.flatnonzero(~multi & has_items.to_numpy(zero_copy_only=False))
    top = pc.struct_field(prediction.values.take(pa.array(offsets[single_rows])), "label")
    if not multi.any():
        return Labels(single_rows, top.cast(pa.string()))
    items = pc.list_flatten(prediction)
    owners = pc.list_parent_indices(prediction).to_numpy().astype(np.int64)
    scores = pc.struct_field(items, "score").to_numpy(zero_copy_only=False)
    chosen = np.flatnonzero(multi[owners] & (scores > MULTI_LABEL_THRESHOLD))
    rows = np.concatenate([single_rows, owners[chosen]])
    labels = pa.concat_arrays(
        [top.cast(pa.string()), pc.struct_field(items, "label").take(pa.array(chosen))]
    )
    order = np.argsort(rows, kind="stable")  # row order, as annotated_labels
    return Labels(rows[order], labels.take(pa.array(order)))


def label_counts(table: pa.Table, column: str) -> dict[str, int]:
    """Records per ``annotated_as`` (column ``annotation``) or ``predicted_as`` label
    (column ``prediction``), most frequent first."""
    found = annotated_labels(table) if column == "annotation" else predicted_labels(table)
    return counts(found.labels)


# -- token classification -------------------------------------------------------------
@dataclass(frozen=True)
class Spans:
    """Entity spans of a column: span ``i`` is ``labels[i]`` at ``[starts[i], ends[i])`` of
    row ``rows[i]``."""

    rows: np.ndarray
    labels: pa.Array
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, keep: np.ndarray) -> Spans:
        return Spans(
            self.rows[keep], self.labels.filter(pa.array(keep)), self.starts[keep], self.ends[keep]
        )


def spans(table: pa.Table, column: str) -> Spans:
    """The spans of ``prediction`` or ``annotation``, all rows at once."""
    values = array(table.column(column))
    items = pc.list_flatten(values)
    return Spans(
        pc.list_parent_indices(values).to_numpy().astype(np.int64),
        pc.struct_field(items, "label"),
        pc.struct_field(items, "start").to_numpy().astype(np.int64),
        pc.struct_field(items, "end").to_numpy().astype(np.int64),
    )


def entity_counts(table: pa.Table, column: str) -> dict[str, int]:
    """Entities per label in ``annotation`` or ``prediction``, most frequent first."""
    return counts(spans(table, column).labels)


def mention_texts(table: pa.Table, found: Spans) -> list[str]:
    """The text each span covers."""
    if not len(found):
        return []
    rows, where = np.unique(found.rows, return_inverse=True)
    texts = array(table.column("text")).take(pa.array(rows)).to_pylist()
    return [
        texts[w][s:e]
        for w, s, e in zip(where.tolist(), found.starts.tolist(), found.ends.tolist(), strict=True)
    ]


def token_counts(table: pa.Table) -> np.ndarray:
    """The number of tokens of every record."""
    return pc.list_value_length(array(table.column("tokens"))).to_numpy().astype(np.int64)


def mention_token_lengths(table: pa.Table, found: Spans) -> np.ndarray:
    """How many tokens each span covers (the tokens starting inside it)."""
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    rows, starts = token_starts(table)
    width = int(max(found.ends.max(), starts.max(initial=0))) + 1
    keys = rows * width + starts  # increasing: rows in order, starts increasing in a row
    first = np.searchsorted(keys, found.rows * width + found.starts)
    stop = np.searchsorted(keys, found.rows * width + found.ends)
    return (stop - first).astype(np.int64)


def token_starts(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(row, character start) of every token of every record, in order.

    When a text is its tokens joined by single spaces (the usual case), starts
    are cumulative lengths; other rows are located token by token.
    """
    tokens, texts = array(table.column("tokens")), array(table.column("text"))
    per_row = pc.list_value_length(tokens).to_numpy().astype(np.int64)
    lengths = pc.utf8_length(pc.list_flatten(tokens)).to_numpy().astype(np.int64)
    rows = np.repeat(np.arange(len(tokens), dtype=np.int64), per_row)
    before = np.cumsum(lengths + 1) - (lengths + 1)
    firsts = np.concatenate([[0], np.cumsum(per_row)[:-1]]).astype(np.int64)  # no row is empty
    starts = before - np.repeat(before[firsts] if len(before) else before, per_row)
    joined = pc.cast(pc.binary_join(tokens, " "), pa.large_string())
    same = pc.fill_null(pc.equal(joined, texts.cast(pa.large_string())), False)
    for row in np.flatnonzero(~same.to_numpy(zero_copy_only=False)).tolist():
        text, row_tokens = texts[row].as_py(), tokens[row].as_py()
        at = slice(firsts[row], firsts[row] + per_row[row])
        starts[at] = [start for start, _ in token_validation.token_offsets(text, row_tokens)]
    return rows, starts


def capitalness(values: pa.Array) -> pa.Array:
    """UPPER, LOWER, FIRST (first character upper case) or MIDDLE (first character lower
    case, another upper case) for each string, ignoring surrounding spaces; null when
    the string has no cased letter."""
    # tokens repeat: classify each distinct string once
    encoded = pc.dictionary_encode(array(values).cast(pa.large_string()))
    distinct = pc.utf8_trim_whitespace(encoded.dictionary)
    upper, lower = pc.utf8_is_upper(distinct), pc.utf8_is_lower(distinct)
    first = pc.utf8_is_upper(pc.utf8_slice_codeunits(distinct, 0, 1))
    # neither all upper nor all lower, and lowercasing changes it: some letter is upper case
    mixed = pc.not_equal(pc.utf8_lower(distinct), distinct)
    kinds = pc.case_when(
        pc.make_struct(upper, lower, first, mixed, field_names=["u", "l", "f", "m"]),
        pa.scalar("UPPER"),
        pa.scalar("LOWER"),
        pa.scalar("FIRST"),
        pa.scalar("MIDDLE"),
    )
    return kinds.take(encoded.indices)
