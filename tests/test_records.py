"""The record models: every rule of TextClassificationRecord, TokenClassificationRecord,
Text2TextRecord, TokenAttributions and BulkResponse, one test per promise."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

import rubrix_widgets as rb

STATUSES = ("Default", "Edited", "Discarded", "Validated")
RECORD_CLASSES = [rb.TextClassificationRecord, rb.TokenClassificationRecord, rb.Text2TextRecord]


def minimal(cls, **kw):
    """The smallest valid record of a class, plus extra fields."""
    return cls(text="Michael lives in Paris", **kw)


def annotated(cls, **kw):
    annotation = {
        rb.TextClassificationRecord: "PER",
        rb.TokenClassificationRecord: [("PER", 0, 7)],
        rb.Text2TextRecord: "Michael vit à Paris",
    }[cls]
    return minimal(cls, annotation=annotation, **kw)


def tok(text, tokens=None, **kw):
    return rb.TokenClassificationRecord(text=text, tokens=tokens, **kw)


# =====================================================================================
# TextClassificationRecord: inputs and text
# =====================================================================================
def test_inputs_given_as_str_becomes_text_dict():
    with pytest.warns(FutureWarning, match="text="):  # deprecated in Rubrix
        record = rb.TextClassificationRecord(inputs="I loved it")
    assert record.inputs == {"text": "I loved it"}


def test_inputs_given_as_list_of_str_becomes_text_dict():
    record = rb.TextClassificationRecord(inputs=["first part", "second part"])
    assert record.inputs == {"text": ["first part", "second part"]}


def test_inputs_given_as_dict_of_str_and_lists_is_kept():
    inputs = {"title": "A title", "body": "A body", "comments": ["nice", "bad"]}
    record = rb.TextClassificationRecord(inputs=inputs)
    assert record.inputs == inputs


def test_text_keyword_is_an_alias_for_inputs():
    record = rb.TextClassificationRecord(text="I loved it")
    assert record.inputs == {"text": "I loved it"}
    assert record == rb.TextClassificationRecord(inputs={"text": "I loved it"})


def test_text_property_reads_the_single_text_input():
    assert rb.TextClassificationRecord(text="I loved it").text == "I loved it"
    with pytest.warns(FutureWarning):
        assert rb.TextClassificationRecord(inputs="I loved it").text == "I loved it"
    assert rb.TextClassificationRecord(inputs={"text": "I loved it"}).text == "I loved it"


@pytest.mark.parametrize("inputs", [{"text": 3}, {"text": ["ok", 3]}, 42, {}])
def test_inputs_of_wrong_shape_are_rejected_naming_inputs(inputs):
    with pytest.raises(ValueError, match="inputs"):
        rb.TextClassificationRecord(inputs=inputs)


def test_text_classification_record_without_text_is_rejected():
    with pytest.raises(ValueError, match="inputs|text"):
        rb.TextClassificationRecord(annotation="pos")


def test_unicode_text_input_is_kept_unchanged():
    text = "Tr\u00e8s bien 😀 — 非常好 — ممتاز — cafe\u0301"
    record = rb.TextClassificationRecord(text=text, annotation="😀 positive")
    assert record.text == text
    assert record.annotation == "😀 positive"


# =====================================================================================
# status (all record types)
# =====================================================================================
@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_status_defaults_to_validated_when_annotation_given(cls):
    assert annotated(cls).status == "Validated"


@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_status_defaults_to_default_without_annotation(cls):
    assert minimal(cls).status == "Default"


@pytest.mark.parametrize("cls", RECORD_CLASSES)
@pytest.mark.parametrize("status", STATUSES)
def test_status_accepts_each_of_the_four_values(cls, status):
    assert minimal(cls, status=status).status == status
    assert annotated(cls, status=status).status == status


@pytest.mark.parametrize("cls", RECORD_CLASSES)
@pytest.mark.parametrize("status", ["Done", "validated", " ", "VALIDATED", 1])
def test_status_outside_the_four_is_rejected_listing_them(cls, status):
    with pytest.raises(ValueError) as info:
        minimal(cls, status=status)
    message = str(info.value)
    assert "status" in message
    for allowed in STATUSES:
        assert allowed in message


@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_rejected_status_assignment_leaves_record_unchanged(cls):
    record = annotated(cls, annotation_agent="alice", metadata={"k": 1}, id=7)
    before = record.model_dump()
    with pytest.raises(
        ValueError,
        match="Default, Edited, Discarded, Validated|Default.*Edited.*Discarded.*Validated",
    ):
        record.status = "Done"
    assert record.status == "Validated"
    assert record.model_dump() == before


@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_valid_status_assignment_is_applied(cls):
    record = annotated(cls)
    record.status = "Discarded"
    assert record.status == "Discarded"


def test_rejected_prediction_assignment_leaves_record_unchanged():
    record = rb.TextClassificationRecord(text="x", prediction=[("a", 0.5)], annotation="a")
    before = record.model_dump()
    with pytest.raises(ValueError, match="prediction"):
        record.prediction = [("a", 2.0)]
    assert record.model_dump() == before


def test_rejected_span_assignment_leaves_token_record_unchanged():
    record = tok("Michael lives in Paris", annotation=[("PER", 0, 7)])
    before = record.model_dump()
    with pytest.raises(ValueError, match="annotation"):
        record.annotation = [("PER", 1, 7)]
    assert record.model_dump() == before


# =====================================================================================
# TextClassificationRecord: predictions
# =====================================================================================
def test_prediction_is_stored_sorted_by_score_highest_first():
    record = rb.TextClassificationRecord(
        text="x", prediction=[("neg", 0.1), ("pos", 0.7), ("neutral", 0.2)]
    )
    assert record.prediction == [("pos", 0.7), ("neutral", 0.2), ("neg", 0.1)]


def test_prediction_items_are_tuples_of_str_and_float():
    record = rb.TextClassificationRecord(text="x", prediction=[["pos", 1], ["neg", 0]])
    assert record.prediction == [("pos", 1.0), ("neg", 0.0)]
    for item in record.prediction:
        assert type(item) is tuple
        assert type(item[0]) is str
        assert type(item[1]) is float


@pytest.mark.parametrize("score", [0.0, 1.0, 0.5])
def test_prediction_scores_at_the_bounds_of_zero_one_are_accepted(score):
    record = rb.TextClassificationRecord(text="x", prediction=[("a", score)])
    assert record.prediction == [("a", score)]


@pytest.mark.parametrize("score", [-0.01, 1.01, 2, -1, float("nan"), float("inf")])
def test_prediction_score_outside_zero_one_is_rejected(score):
    with pytest.raises(ValueError, match="prediction"):
        rb.TextClassificationRecord(text="x", prediction=[("a", score)])


@pytest.mark.parametrize("multi_label", [False, True])
def test_prediction_score_outside_zero_one_is_rejected_for_multi_label_too(multi_label):
    with pytest.raises(ValueError, match="prediction"):
        rb.TextClassificationRecord(text="x", prediction=[("a", 1.5)], multi_label=multi_label)


def test_single_label_prediction_scores_summing_above_one_are_rejected():
    with pytest.raises(ValueError, match="prediction"):
        rb.TextClassificationRecord(text="x", prediction=[("a", 0.6), ("b", 0.6)])


def test_single_label_prediction_sum_within_tolerance_is_accepted():
    record = rb.TextClassificationRecord(text="x", prediction=[("a", 0.5), ("b", 0.5005)])
    assert record.prediction == [("b", 0.5005), ("a", 0.5)]
    # usual float noise from a softmax
    rb.TextClassificationRecord(text="x", prediction=[("a", 0.1), ("b", 0.2), ("c", 0.7)])


def test_single_label_prediction_sum_just_beyond_tolerance_is_rejected():
    with pytest.raises(ValueError, match="prediction"):
        rb.TextClassificationRecord(text="x", prediction=[("a", 0.5), ("b", 0.502)])


def test_multi_label_prediction_scores_may_sum_above_one():
    record = rb.TextClassificationRecord(
        text="x", multi_label=True, prediction=[("a", 0.9), ("b", 0.8), ("c", 0.95)]
    )
    assert record.prediction == [("c", 0.95), ("a", 0.9), ("b", 0.8)]


@pytest.mark.parametrize("label", ["", "   "])
def test_empty_prediction_label_is_rejected(label):
    with pytest.raises(ValueError, match="prediction"):
        rb.TextClassificationRecord(text="x", prediction=[(label, 0.5)])


@pytest.mark.parametrize(
    "score", [np.float32(0.25), np.float64(0.25), np.float16(0.25)], ids=lambda s: type(s).__name__
)
def test_numpy_float_scores_are_coerced_to_python_float(score):
    record = rb.TextClassificationRecord(
        text="x", prediction=[("a", score), ("b", np.float64(0.5))]
    )
    assert record.prediction == [("b", 0.5), ("a", 0.25)]
    assert all(type(s) is float for _, s in record.prediction)


@pytest.mark.parametrize(
    "score", [np.int64(1), np.int32(0), np.uint8(1)], ids=lambda s: type(s).__name__
)
def test_numpy_int_scores_are_coerced_to_python_float(score):
    record = rb.TextClassificationRecord(text="x", prediction=[("a", score)])
    assert type(record.prediction[0][1]) is float
    assert record.prediction[0][1] == float(score)


def test_numpy_str_labels_are_coerced_to_python_str():
    labels = np.array(["pos", "neg"])
    record = rb.TextClassificationRecord(
        text="x", prediction=list(zip(labels, np.array([0.7, 0.3]))), annotation=labels[0]
    )
    assert record.prediction == [("pos", 0.7), ("neg", 0.3)]
    assert all(type(label) is str for label, _ in record.prediction)
    assert type(record.annotation) is str


# =====================================================================================
# TextClassificationRecord: annotation
# =====================================================================================
def test_single_label_annotation_is_a_str():
    record = rb.TextClassificationRecord(text="x", annotation="pos")
    assert record.annotation == "pos"


def test_single_label_annotation_given_as_one_item_list_is_stored_as_str():
    record = rb.TextClassificationRecord(text="x", annotation=["pos"])
    assert record.annotation == "pos"
    assert isinstance(record.annotation, str)


def test_two_labels_on_a_single_label_record_are_rejected():
    with pytest.raises(ValueError, match="annotation"):
        rb.TextClassificationRecord(text="x", annotation=["pos", "neg"])


def test_multi_label_annotation_is_a_list_of_str():
    record = rb.TextClassificationRecord(
        text="x", multi_label=True, annotation=["sports", "politics"]
    )
    assert record.annotation == ["sports", "politics"]
    assert record.multi_label is True


def test_multi_label_annotation_given_as_str_is_stored_as_list():
    record = rb.TextClassificationRecord(text="x", multi_label=True, annotation="sports")
    assert record.annotation == ["sports"]


@pytest.mark.parametrize("annotation", ["", ["ok", ""], [" "]])
def test_empty_annotation_label_is_rejected(annotation):
    with pytest.raises(ValueError, match="annotation"):
        rb.TextClassificationRecord(text="x", multi_label=True, annotation=annotation)


def test_annotation_label_that_is_neither_a_str_nor_an_int_is_rejected():
    with pytest.raises(ValueError, match="annotation"):
        rb.TextClassificationRecord(text="x", annotation=3.5)


def test_multi_label_defaults_to_false():
    assert rb.TextClassificationRecord(text="x").multi_label is False


# =====================================================================================
# TextClassificationRecord: explanation
# =====================================================================================
def test_explanation_keyed_by_input_keys_is_accepted():
    explanation = {
        "body": [rb.TokenAttributions(token="great", attributions={"pos": 0.8, "neg": -0.2})]
    }
    record = rb.TextClassificationRecord(
        inputs={"title": "T", "body": "great"}, explanation=explanation
    )
    assert record.explanation == explanation


def test_explanation_given_as_plain_dicts_becomes_token_attributions():
    record = rb.TextClassificationRecord(
        text="great film", explanation={"text": [{"token": "great", "attributions": {"pos": 0.9}}]}
    )
    assert record.explanation == {
        "text": [rb.TokenAttributions(token="great", attributions={"pos": 0.9})]
    }


def test_explanation_key_not_among_inputs_is_rejected_naming_allowed_keys():
    with pytest.raises(ValueError) as info:
        rb.TextClassificationRecord(
            inputs={"title": "T", "body": "B"},
            explanation={"summary": [rb.TokenAttributions(token="B")]},
        )
    message = str(info.value)
    assert "explanation" in message
    assert "title" in message and "body" in message


# =====================================================================================
# ids and other numpy coercions
# =====================================================================================
@pytest.mark.parametrize("cls", RECORD_CLASSES)
@pytest.mark.parametrize(
    "ident", [np.int64(5), np.int32(5), np.uint16(5), np.int8(5)], ids=lambda i: type(i).__name__
)
def test_numpy_int_ids_become_python_ints(cls, ident):
    record = minimal(cls, id=ident)
    assert record.id == 5
    assert type(record.id) is int


@pytest.mark.parametrize("ident", [1, "abc", None])
def test_int_and_str_ids_are_kept(ident):
    assert rb.TextClassificationRecord(text="x", id=ident).id == ident


def test_numpy_metadata_values_become_plain_python_values():
    record = rb.TextClassificationRecord(
        text="x", metadata={"n": np.int64(3), "f": np.float32(0.5), "a": np.array([1, 2])}
    )
    assert record.metadata == {"n": 3, "f": 0.5, "a": [1, 2]}
    assert type(record.metadata["n"]) is int
    assert type(record.metadata["f"]) is float


def test_numpy_datetime64_event_timestamp_is_coerced():
    record = rb.TextClassificationRecord(
        text="x", event_timestamp=np.datetime64("2021-05-04T10:00:00")
    )
    assert record.event_timestamp == dt.datetime(2021, 5, 4, 10, 0)


def test_event_timestamp_accepts_a_datetime():
    moment = dt.datetime(2021, 5, 4, 10, 0)
    assert rb.TextClassificationRecord(text="x", event_timestamp=moment).event_timestamp == moment


# =====================================================================================
# annotation_agent without annotation
# =====================================================================================
@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_annotation_agent_without_annotation_warns_and_is_dropped(cls):
    with pytest.warns(UserWarning, match="annotation_agent"):
        record = minimal(cls, annotation_agent="alice")
    assert record.annotation_agent is None


@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_prediction_agent_without_prediction_warns_and_is_dropped(cls):
    with pytest.warns(UserWarning, match="prediction_agent 'model'"):
        record = minimal(cls, prediction_agent="model")
    assert record.prediction_agent is None


@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_annotation_agent_with_annotation_is_kept_without_warning(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = annotated(cls, annotation_agent="alice")
    assert record.annotation_agent == "alice"


# =====================================================================================
# unknown keywords, error types
# =====================================================================================
@pytest.mark.parametrize("cls", RECORD_CLASSES)
def test_unknown_keyword_is_rejected_naming_it(cls):
    with pytest.raises(ValueError, match="labels"):
        minimal(cls, labels=["pos"])


def test_unknown_keyword_is_rejected_by_token_attributions():
    with pytest.raises(ValueError, match="score"):
        rb.TokenAttributions(token="x", score=0.3)


def test_unknown_keyword_is_rejected_by_bulk_response():
    with pytest.raises(ValueError, match="errors"):
        rb.BulkResponse(dataset="d", processed=1, errors=3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "x", "prediction": [("a", 1.5)]}, "prediction"),
        ({"text": "x", "annotation": ["a", "b"]}, "annotation"),
        ({"text": "x", "status": "Done"}, "status"),
        ({"text": "x", "id": ""}, "id"),
        ({"text": "x", "metadata": "not a dict"}, "metadata"),
        ({"text": "x", "prediction_agent": 3}, "prediction_agent"),
        ({"text": "x", "event_timestamp": "yesterday"}, "event_timestamp"),
        ({"inputs": {"text": 3}}, "inputs"),
        ({"text": "x", "explanation": {"other": []}}, "explanation"),
    ],
)
def test_text_classification_validation_errors_are_value_errors_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        rb.TextClassificationRecord(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "Michael lives", "annotation": [("PER", 0, 6)]}, "annotation"),
        ({"text": "Michael lives", "prediction": [("PER", 0, 7, 2.0)]}, "prediction"),
        ({"text": "Michael lives", "tokens": ["Micheal", "lives"]}, "tokens"),
        ({"text": 5}, "text"),
        ({"text": "Michael lives", "tags": ["B-PER"]}, "tags"),
        ({"text": "Michael lives", "status": "Done"}, "status"),
    ],
)
def test_token_classification_validation_errors_are_value_errors_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        rb.TokenClassificationRecord(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": "Hello", "prediction": [("Hola", 1.5)]}, "prediction"),
        ({"text": "Hello", "annotation": 3}, "annotation"),
        ({"text": None}, "text"),
        ({"text": "Hello", "status": "Done"}, "status"),
    ],
)
def test_text2text_validation_errors_are_value_errors_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        rb.Text2TextRecord(**kwargs)


# =====================================================================================
# TokenClassificationRecord: text and tokens
# =====================================================================================
def test_tokens_default_to_words_and_punctuation_of_text():
    record = tok("Hello, Michael! How's Paris?")
    assert record.tokens == ("Hello", ",", "Michael", "!", "How", "'", "s", "Paris", "?")


def test_text_defaults_to_tokens_joined_by_spaces():
    record = rb.TokenClassificationRecord(tokens=["Michael", "lives", "in", "Paris", "."])
    assert record.text == "Michael lives in Paris ."


def test_given_tokens_are_kept():
    record = tok("Michael lives in Paris", ["Michael", "lives", "in", "Paris"])
    assert record.tokens == ("Michael", "lives", "in", "Paris")


def test_misspelt_token_not_in_text_is_rejected_naming_the_token():
    with pytest.raises(ValueError, match="Micheal"):
        tok("Michael lives in Paris", ["Micheal", "lives", "in", "Paris"])


def test_tokens_out_of_order_are_rejected_naming_the_token():
    with pytest.raises(ValueError, match="'lives'"):
        tok("Michael lives in Paris", ["Michael", "in", "lives", "Paris"])


def test_tokens_given_as_one_str_are_rejected():
    with pytest.raises(ValueError, match="tokens"):
        tok("Michael lives", "Michael lives")


# =====================================================================================
# TokenClassificationRecord: spans
# =====================================================================================
def test_spans_are_char_offsets_with_exclusive_end():
    text = "Michael lives in Paris"
    record = tok(text, annotation=[("PER", 0, 7), ("LOC", 17, 22)])
    assert record.annotation == [("PER", 0, 7), ("LOC", 17, 22)]
    assert [text[s:e] for _, s, e in record.annotation] == ["Michael", "Paris"]


def test_span_covering_several_tokens_is_accepted():
    record = tok("Michael Jordan lives in New York", annotation=[("PER", 0, 14), ("LOC", 24, 32)])
    assert record.annotation == [("PER", 0, 14), ("LOC", 24, 32)]


def test_span_not_starting_at_a_token_start_is_rejected():
    with pytest.raises(ValueError, match="annotation"):
        tok("Michael lives in Paris", annotation=[("PER", 1, 7)])


def test_span_not_ending_at_a_token_end_is_rejected():
    with pytest.raises(ValueError, match="annotation"):
        tok("Michael lives in Paris", annotation=[("PER", 0, 6)])


def test_span_starting_on_whitespace_is_trimmed_to_the_token_with_a_warning():
    with pytest.warns(UserWarning, match=r"\('LOC', 16, 22\) -> \('LOC', 17, 22\)"):
        record = tok("Michael lives in Paris", annotation=[("LOC", 16, 22)])
    assert record.annotation == [("LOC", 17, 22)]


@pytest.mark.parametrize(
    ("span", "kept"), [(("LOC", 17, 30), ("LOC", 17, 22)), (("PER", -5, 7), ("PER", 0, 7))]
)
def test_span_reaching_past_the_text_is_clamped_to_it_with_a_warning(span, kept):
    with pytest.warns(UserWarning, match="annotation"):
        record = tok("Michael lives in Paris", annotation=[span])
    assert record.annotation == [kept]


@pytest.mark.parametrize("span", [("LOC", 22, 25), ("LOC", 30, 40), ("LOC", -9, -2)])
def test_span_wholly_outside_the_text_is_rejected(span):
    with pytest.raises(ValueError, match="annotation"):
        tok("Michael lives in Paris", annotation=[span])


@pytest.mark.parametrize("span", [("PER", 7, 7), ("PER", 7, 0)])
def test_empty_or_reversed_span_is_rejected(span):
    with pytest.raises(ValueError, match="annotation"):
        tok("Michael lives in Paris", annotation=[span])


def test_span_with_empty_label_is_rejected():
    with pytest.raises(ValueError, match="annotation"):
        tok("Michael lives in Paris", annotation=[("", 0, 7)])


def test_overlapping_spans_are_allowed():
    record = tok(
        "Bank of America Tower", annotation=[("ORG", 0, 15), ("FAC", 0, 21), ("LOC", 8, 15)]
    )
    assert record.annotation == [("ORG", 0, 15), ("FAC", 0, 21), ("LOC", 8, 15)]


def test_prediction_spans_may_carry_a_score_and_without_one_score_zero():
    record = tok("Michael lives in Paris", prediction=[("PER", 0, 7, 0.9), ("LOC", 17, 22)])
    assert record.prediction == [("PER", 0, 7, 0.9), ("LOC", 17, 22, 0.0)]


@pytest.mark.parametrize("score", [0.0, 1.0])
def test_prediction_span_score_at_bounds_is_accepted(score):
    record = tok("Michael lives", prediction=[("PER", 0, 7, score)])
    assert record.prediction == [("PER", 0, 7, score)]


@pytest.mark.parametrize("score", [-0.1, 1.1, float("nan")])
def test_prediction_span_score_outside_zero_one_is_rejected(score):
    with pytest.raises(ValueError, match="prediction"):
        tok("Michael lives", prediction=[("PER", 0, 7, score)])


def test_prediction_spans_are_checked_against_token_boundaries():
    with pytest.raises(ValueError, match="prediction"):
        tok("Michael lives", prediction=[("PER", 0, 5, 0.9)])


def test_numpy_span_offsets_and_scores_are_coerced():
    record = tok(
        "Michael lives",
        annotation=[("PER", np.int64(0), np.int32(7))],
        prediction=[("PER", np.int64(0), np.int64(7), np.float32(0.5))],
    )
    assert record.annotation == [("PER", 0, 7)]
    assert record.prediction == [("PER", 0, 7, 0.5)]
    _, start, end = record.annotation[0]
    assert type(start) is int and type(end) is int
    assert type(record.prediction[0][3]) is float


def test_annotation_on_token_record_sets_status_validated():
    assert tok("Michael lives", annotation=[("PER", 0, 7)]).status == "Validated"


# =====================================================================================
# TokenClassificationRecord: IOB tags
# =====================================================================================
def test_iob_tags_become_annotation_spans():
    record = rb.TokenClassificationRecord(
        text="Michael Jordan lives in New York .",
        tokens=["Michael", "Jordan", "lives", "in", "New", "York", "."],
        tags=["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"],
    )
    assert record.annotation == [("PER", 0, 14), ("LOC", 24, 32)]
    assert record.status == "Validated"


def test_iob_tags_with_default_text_from_tokens():
    record = rb.TokenClassificationRecord(
        tokens=["Empire", "State", "Building", "=", "ESB"],
        tags=["B-fac", "I-fac", "I-fac", "O", "B-fac"],
    )
    assert record.text == "Empire State Building = ESB"
    assert [record.text[s:e] for _, s, e in record.annotation] == ["Empire State Building", "ESB"]


def test_adjacent_b_tags_make_separate_spans():
    record = rb.TokenClassificationRecord(tokens=["Paris", "London"], tags=["B-LOC", "B-LOC"])
    assert record.annotation == [("LOC", 0, 5), ("LOC", 6, 12)]


def test_i_tag_of_another_label_starts_a_new_span():
    record = rb.TokenClassificationRecord(tokens=["Paris", "Hilton"], tags=["B-LOC", "I-PER"])
    assert record.annotation == [("LOC", 0, 5), ("PER", 6, 12)]


def test_tag_labels_with_hyphens_are_kept_whole():
    record = rb.TokenClassificationRecord(
        tokens=["in", "New", "York"], tags=["O", "B-geo-loc", "I-geo-loc"]
    )
    assert record.annotation == [("geo-loc", 3, 11)]


def test_all_o_tags_give_no_spans():
    record = rb.TokenClassificationRecord(tokens=["nothing", "here"], tags=["O", "O"])
    assert not record.annotation


def test_tags_count_different_from_tokens_is_rejected():
    with pytest.raises(ValueError, match="tags"):
        rb.TokenClassificationRecord(tokens=["Michael", "lives"], tags=["B-PER"])


# =====================================================================================
# TokenClassificationRecord: Unicode (offsets are Python str indices)
# =====================================================================================
def test_emoji_offsets_are_python_str_indices_not_utf16():
    text = "🎉 Paris 😀 Michael"
    record = tok(
        text, ["🎉", "Paris", "😀", "Michael"], annotation=[("LOC", 2, 7), ("PER", 10, 17)]
    )
    assert [text[s:e] for _, s, e in record.annotation] == ["Paris", "Michael"]
    with pytest.raises(ValueError, match="annotation"):
        # the UTF-16 offsets of "Paris" (the emoji takes two code units)
        tok(text, ["🎉", "Paris", "😀", "Michael"], annotation=[("LOC", 3, 8)])


def test_emoji_zwj_sequence_token_is_one_span():
    family = "👨\u200d👩\u200d👧"
    text = f"{family} in Paris"
    record = tok(text, [family, "in", "Paris"], annotation=[("FAM", 0, len(family))])
    assert text[0 : record.annotation[0][2]] == family


def test_cjk_text_without_spaces_with_given_tokens():
    text = "我爱北京天安门"
    record = tok(text, ["我", "爱", "北京", "天安门"], annotation=[("LOC", 2, 4), ("LOC", 4, 7)])
    assert [text[s:e] for _, s, e in record.annotation] == ["北京", "天安门"]
    with pytest.raises(ValueError, match="annotation"):
        tok(text, ["我", "爱", "北京", "天安门"], annotation=[("LOC", 2, 3)])


def test_combining_accent_is_part_of_the_token_span():
    text = "Jose\u0301 vive en Me\u0301xico"
    tokens = ["Jose\u0301", "vive", "en", "Me\u0301xico"]
    record = tok(text, tokens, annotation=[("PER", 0, 5), ("LOC", 14, 21)])
    assert [text[s:e] for _, s, e in record.annotation] == ["Jose\u0301", "Me\u0301xico"]
    with pytest.raises(ValueError, match="annotation"):
        tok(text, tokens, annotation=[("PER", 0, 4)])  # would cut the accent off


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Jose\u0301 vive", ["Jose\u0301", "vive"]),  # decomposed (NFD) accent
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),  # Devanagari vowel signs and virama
    ],
)
def test_default_tokens_keep_combining_marks_inside_words(text, words):
    assert list(tok(text).tokens) == words


def test_rtl_text_offsets_and_order():
    text = "שלום עולם"
    record = tok(text, ["שלום", "עולם"], annotation=[("X", 5, 9)])
    assert text[5:9] == "עולם"
    assert record.annotation == [("X", 5, 9)]
    with pytest.raises(ValueError, match="שלום"):
        tok(text, ["עולם", "שלום"])


def test_arabic_default_tokens_and_span():
    text = "مرحبا بالعالم"
    record = tok(text, annotation=[("LOC", 6, 13)])
    assert record.tokens == ("مرحبا", "بالعالم")
    assert text[6:13] == "بالعالم"


# =====================================================================================
# Text2TextRecord
# =====================================================================================
def test_text2text_str_predictions_get_score_one():
    record = rb.Text2TextRecord(text="Hello", prediction=["Hola", "Buenas"])
    assert record.prediction == [("Hola", 1.0), ("Buenas", 1.0)]


def test_text2text_predictions_mix_str_and_scored_pairs_sorted_by_score():
    record = rb.Text2TextRecord(
        text="Hello", prediction=[("Buenos días", 0.3), "Hola", ("Qué tal", 0.8)]
    )
    assert record.prediction == [("Hola", 1.0), ("Qué tal", 0.8), ("Buenos días", 0.3)]
    for text, score in record.prediction:
        assert type(text) is str and type(score) is float


def test_text2text_numpy_scores_are_coerced():
    record = rb.Text2TextRecord(text="Hello", prediction=[("Hola", np.float32(0.5))])
    assert record.prediction == [("Hola", 0.5)]
    assert type(record.prediction[0][1]) is float


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_text2text_score_outside_zero_one_is_rejected(score):
    with pytest.raises(ValueError, match="prediction"):
        rb.Text2TextRecord(text="Hello", prediction=[("Hola", score)])


def test_text2text_annotation_is_the_corrected_text():
    record = rb.Text2TextRecord(text="Hello", annotation="¡Hola! 👋")
    assert record.annotation == "¡Hola! 👋"
    assert record.status == "Validated"


# =====================================================================================
# TokenAttributions, BulkResponse
# =====================================================================================
def test_token_attributions_default_to_empty_dict():
    assert rb.TokenAttributions(token="great").attributions == {}


def test_token_attributions_numpy_values_become_floats():
    attributions = rb.TokenAttributions(
        token="great", attributions={"pos": np.float32(0.5), "neg": -0.25}
    )
    assert attributions.attributions == {"pos": 0.5, "neg": -0.25}
    assert all(type(v) is float for v in attributions.attributions.values())


def test_bulk_response_failed_defaults_to_zero():
    response = rb.BulkResponse(dataset="reviews", processed=3)
    assert (response.dataset, response.processed, response.failed) == ("reviews", 3, 0)


def test_the_field_lists_the_data_layer_reads_without_pydantic_match_the_record_models():
    """tasks.RECORD_FIELDS spares reading and writing data the pydantic import: it must
    name each model's fields, in the models' order (the DataFrame path's column order)."""
    from rubrix_widgets.records import RECORD_CLASSES
    from rubrix_widgets.tasks import READ_ONLY_FIELDS, RECORD_FIELDS, SPECS

    for task, cls in RECORD_CLASSES.items():
        assert RECORD_FIELDS[task] == tuple(cls.model_fields), task
        assert SPECS[task].record_fields == RECORD_FIELDS[task]
        assert not set(READ_ONLY_FIELDS) & set(cls.model_fields)  # kept apart on the record
