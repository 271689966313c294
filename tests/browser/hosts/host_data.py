"""The datasets every host shows, logged once per host from the real-data fixtures.

Each host gets its own workspace folder (its server's ``RUBRIX_WIDGETS_HOME``),
so what one host's checks write never shows up in another's. The names here are
the ones the apps under ``apps/`` open.
"""

from __future__ import annotations

import pandas as pd

import rubrix_widgets as rb

REVIEWS = "reviews"  # text classification: the shared page checklist
NER = "ner"  # token classification: a span
REPLIES = "replies"  # text2text: an edit
TWEETS = "tweets"  # opened from the home list only (no other view shows it)
N_REVIEWS = 120
ANNOTATED = range(90, N_REVIEWS)  # annotated by a person: the page's first cards are not
NER_LABELS = ["PER", "LOC", "ORG"]


def log_host_datasets(
    rotten_tomatoes: pd.DataFrame,
    ner_sentences: list[list[tuple[str, str]]],
    chatterbot_pairs: list[tuple[str, str]],
    health_tweets: pd.DataFrame,
) -> None:
    """Log the four datasets into the current workspace (``RUBRIX_WIDGETS_HOME``)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = rotten_tomatoes.dropna(subset=["text"])
    data = data[data.category.isin(["fresh", "rotten", "plot"])].reset_index(drop=True)
    train, shown = data.iloc[:2000], data.iloc[2000 : 2000 + N_REVIEWS]
    model = make_pipeline(TfidfVectorizer(min_df=2), LogisticRegression(max_iter=300))
    model.fit(train.text, train.category)
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=list(zip(model.classes_, map(float, row), strict=True)),
                prediction_agent="tfidf-logreg",
                annotation=gold if i in ANNOTATED else None,
                metadata={"movie": movie},
            )
            for i, (text, movie, gold, row) in enumerate(
                zip(
                    shown.text,
                    shown.movie_name,
                    shown.category,
                    model.predict_proba(shown.text),
                    strict=True,
                )
            )
        ],
        REVIEWS,
        verbose=False,
    )
    rb.log(
        [
            rb.TokenClassificationRecord(
                id=i, tokens=[t for t, _ in s], metadata={"source": "wnut"}
            )
            for i, s in enumerate(ner_sentences[:8])
        ],
        NER,
        verbose=False,
    )
    rb.configure_dataset(NER, rb.TokenClassificationSettings(label_schema=NER_LABELS))
    pairs = chatterbot_pairs[:12]
    rb.log(
        [
            rb.Text2TextRecord(id=i, text=prompt, prediction=[(reply, 0.9)])
            for i, (prompt, reply) in enumerate(pairs)
        ],
        REPLIES,
        verbose=False,
    )
    tweets = health_tweets.dropna(subset=["text"]).head(15)
    rb.log(
        [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(tweets.text)],
        TWEETS,
        verbose=False,
    )
