"""Search a table that has no index of its own (a snapshot): index it in memory.

The same schema, documents and query compiler as a dataset's index, so a query reads the
same on a snapshot as on the live dataset.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import tantivy

from .index_documents import documents, input_keys_of
from .index_schema import MIN_SLOTS, build_schema, register_tokenizers
from .keyword_queries import every, ids_query
from .query_compiler import QueryCompiler
from .query_parser import parse_query
from .search_index import run_search


def search_table(
    table: pa.Table, task: str, query: str | None, ids: Any = None, limit: int | None = None
) -> pa.Table:
    """The rows of ``table`` matching ``query`` and ``ids`` (either may be None), in order.

    ``table`` holds stored rows with their ``_seq``; at most ``limit`` rows come back.
    """
    if query is None and ids is None:
        return table if limit is None else table.slice(0, limit)
    keys = input_keys_of(table, task)
    slot_of = {k: i for i, k in enumerate(keys)}
    index = tantivy.Index(build_schema(task, max(MIN_SLOTS, len(keys))))
    register_tokenizers(index)
    with index.writer(num_threads=1) as writer:
        for doc in documents(table, task, slot_of):
            writer.add_document(doc)
        writer.commit()
    index.reload()
    compiled = QueryCompiler(index, task, slot_of, query or "").compile(parse_query(query).node)
    if ids is not None:
        compiled = every(compiled, ids_query(index.schema, ids))
    seqs, _ = run_search(index.searcher(), compiled, limit, count=False, query_text=query or "")
    order = np.argsort(table.column("_seq").to_numpy())
    positions = order[np.searchsorted(table.column("_seq").to_numpy(), seqs, sorter=order)]
    return table.take(pa.array(positions))
