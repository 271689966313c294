"""Records <-> Hugging Face ``datasets.Dataset``, in Rubrix 0.18's format.

``to_datasets`` writes one column per Rubrix record field (``search_keywords``
left out, as Rubrix does): predictions and spans as lists of structs, dict
fields (inputs, metadata, explanation, metrics) as structs. It starts from
the checked Arrow table of the bulk write path (:mod:`rubrix_widgets.ingest`),
so record lists and ``rb.load`` frames go through one conversion and give the
same dataset, column by column, with no pydantic model per record.

``from_datasets`` reads such datasets back, and any other dataset whose
columns are mapped to record fields (``text="sentence"``), as Rubrix does:
``ClassLabel`` ints become label names, struct fields that hold None are
absent keys, token rows with no tokens are skipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from ._arrow import object_series
from .tasks import RUBRIX_FIELDS, TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

# Fields Rubrix's from_datasets joins from several columns into one dict.
JOINABLE = ("inputs", "metadata")
# Dict fields, written as structs; as JSON text when no struct holds them exactly.
_DICT_FIELDS = ("inputs", "metadata", "explanation", "metrics")


def import_datasets():
    """The ``datasets`` module; a ModuleNotFoundError (as Rubrix raises) that says how to get it."""
    try:
        import datasets
    except ImportError:
        raise ModuleNotFoundError(
            "this needs the Hugging Face datasets package: pip install 'rubrix_widgets[datasets]'"
        ) from None
    return datasets


# =====================================================================================
# records -> datasets.Dataset
# =====================================================================================
def dataset_from_table(table: pa.Table, task: str, missing_ids: np.ndarray, metrics: Sequence[Any]):
    """The ``to_datasets`` dataset of a checked records table (``ingest`` schema).

    Parameters
    ----------
    table : pyarrow.Table
        From ``ingest.table_from_records`` or ``ingest.table_from_frame``.
    task : str
    missing_ids : numpy.ndarray of bool
        Rows whose record has no id (the table holds a fresh uuid for them;
        the dataset holds None, as the record does).
    metrics : sequence
        The records' read-only ``metrics`` (None when they have none).
    """
    datasets = import_datasets()
    n = table.num_rows
    # every record a plain text (the usual case): inputs and text come from the text column
    plain = task != TEXT_CLASSIFICATION or table.column("inputs").null_count == n
    inputs = None if plain else _json_values(table, "inputs")
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in RUBRIX_FIELDS[task]:
        if name == "search_keywords":  # Rubrix leaves it out: it only means something in rb.load
            continue
        if name == "metrics":
            name, array = _dict_column("metrics", [_plain(m) for m in metrics], n)
        elif name == "id":
            array = _ids(table, missing_ids)
        elif name == "inputs" and table.column("inputs").null_count == n:
            array = pa.StructArray.from_arrays([_text(table, "text").combine_chunks()], ["text"])
        elif name == "inputs" and inputs is not None:
            name, array = _dict_column(name, inputs, n)
        elif name in ("metadata", "explanation"):
            name, array = _dict_column(name, _json_values(table, name), n)
        elif name == "text" and inputs is not None:  # not plain
            array = _record_texts(inputs)
        else:
            array = _CONVERT.get((task, name), _CONVERT.get((None, name), _as_is))(table, name)
        columns[name] = pa.nulls(n) if array.null_count == n else array
    return datasets.Dataset(pa.table(columns))


def _record_texts(inputs: list[dict[str, Any]]) -> pa.Array:
    """``record.text`` (Rubrix): the text when ``inputs`` is ``{"text": <a str>}``, else None."""
    texts = [i["text"] if len(i) == 1 and isinstance(i.get("text"), str) else None for i in inputs]
    return pa.array(texts, pa.string())


def _as_is(table: pa.Table, name: str) -> pa.ChunkedArray:
    return table.column(name)


def _small_strings(array: pa.ChunkedArray | pa.Array, to: pa.DataType | None = None):
    """Rubrix's columns are ``string``; stored text is ``large_string`` (kept past 2 GB)."""
    try:
        return array.cast(to or pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return array


def _text(table: pa.Table, name: str):
    return _small_strings(table.column(name))


def _text_annotation(table: pa.Table, name: str):
    """A label per row; a list of labels when any record is multi-label (one column type)."""
    labels = table.column("annotation")
    if pc.any(table.column("multi_label")).as_py():
        return labels
    return pc.list_element(labels.combine_chunks(), 0) if len(labels) else pa.nulls(0, pa.string())


def _span_type(scored: bool) -> pa.DataType:
    fields = [("label", pa.string()), ("start", pa.int64()), ("end", pa.int64())]
    return pa.list_(pa.struct(fields + ([("score", pa.float64())] if scored else [])))


def _token_prediction(table: pa.Table, name: str):
    # every stored predicted span has a score (0.0 when none was given, as in Rubrix)
    return table.column("prediction").cast(_span_type(True))


def _token_annotation(table: pa.Table, name: str):
    return table.column("annotation").cast(_span_type(False))


def _text2text_prediction(table: pa.Table, name: str):
    kind = pa.list_(pa.struct([("text", pa.string()), ("score", pa.float64())]))
    return _small_strings(table.column("prediction"), kind)


_CONVERT: dict[tuple[str | None, str], Callable[[pa.Table, str], Any]] = {
    (None, "text"): _text,
    (TEXT_CLASSIFICATION, "annotation"): _text_annotation,
    (TOKEN_CLASSIFICATION, "prediction"): _token_prediction,
    (TOKEN_CLASSIFICATION, "annotation"): _token_annotation,
    (TEXT2TEXT, "prediction"): _text2text_prediction,
    (TEXT2TEXT, "annotation"): _text,
}


def _ids(table: pa.Table, missing: np.ndarray) -> pa.Array:
    """Int ids as an int64 column, str ids as a string column; None where the record had none.

    Rubrix wrote every id as a str; here an int id stays an int. One column
    holds one type, so when int and str ids are mixed, the ints are written as str.
    """
    mask = pa.array(missing, pa.bool_())
    ints = table.column("id_int").combine_chunks()
    if len(ints) and not pc.any(pc.and_(pc.is_null(ints), pc.invert(mask))).as_py():
        return pc.if_else(mask, pa.scalar(None, pa.int64()), ints)
    return pc.if_else(mask, pa.scalar(None, pa.string()), table.column("id").combine_chunks())


def _json_values(table: pa.Table, name: str) -> list[Any]:
    """A stored JSON column as dicts (None when empty); stored single texts as {"text": ...}."""
    values = table.column(name).to_pylist()
    if name != "inputs":
        return [None if v is None else orjson.loads(v) for v in values]
    texts = table.column("text").to_pylist()
    return [
        {"text": t} if v is None else orjson.loads(v) for v, t in zip(values, texts, strict=True)
    ]


def _plain(value: Any) -> Any:
    """A metrics value as plain JSON data (numpy numbers become Python numbers)."""
    if value is None or (not isinstance(value, Mapping) and validation.is_missing(value)):
        return None
    return orjson.loads(validation.dumps(value)) or None


def _dict_column(name: str, values: list[Any], n: int) -> tuple[str, pa.Array]:
    """A struct column when Arrow holds these dicts exactly (as ``from_datasets`` reads them).

    Records may disagree on keys (the struct takes every key; absent ones are
    None, which ``from_datasets`` drops again) but not on a key's type: then
    the column is JSON text instead (``inputs_json`` for inputs, whose plain
    str column means "the text" to Rubrix), so nothing is lost.
    """
    if all(v is None for v in values):
        return name, pa.nulls(n)
    try:
        array = pa.array(values)
        # JSON text tells 1 from 1.0 and True, which == does not
        read_back = _READ_BACK[name]
        exact = pa.types.is_struct(array.type) and validation.dumps(values) == validation.dumps(
            [read_back(back) for back in array.to_pylist()]
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        exact = False
    if exact:
        return name, array
    target = f"{name}_json" if name == "inputs" else name
    warnings.warn(
        f"the records' {name} differ in the type of a key (or hold None values), so no single "
        f"Arrow struct holds them exactly; they are written as JSON text in the {target!r} "
        "column, which from_datasets reads back",
        UserWarning,
        stacklevel=4,
    )
    return target, pa.array(
        [None if v is None else validation.dumps(v) for v in values], pa.string()
    )


# =====================================================================================
# datasets.Dataset -> record fields
# =====================================================================================
def _without_nones(value: Any) -> Any:
    """A struct row as the dict it was written from: keys holding None were absent."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None} or None
    return value


def _explanation_back(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {
        key: [
            {**a, "attributions": _without_nones(a.get("attributions")) or {}}
            if isinstance(a, dict)
            else a
            for a in attributions
        ]
        for key, attributions in value.items()
        if attributions is not None
    } or None


def _from_json(value: Any) -> Any:
    """Our JSON-text fallback for a dict column (or Rubrix-era ``*_json`` columns)."""
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return value  # not ours: the record says what is wrong with it
        return parsed if isinstance(parsed, dict) else value
    return value


_READ_BACK: dict[str, Callable[[Any], Any]] = {
    "inputs": _without_nones,
    "metadata": _without_nones,
    "metrics": _without_nones,
    "explanation": _explanation_back,
}


def record_columns(
    dataset: Any,
    task: str,
    mapping: Mapping[str, Any],
    record_fields: Sequence[str],
    class_name: str,
) -> pd.DataFrame:
    """The record fields of a ``datasets.Dataset``, one column each, as Rubrix reads them.

    Parameters
    ----------
    dataset : datasets.Dataset
    task : str
    mapping : dict
        Record field -> column name (``inputs`` and ``metadata``: a name or a
        list of names, joined into a dict). None values are ignored.
    record_fields : sequence of str
        The fields the record class takes (with the read-only ``metrics`` and
        ``search_keywords``); other Rubrix fields are dropped quietly.
    class_name : str
        For messages.
    """
    datasets = import_datasets()
    if isinstance(dataset, datasets.DatasetDict | datasets.IterableDatasetDict):
        raise ValueError(
            f"{class_name}.from_datasets reads one split, e.g. dataset['train']; this "
            f"DatasetDict has the splits {list(dataset)}"
        )
    if not isinstance(dataset, datasets.Dataset):
        raise TypeError(
            f"{class_name}.from_datasets reads a datasets.Dataset, not {type(dataset).__name__}"
        )
    mapping = {field: source for field, source in mapping.items() if source is not None}
    accepted = set(RUBRIX_FIELDS[task]) | set(record_fields)
    accepted |= {"tags"} if task == TOKEN_CLASSIFICATION else set()
    _check_mapping(mapping, accepted, dataset.column_names, class_name)

    data = dataset.with_format(None)[:]
    n = dataset.num_rows
    features = dataset.features
    out: dict[str, list[Any]] = {}
    feature_of: dict[str, Any] = {}
    used: set[str] = set()
    for field, source in mapping.items():
        if field == "multi_label" and isinstance(source, bool):
            out[field] = [source] * n
        elif field in JOINABLE:
            names = [source] if isinstance(source, str) else list(source)
            used.update(names)
            out[field] = [
                dict(zip(names, row, strict=True))
                for row in zip(*(data[c] for c in names), strict=True)
            ]
        else:
            used.add(source)
            out[field], feature_of[field] = data[source], features[source]
    ignored, shadowed = [], []
    for column in dataset.column_names:
        base = column.removesuffix("_json")
        if column in used:
            continue
        if column in accepted:
            if column in out:
                shadowed.append(column)  # e.g. text="sentence" and a "text" column too
            else:
                out[column], feature_of[column] = data[column], features[column]
        elif column != base and base in _DICT_FIELDS and base not in out:
            out[base] = data[column]  # a JSON-text column: read back below
        else:
            ignored.append(column)
    if ignored:
        warnings.warn(
            f"columns {ignored} are not {class_name[len('DatasetFor') :]}Record fields and are "
            f"ignored; map them with a keyword, e.g. metadata={ignored}",
            UserWarning,
            stacklevel=4,
        )
    if shadowed:
        warnings.warn(
            f"columns {shadowed} are ignored: their fields are read from the columns you mapped",
            UserWarning,
            stacklevel=4,
        )
    for name, read_back in _READ_BACK.items():
        if name in out:
            out[name] = [read_back(_from_json(v)) for v in out[name]]
    _READERS[task](out, feature_of, n, datasets)
    keep = [f for f in out if f in record_fields or f in ("text", "tags")]
    rows = len(out[keep[0]]) if keep else n
    frame = pd.DataFrame({f: object_series(out[f]) for f in keep}, index=pd.RangeIndex(rows))
    if "multi_label" in frame.columns:
        frame["multi_label"] = [
            bool(v) and not validation.is_missing(v) for v in frame["multi_label"]
        ]
    return frame


def _check_mapping(
    mapping: Mapping[str, Any], accepted: set[str], columns: list[str], class_name: str
) -> None:
    unknown = [field for field in mapping if field not in accepted]
    if unknown:
        raise ValueError(
            f"{unknown} are not fields {class_name}.from_datasets can fill; use {sorted(accepted)}"
        )
    for field, source in mapping.items():
        if field == "multi_label" and isinstance(source, bool):
            continue
        if field in JOINABLE and not isinstance(source, str):
            names = list(source)
        elif isinstance(source, str):
            names = [source]
        else:
            raise ValueError(
                f"{field}= takes one column name, not {source!r}"
                + ("" if field in JOINABLE else f"; only {' and '.join(JOINABLE)} join columns")
            )
        missing = [name for name in names if name not in columns]
        if missing:
            raise ValueError(
                f"{field}={source!r}: the dataset has no column {missing[0]!r}; its columns are "
                f"{columns}"
            )


def _class_label(feature: Any, datasets) -> Any:
    """The ClassLabel of a column (or of its list items), else None."""
    if isinstance(feature, list) and feature:
        feature = feature[0]
    inner = getattr(feature, "feature", None)  # datasets.List / Sequence
    if inner is not None and not isinstance(feature, datasets.ClassLabel):
        feature = inner
    return feature if isinstance(feature, datasets.ClassLabel) else None


def _label_names(values: list[Any], feature: Any, datasets) -> list[Any]:
    """ClassLabel ints -> names; a value with an int outside the names (-1: "no label") -> None."""
    label = _class_label(feature, datasets)
    if label is None:
        return values

    def name(value):
        if value is None:
            return None
        try:
            return label.int2str(value)
        except ValueError:
            return None

    return [name(v) for v in values]


def _read_text_classification(out, feature_of, n, datasets) -> None:
    if "inputs" in out and "text" in out:
        # an input wins over the text column, row by row (Rubrix)
        out["text"] = [
            None if i is not None else t for i, t in zip(out["inputs"], out["text"], strict=True)
        ]
    if "annotation" in out:
        feature = feature_of.get("annotation")
        out["annotation"] = _label_names(out["annotation"], feature, datasets)
        inner = getattr(feature, "feature", None)
        if "multi_label" not in out and (isinstance(feature, list) or inner is not None):
            out["multi_label"] = [True] * n  # a column of label lists is multi-label


def _span_tuple(span: Any) -> Any:
    """A span struct as Rubrix's tuple; a missing score is the record's to fill (0.0)."""
    if not isinstance(span, dict):
        return span
    label, start, end, score = (span.get(k) for k in ("label", "start", "end", "score"))
    return (label, start, end) if score is None else (label, start, end, score)


def _read_token_classification(out, feature_of, n, datasets) -> None:
    if "tags" in out:
        out["tags"] = _label_names(out["tags"], feature_of.get("tags"), datasets)
    for name in ("prediction", "annotation"):
        if name in out:
            out[name] = [
                None if spans is None else [_span_tuple(s) for s in spans] for spans in out[name]
            ]
    if "tokens" in out:
        empty = [k for k, tokens in enumerate(out["tokens"]) if not tokens]
        if empty:
            warnings.warn(
                f"{len(empty)} rows have no tokens and are skipped (rows "
                f"{empty[:10]}{' ...' if len(empty) > 10 else ''}); a token record needs tokens",
                UserWarning,
                stacklevel=5,
            )
            keep = np.ones(n, dtype=bool)
            keep[empty] = False
            for name, values in out.items():
                out[name] = [v for v, k in zip(values, keep.tolist(), strict=True) if k]


def _text2text_prediction_item(item: Any) -> Any:
    if isinstance(item, dict):
        return item.get("text") if item.get("score") is None else (item.get("text"), item["score"])
    return item


def _read_text2text(out, feature_of, n, datasets) -> None:
    if "prediction" in out:
        out["prediction"] = [
            None if p is None else [_text2text_prediction_item(item) for item in p]
            for p in out["prediction"]
        ]


_READERS = {
    TEXT_CLASSIFICATION: _read_text_classification,
    TOKEN_CLASSIFICATION: _read_token_classification,
    TEXT2TEXT: _read_text2text,
}


def frame_to_datasets(frame: pd.DataFrame, task: str):
    """A records frame as a ``datasets.Dataset``, read column-wise with ``rb.log``'s checks.

    What ``rb.load(...).to_datasets()`` gives; an edited cell that is not a valid field
    value is a ValueError naming its row.
    """
    from . import ingest

    import_datasets()
    table = ingest.table_from_frame(frame, task)
    n = len(frame)
    missing = frame["id"].isna().to_numpy() if "id" in frame.columns else np.ones(n, bool)
    metrics = frame["metrics"].tolist() if "metrics" in frame.columns else [None] * n
    return dataset_from_table(table, task, missing, metrics)
