"""Small real models standing in for third-party code the guides call but that cannot run here.

Each keeps the interface the guide calls and does the job with NumPy or scikit-learn, trained
here on real data. None of them is Rubrix code: the guides' Rubrix calls run unchanged around
them, and these stand-ins check the shapes those calls hand over (a label matrix row per
training text, one annotation per test text, labels numbered from 0).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


def _text_classifier():
    return make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=1000))


class MajorityLabelVoter:
    """snorkel.labeling.model.MajorityLabelVoter's ``predict`` / ``score``: per row, the label
    most rules voted for; -1 (abstain) where no rule voted or the top labels tie, unless
    ``tie_break_policy="random"`` picks one of the tied labels."""

    def __init__(self, cardinality: int = 2):
        self.cardinality = cardinality

    def predict(self, L, tie_break_policy: str = "abstain", seed: int = 0) -> np.ndarray:
        matrix = np.asarray(L)
        if matrix.ndim != 2 or (
            matrix.size and (matrix.min() < -1 or matrix.max() >= self.cardinality)
        ):
            raise ValueError(
                f"L must be a 2-d matrix of votes in -1..{self.cardinality - 1}, got shape "
                f"{matrix.shape} and values {np.unique(matrix).tolist()}"
            )
        votes = np.stack([(matrix == c).sum(axis=1) for c in range(self.cardinality)], axis=1)
        winners = votes == votes.max(axis=1, keepdims=True)
        predictions = votes.argmax(axis=1)
        tied = winners.sum(axis=1) > 1  # rows without any vote tie between all labels
        if tie_break_policy == "abstain":
            predictions[tied] = -1
        elif tie_break_policy == "random":
            rng = np.random.default_rng(seed)
            predictions[tied] = [rng.choice(np.flatnonzero(row)) for row in winners[tied]]
        else:
            raise ValueError(f"tie_break_policy {tie_break_policy!r} is not abstain or random")
        return predictions

    def score(self, L, Y, tie_break_policy: str = "abstain") -> dict[str, float]:
        Y = np.asarray(Y)
        if len(Y) != len(L):
            raise ValueError(f"{len(L)} rows of votes but {len(Y)} gold labels")
        predictions = self.predict(L, tie_break_policy=tie_break_policy)
        kept = predictions != -1
        return {"accuracy": float((predictions[kept] == Y[kept]).mean())}


def sentiment_pipeline(texts: list[str], labels: list[str]):
    """``transformers.pipeline`` for "sentiment-analysis": answers ``nlp(text)`` with
    ``[{"label": "POSITIVE" or "NEGATIVE", "score": p}]``, from a model trained on
    ``texts`` labelled "positive" / "negative"."""
    model = _text_classifier().fit(texts, labels)

    def nlp(text: str) -> list[dict]:
        probabilities = model.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return [{"label": str(model.classes_[best]).upper(), "score": float(probabilities[best])}]

    def pipeline(task: str):
        if task != "sentiment-analysis":
            raise ValueError(f"only the sentiment-analysis pipeline stands in here, not {task!r}")
        return nlp

    return pipeline


# ---- Weasel (autonlab/weasel on PyTorch Lightning and transformers) ----


class _Tokenizer:
    """An AutoTokenizer stand-in: the end model below reads the text itself."""

    def __call__(self, text: str, truncation: bool = False, return_tensors: str | None = None):
        if not isinstance(text, str):
            raise TypeError(f"the tokenizer takes a text, not {type(text).__name__}")
        return {"text": text}


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name: str) -> _Tokenizer:
        return _Tokenizer()


class TransformersCollator:
    def __init__(self, tokenizer: _Tokenizer):
        self.tokenizer = tokenizer


class TransformersDataModule:
    """Holds what Weasel trains on; refuses inputs whose lengths do not line up."""

    def __init__(self, label_matrix, X_train, collator, X_test, Y_test, batch_size):
        self.label_matrix = np.asarray(label_matrix)
        if self.label_matrix.shape[0] != len(X_train):
            raise ValueError(
                f"label_matrix has {self.label_matrix.shape[0]} rows for {len(X_train)} "
                "training texts"
            )
        if len(X_test) != len(Y_test):
            raise ValueError(f"{len(X_test)} test texts but {len(Y_test)} test labels")
        self.X_train, self.X_test, self.Y_test = X_train, X_test, np.asarray(Y_test)
        self.collator, self.batch_size = collator, batch_size


class Transformers:
    """The end model: a text classifier with a ``.model.config.id2label`` as transformers has."""

    def __init__(self, name: str, num_labels: int):
        self.num_labels = num_labels
        self.model = SimpleNamespace(config=SimpleNamespace(id2label=None), classifier=None)


class Weasel:
    """Trains the end model on the majority vote of the weak label matrix (Weasel learns the
    label model jointly; the guide's point, training from weak labels alone, is kept)."""

    def __init__(self, end_model, num_LFs, n_classes, encoder, optim_encoder, optim_end_model):
        self.end_model, self.num_LFs, self.n_classes = end_model, num_LFs, n_classes

    def _fit(self, datamodule: TransformersDataModule) -> None:
        L = datamodule.label_matrix
        if L.shape[1] != self.num_LFs:
            raise ValueError(f"the label matrix has {L.shape[1]} columns for {self.num_LFs} rules")
        votes = MajorityLabelVoter(cardinality=self.n_classes).predict(L)
        kept = votes != -1
        texts = [encoded["text"] for encoded, keep in zip(datamodule.X_train, kept) if keep]
        self.end_model.model.classifier = _text_classifier().fit(texts, votes[kept])

    def predict(self, encoded) -> tuple[np.ndarray, int]:
        probabilities = self.end_model.model.classifier.predict_proba([encoded["text"]])[0]
        return probabilities, int(self.end_model.model.classifier.classes_[probabilities.argmax()])


class _Trainer:
    def __init__(self, gpus=0, max_epochs=1, logger=None, callbacks=()):
        self._model = self._datamodule = None

    def fit(self, model: Weasel, datamodule: TransformersDataModule) -> None:
        model._fit(datamodule)
        self._model, self._datamodule = model, datamodule

    def test(self) -> dict[str, float]:
        classifier = self._model.end_model.model.classifier
        predicted = classifier.predict([encoded["text"] for encoded in self._datamodule.X_test])
        return {"accuracy": float((predicted == self._datamodule.Y_test).mean())}


lightning = SimpleNamespace(
    Trainer=_Trainer,
    callbacks=SimpleNamespace(ModelCheckpoint=lambda monitor, mode: None),
)


def pipeline(task: str, model, tokenizer):
    """transformers.pipeline("text-classification") over the stand-in end model."""

    def classify(text: str) -> list[dict]:
        probabilities = model.classifier.predict_proba([tokenizer(text)["text"]])[0]
        best = int(model.classifier.classes_[probabilities.argmax()])
        return [{"label": model.config.id2label[best], "score": float(probabilities.max())}]

    return classify


weasel = SimpleNamespace(
    Transformers=Transformers,
    Weasel=Weasel,
    AutoTokenizer=AutoTokenizer,
    TransformersDataModule=TransformersDataModule,
    TransformersCollator=TransformersCollator,
    lightning=lightning,
    pipeline=pipeline,
)
