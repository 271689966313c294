"""The columnar read path: Arrow columns to Python values, exactly."""

from __future__ import annotations

import pyarrow as pa

from rubrix_widgets.record_table import nested_tuples, pylist
from rubrix_widgets.tasks import LABEL_SCORE


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
