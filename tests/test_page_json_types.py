"""The records the kernel sends a page are the records the front end's types describe.

js/src/types.ts declares one record type per task (``RecordOf``: task -> interface). Here
the kernel's own code (``DatasetSession.page`` -> ``page_json``) builds the page JSON of
real datasets of each task, in every shape the page can meet (several inputs,
explanations, multi-label, no annotation yet, texts cut for length), and every record's
keys must be exactly the fields of its task's TypeScript type: a key added, renamed or
dropped on either side fails here, not in a person's browser. types.ts keeps these
interfaces in a shape this file can read (one ``  name: type;`` line per field); a line
in another shape fails too, rather than being skipped.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest

import rubrix_widgets as rb
from rubrix_widgets.page_state.dataset_session import DatasetSession
from rubrix_widgets.page_state.page_json import MAX_TEXT, MAX_TOKENS
from rubrix_widgets.tasks import TASKS, TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

TYPES_TS = pathlib.Path(__file__).resolve().parents[1] / "js" / "src" / "types.ts"
INTERFACE = re.compile(r"^export interface (\w+)(?: extends (\w+))? \{\n(.*?)^\}", re.M | re.S)
FIELD = re.compile(r"^  (\w+)(\??): ([^;]+);$")
COMMENT = re.compile(r"^\s*(//|/\*\*|\*)")
DAY = dt.datetime(2021, 3, 4, 12, 30)


def stamp(i: int) -> dt.datetime | None:
    """An event timestamp for two records in three."""
    return DAY + dt.timedelta(hours=i) if i % 3 else None


# -- the TypeScript side -------------------------------------------------------------------
def interfaces() -> dict[str, tuple[str | None, list[str]]]:
    """Every ``export interface`` of types.ts: name -> (the interface it extends, its lines)."""
    found = {}
    for match in INTERFACE.finditer(TYPES_TS.read_text(encoding="utf-8")):
        lines = [line for line in match[3].splitlines() if line.strip()]
        found[match[1]] = (match[2], [line for line in lines if not COMMENT.match(line)])
    return found


def fields_of(name: str) -> dict[str, str]:
    """The fields of interface ``name`` and of what it extends: field -> its TS type.

    Every field must be required (the kernel sends every key) and on a line of its own."""
    known = interfaces()
    assert name in known, f"types.ts has no `export interface {name} {{` (see its comment)"
    parent, lines = known[name]
    fields = fields_of(parent) if parent else {}
    for line in lines:
        match = FIELD.match(line)
        assert match, f"types.ts, interface {name}: {line.strip()!r} is not `  name: type;`"
        assert not match[2], f"types.ts, interface {name}: {match[1]!r} is optional"
        fields[match[1]] = match[3]
    return fields


def record_types() -> dict[str, str]:
    """``RecordOf``: task -> the name of its record interface."""
    _, lines = interfaces()["RecordOf"]
    return {m[1]: m[3] for m in map(FIELD.match, lines) if m}


# -- real page JSON, built by the kernel's code ---------------------------------------------
def page_records(name: str) -> list[dict]:
    """Every record of dataset ``name`` as one page of the widget gets it."""
    session = DatasetSession(name)
    view = session.view()
    compiled, _ = session.compile(view, "", {})
    records, total, _ = session.page(view, compiled, [], 0, 200, everything=True)
    assert len(records) == total
    return records


def text_classification_pages(rotten_tomatoes) -> list[dict]:
    """Real reviews: one text or three inputs, explained or not, annotated or not, single
    and multi-label, some longer than a page sends."""
    reviews = rotten_tomatoes.dropna(subset=["text"]).sample(60, random_state=3)
    single, multi = [], []
    for i, row in enumerate(reviews.itertuples()):
        words = row.text.split()
        inputs = (
            {"text": row.text if i % 10 else row.text * (MAX_TEXT // len(row.text) + 2)}
            if i % 3
            else {"title": str(row.movie_name), "review": row.text, "words": words[:5]}
        )
        key = next(iter(inputs))
        explanation = (
            {key: [rb.TokenAttributions(token=w, attributions={"fresh": 0.3}) for w in words]}
            if i % 4 == 0 and key == "text"
            else None
        )
        prediction = [("fresh", 0.7), ("rotten", 0.2), ("plot", 0.1)] if i % 5 else None
        single.append(
            rb.TextClassificationRecord(
                inputs=inputs,
                prediction=prediction,
                prediction_agent="tfidf" if prediction else None,
                annotation=row.category if i % 2 else None,
                annotation_agent="critic" if i % 2 else None,
                explanation=explanation,
                event_timestamp=stamp(i),
                metadata={"movie": str(row.movie_name), "n": i},
                id=i,
            )
        )
        multi.append(
            rb.TextClassificationRecord(
                text=row.text,
                multi_label=True,
                prediction=[("fresh", 0.7), ("plot", 0.6)],
                annotation=sorted({row.category, "plot"}) if i % 2 else None,
                id=f"review-{i}",
            )
        )
    rb.log(single, name="reviews", verbose=False)
    rb.log(multi, name="reviews-multi", verbose=False)
    return page_records("reviews") + page_records("reviews-multi")


def token_classification_pages(ner_sentences) -> list[dict]:
    """Real tweets with their gold spans as annotation or as predictions (or none), and
    one text longer than a page shows."""
    tweets = [
        rb.TokenClassificationRecord(tokens=[w for w, _ in s], tags=[t for _, t in s], id=i)
        for i, s in enumerate(ner_sentences[:60])
    ]
    records = []
    for i, tweet in enumerate(tweets):
        spans = [(label, start, end, 0.8) for label, start, end in tweet.annotation or ()]
        records.append(
            rb.TokenClassificationRecord(
                text=tweet.text,
                tokens=tweet.tokens,
                annotation=tweet.annotation if i % 3 == 0 else None,
                annotation_agent="gold" if i % 3 == 0 else None,
                event_timestamp=stamp(i),
                prediction=spans if i % 3 == 1 else None,
                prediction_agent="model" if i % 3 == 1 else None,
                id=i,
            )
        )
    long_tokens = [w for s in ner_sentences for w, _ in s][: MAX_TOKENS + 500]
    records.append(rb.TokenClassificationRecord(tokens=long_tokens, id="long"))
    rb.log(records, name="tweets", verbose=False)
    return page_records("tweets")


def text2text_pages(chatterbot_pairs) -> list[dict]:
    """Real prompts and replies: predicted, annotated, neither, and a cut long prompt."""
    records = [
        rb.Text2TextRecord(
            text=prompt,
            prediction=[(reply, 0.7)] if i % 2 else None,
            prediction_agent="chatterbot" if i % 2 else None,
            annotation=reply if i % 3 == 0 else None,
            annotation_agent="writer" if i % 3 == 0 else None,
            event_timestamp=stamp(i),
            id=i,
        )
        for i, (prompt, reply) in enumerate(chatterbot_pairs[:60])
    ]
    prompt = chatterbot_pairs[0][0]
    records.append(rb.Text2TextRecord(text=prompt * (MAX_TEXT // len(prompt) + 2), id="long"))
    rb.log(records, name="replies", verbose=False)
    return page_records("replies")


PAGES = {
    TEXT_CLASSIFICATION: (text_classification_pages, "rotten_tomatoes"),
    TOKEN_CLASSIFICATION: (token_classification_pages, "ner_sentences"),
    TEXT2TEXT: (text2text_pages, "chatterbot_pairs"),
}


@pytest.fixture(params=sorted(PAGES))
def task_page(request) -> tuple[str, list[dict]]:
    build, data = PAGES[request.param]
    return request.param, build(request.getfixturevalue(data))


# -- the checks -----------------------------------------------------------------------------
def test_types_ts_has_one_record_type_for_each_task_of_the_kernel():
    assert sorted(record_types()) == sorted(TASKS)


def test_every_record_the_kernel_sends_has_exactly_the_fields_of_its_tasks_ts_type(task_page):
    task, records = task_page
    fields = fields_of(record_types()[task])
    assert records
    for record in records:
        assert set(record) == set(fields), (
            f"{task} record {record['id']!r}: the kernel sends "
            f"{sorted(set(record) - set(fields))} that types.ts lacks, and types.ts has "
            f"{sorted(set(fields) - set(record))} that the kernel does not send"
        )


def test_the_kernel_sends_null_only_where_the_ts_type_allows_it(task_page):
    task, records = task_page
    fields = fields_of(record_types()[task])
    nulls = {key for record in records for key, value in record.items() if value is None}
    for key in nulls:
        assert re.search(r"\bnull\b", fields[key]), (
            f"{task}: the kernel sends {key}: null; types.ts says {key}: {fields[key]}"
        )


def test_the_pages_cover_every_shape_the_ts_types_name(task_page):
    """The data above meets each nullable field both null and set, so the two checks
    above saw every shape (a field always null would hide its type)."""
    task, records = task_page
    fields = fields_of(record_types()[task])
    for key, ts_type in fields.items():
        values = [record[key] for record in records]
        if re.search(r"\bnull\b", ts_type):
            assert None in values, f"{task}: no record has {key}: null"
        assert any(v is not None for v in values), f"{task}: every record has {key}: null"


CUT = {
    TEXT_CLASSIFICATION: lambda r: any(r["lengths"][k] > len(v) for k, v in r["inputs"].items()),
    TOKEN_CLASSIFICATION: lambda r: r["token_count"] > len(r["tokens"]),
    TEXT2TEXT: lambda r: r["length"] > len(r["text"]),
}


def test_the_pages_include_a_record_whose_text_the_kernel_cut(task_page):
    """The checks above also saw the shape of a record sent in part."""
    task, records = task_page
    assert any(CUT[task](record) for record in records)


def test_an_entity_record_not_annotated_yet_is_sent_with_a_null_annotation(ner_sentences):
    records = token_classification_pages(ner_sentences)
    by_id = {record["id"]: record for record in records}
    assert by_id[1]["annotation"] is None  # i % 3 == 1: predicted, not annotated
    assert by_id[0]["annotation"] == [["facility", 64, 85], ["facility", 88, 91]]
    assert by_id[3]["annotation"] == []  # annotated: this tweet has no entities
