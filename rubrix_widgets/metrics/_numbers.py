"""``summary_numbers``: every sidebar number of a search, from its Arrow rows, in one call."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec
from ..validation import STATUSES
from . import _columns as cols
from ._scores import multi_label_f1, single_label_f1, span_f1


def summary_numbers(task: str, table: pa.Table) -> dict[str, Any]:
    """Status counts, text lengths, label counts and F1 of some stored rows, as JSON-safe data.

    This is what the dataset page's sidebar shows for the current search; the
    ``rb.metrics`` functions compute the same numbers with the same code.

    Parameters
    ----------
    task
        ``"TextClassification"``, ``"TokenClassification"`` or ``"Text2Text"``.
    table
        Stored rows of a dataset of that task, as
        ``rubrix_widgets.record_query.matching_table`` returns them.

    Returns
    -------
    dict
        - ``records``: the number of rows.
        - ``status``: records per status, all four statuses in order
          (``{"Default": 3, "Edited": 0, "Discarded": 1, "Validated": 7}``).
        - ``text_length``: ``{"mean", "p50", "max"}`` in characters (None without rows).
        - ``multi_label`` (text classification only): whether the rows are multi-label.
        - ``labels``: ``{"predicted": {label: n}, "annotated": {label: n}}``, most
          frequent first: records per label for text classification (predicted =
          the ``predicted_as`` labels), entities per label for token classification;
          None for Text2Text.
        - ``f1``: ``{"records", "micro", "macro", "per_label"}``, each average a
          ``{"precision", "recall", "f1"}`` dict and ``per_label`` mapping each label
          (sorted) to ``{"precision", "recall", "f1", "support"}``. Only records with
          both an annotation and a prediction count (``records`` says how many);
          None when there are none, and for Text2Text.

    Examples
    --------
    >>> from rubrix_widgets.record_query import matching_table
    >>> from rubrix_widgets.metrics import summary_numbers
    >>> task, table = matching_table("reviews", query="status:Validated")
    >>> numbers = summary_numbers(task, table)
    >>> numbers["f1"]["macro"]
    {'precision': 0.74, 'recall': 0.71, 'f1': 0.72}
    """
    spec(task)  # a ValueError naming the tasks for anything else
    if not isinstance(table, pa.Table):
        raise TypeError(f"table must be a pyarrow.Table of stored rows, not {type(table).__name__}")
    needed = _columns_needed(task)
    missing = [c for c in needed if c not in table.column_names]
    if missing:
        raise ValueError(
            f"table lacks the column(s) {', '.join(missing)} of stored {task} rows; "
            "pass the table rubrix_widgets.record_query.matching_table returns"
        )
    status = dict.fromkeys(STATUSES, 0)
    status.update(cols.status_counts(table))
    out: dict[str, Any] = {
        "records": len(table),
        "status": status,
        "text_length": cols.length_stats(cols.text_lengths(table, task)),
    }
    scores = None
    if task == TEXT_CLASSIFICATION:
        multi = cols.is_multi_label(table)
        out["multi_label"] = multi
        out["labels"] = {
            "predicted": cols.label_counts(table, "prediction"),
            "annotated": cols.label_counts(table, "annotation"),
        }
        scores = multi_label_f1(table) if multi else single_label_f1(table)
    elif task == TOKEN_CLASSIFICATION:
        out["labels"] = {
            "predicted": cols.entity_counts(table, "prediction"),
            "annotated": cols.entity_counts(table, "annotation"),
        }
        scores = span_f1(table)
    else:
        out["labels"] = None
    out["f1"] = None if scores is None else scores.to_json()
    return out


def _columns_needed(task: str) -> tuple[str, ...]:
    common = ("text", "status", "prediction", "annotation")
    if task == TEXT_CLASSIFICATION:
        return (*common, "inputs", "multi_label")
    if task == TOKEN_CLASSIFICATION:
        return (*common, "tokens")
    return common
