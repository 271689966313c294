"""spaCy ``DocBin`` training data (``prepare_for_training("spacy", lang=...)``).

Text classification: one ``lang.make_doc(text)`` per record, with ``doc.cats``
one-hot over all labels (1.0 / 0.0). Token classification: one ``Doc`` per
record built from the record's own tokens (so every span aligns, where Rubrix
re-tokenized with ``lang`` and refused spans that did not), whose text is the
record's text exactly, with the annotated spans as ``doc.ents``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def _spacy():
    try:
        import spacy
    except ImportError:  # ModuleNotFoundError, as Rubrix raises (it is an ImportError too)
        raise ModuleNotFoundError("this needs the spacy package: pip install spacy") from None
    return spacy


def language(lang: Any):
    """``lang`` checked: a spaCy ``Language``, whose vocabulary (and tokenizer) the docs use."""
    spacy = _spacy()
    if lang is None:
        raise ValueError(
            "framework='spacy' needs lang, the spaCy pipeline whose vocabulary and tokenizer "
            "the docs use, e.g. lang=spacy.blank('en')"
        )
    if not isinstance(lang, spacy.language.Language):
        raise TypeError(
            f"lang must be a spaCy Language such as spacy.blank('en'), not {type(lang).__name__}"
        )
    return lang


def empty_docbin():
    """A ``DocBin`` with no doc: the spaCy data of no annotated record."""
    return _spacy().tokens.DocBin()


def text_docbin(nlp: Any, texts: list[str], labels: list[list[str]], names: list[str]):
    """A ``DocBin`` of ``nlp.make_doc(text)``, each with ``cats`` 1.0 for its labels, else 0.0."""
    docbin = _spacy().tokens.DocBin()
    for text, record_labels in zip(texts, labels, strict=True):
        doc = nlp.make_doc(text)
        chosen = set(record_labels)
        doc.cats = {name: 1.0 if name in chosen else 0.0 for name in names}
        docbin.add(doc)
    return docbin


def token_docbin(
    nlp: Any,
    texts: list[str],
    offsets: list[list[tuple[int, int]]],
    spans: list[list[tuple[str, int, int]]],
):
    """A ``DocBin`` of the records' own tokens; ``spans`` are (label, first token, last + 1)."""
    tokens = _spacy().tokens
    docbin = tokens.DocBin()
    for text, record_offsets, record_spans in zip(texts, offsets, spans, strict=True):
        words, spaces, position = _words_and_spaces(text, record_offsets)
        doc = tokens.Doc(nlp.vocab, words=words, spaces=spaces)
        doc.ents = [
            tokens.Span(doc, position[first], position[last - 1] + 1, label=label)
            for label, first, last in record_spans
        ]
        docbin.add(doc)
    return docbin


_PIECES = re.compile(r"\S+|\s+")


def _words_and_spaces(
    text: str, offsets: Sequence[tuple[int, int]]
) -> tuple[list[str], list[bool], list[int]]:
    """spaCy ``Doc`` words and spaces that rebuild ``text`` exactly from a record's tokens.

    Every record token is one word (so annotation spans always align); what lies
    between tokens becomes a trailing space when it is one " ", else extra words
    (spaCy's own whitespace tokens). ``position[k]`` is the word of token k.
    """
    words: list[str] = []
    spaces: list[bool] = []
    position: list[int] = []

    def gap(piece_of_text: str) -> None:
        for piece in _PIECES.findall(piece_of_text):
            if piece[0] == " " and words and not spaces[-1]:
                spaces[-1] = True
                piece = piece[1:]
            if piece:
                words.append(piece)
                spaces.append(False)

    cursor = 0
    for start, end in offsets:
        gap(text[cursor:start])
        position.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        cursor = end
    gap(text[cursor:])
    return words, spaces, position
