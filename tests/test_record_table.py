"""The columnar read path: Arrow columns to Python values, exactly."""

from __future__ import annotations

import pyarrow as pa

import rubrix_widgets as rb
from rubrix_widgets import ingest
from rubrix_widgets._arrow import nested_tuples, pylist
from rubrix_widgets.record_table import frame_from_table
from rubrix_widgets.tasks import LABEL_SCORE, SCORED_SPAN


def test_nested_tuples_of_a_sliced_array_start_at_the_slice():
    array = pa.array(
        [[("a", 0.5)], [("b", 0.2), ("c", 0.1)], None, [("d", 1.0)], []], pa.list_(LABEL_SCORE)
    )
    assert nested_tuples(array.slice(1), ("label", "score")) == [
        [("b", 0.2), ("c", 0.1)],
        None,
        [("d", 1.0)],
        [],
    ]
    chunked = pa.chunked_array([array.slice(0, 2), array.slice(2)])
    assert nested_tuples(chunked, ("label", "score")) == nested_tuples(array, ("label", "score"))


def test_pylist_shares_repeated_strings_and_keeps_values():
    values = pa.array(["pos", "neg"] * 2000 + ["ünï"])
    out = pylist(values)
    assert out == values.to_pylist()
    assert out[0] is out[2]  # one object per distinct label
    with_nulls = pa.array(["a", None] * 1000)
    assert pylist(with_nulls) == with_nulls.to_pylist()


def test_predicted_spans_stored_without_a_score_load_with_score_zero():
    # workspaces written before scores were filled in hold null scores; Rubrix's spans have 0.0
    record = rb.TokenClassificationRecord(text="Ada met Bob", prediction=[("PER", 0, 3, 0.4)])
    table = ingest.table_from_records([record, record], "TokenClassification")
    old = pa.array([[("PER", 0, 3, None), ("PER", 8, 11, 0.9)], None], pa.list_(SCORED_SPAN))
    table = table.set_column(table.schema.get_field_index("prediction"), "prediction", old)
    frame = frame_from_table(table, "TokenClassification")
    assert frame.prediction.tolist() == [[("PER", 0, 3, 0.0), ("PER", 8, 11, 0.9)], None]
    assert frame.records[0].prediction == [("PER", 0, 3, 0.0), ("PER", 8, 11, 0.9)]
