"""What Rubrix's server stored per record for its token classification metrics, column-wise.

Rubrix indexed, for every record, one "mention" per *distinct mention text* of its
predicted (or annotated) entities: its server keyed a record's entities by the text they
cover, so "Paris" labelled twice in one tweet is one mention. Entity labels, density,
capitalness, mention lengths and entity consistency all count these mentions. It also
indexed every token (value, length, capitalness) and, for the token tag consistency, each
token's IOB tag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _columns as cols
from ._aggregations import encode


@dataclass(frozen=True)
class Mentions:
    """One mention per distinct text per record: mention ``i`` is ``values[i]`` labelled
    ``labels[i]`` in row ``rows[i]``, ``token_lengths[i]`` tokens long, with ``density``
    its tokens over its record's tokens."""

    rows: np.ndarray
    values: pa.Array
    labels: pa.Array
    token_lengths: np.ndarray
    density: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def char_lengths(self) -> np.ndarray:
        return pc.utf8_length(self.values).to_numpy(zero_copy_only=False).astype(np.int64)

    @property
    def capitalness(self) -> pa.Array:
        return cols.capitalness(self.values)


def mentions(table: pa.Table, column: str) -> Mentions:
    """The mentions of ``column`` (``"prediction"`` or ``"annotation"``).

    When a record has several entities over the same text, Rubrix kept one of them (which
    one depended on set iteration order); the last one in the record is kept here.
    """
    found = cols.spans(table, column)
    texts = pa.array(cols.mention_texts(table, found), pa.large_string())
    if len(found):
        codes, distinct = encode(texts)
        keys = found.rows * len(distinct) + codes
        _, last = np.unique(keys[::-1], return_index=True)  # each (record, text)'s last span
        keep = np.zeros(len(found), dtype=bool)
        keep[len(keys) - 1 - last] = True
        found, texts = found.take(keep), texts.filter(pa.array(keep))
    lengths = cols.mention_token_lengths(table, found)
    density = lengths / np.maximum(cols.token_counts(table)[found.rows], 1)
    return Mentions(found.rows, texts, found.labels, lengths, density)


def tokens(table: pa.Table) -> pa.Array:
    """Every token of every record."""
    return pc.list_flatten(cols.array(table.column("tokens")))


def iob_tags(table: pa.Table, column: str) -> tuple[pa.Array, pa.Array]:
    """(token, IOB tag) of every token of the records that have a ``column``: ``B-<label>``
    on an entity's first token, ``I-<label>`` on the others, ``O`` elsewhere.

    Rubrix refused overlapping entities here; where they overlap, the later entity's tags
    win.
    """
    has = np.asarray(pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False), bool)
    table = table.filter(pa.array(has))
    words = tokens(table)
    if not len(words):
        return words, pa.array([], pa.string())
    found = cols.spans(table, column)
    rows, starts = cols.token_starts(table)
    codes = np.full(len(words), -1, dtype=np.int64)  # -1: "O"
    labels = sorted(pc.unique(found.labels).drop_null().to_pylist())
    if len(found):
        width = int(max(found.ends.max(), starts.max(initial=0))) + 1
        keys = rows * width + starts
        first = np.searchsorted(keys, found.rows * width + found.starts)
        stop = np.searchsorted(keys, found.rows * width + found.ends)
        size = np.maximum(stop - first, 0)
        at = np.repeat(first, size) + (
            np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
        )
        label = pc.index_in(found.labels, value_set=pa.array(labels, pa.string())).to_numpy()
        inside = np.ones(len(at), dtype=np.int64)
        inside[np.cumsum(size)[size > 0] - size[size > 0]] = 0  # each entity's first token: B
        codes[at] = np.repeat(label, size) * 2 + inside  # numpy assigns in order: later wins
    names = ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]
    return words, pa.array(names, pa.string()).take(pa.array(codes + 1))
