"""``rb.suggest``: a few-shot classifier on the records' vectors, its predictions logged.

The classifier is a nearest-centroid head on unit vectors: each label's centroid is the
normalised mean of the vectors of the records annotated with it, and a record's score for a
label grows with its cosine similarity to that centroid. Why not a logistic regression: on
Rotten Tomatoes snippets (fresh / rotten / plot, all-MiniLM-L6-v2 vectors, 20 draws, 2,000
held-out records) the centroid head was as good or better at every size a few-shot loop
goes through: 5 labels per class 0.553 vs 0.537 (scikit-learn's LogisticRegression, best
C), 10: 0.584 vs 0.573, 20: 0.617 vs 0.602, 50: 0.655 vs 0.646; the two meet at 150 per
class (0.686). It needs no scikit-learn, trains in microseconds and cannot overfit five
examples.

Scores are probabilities, fitted on leave-one-out similarities (each annotated record
compared with centroids computed without it), so they are honest about records the head
has not seen. Single-label: a softmax over the labels of the similarities times the
temperature with the lowest leave-one-out log loss. Multi-label (one-vs-rest): per label,
a logistic fit (Platt scaling) on the margin "similarity to the label's centroid minus
similarity to the centroid of the annotated records without it". Leave-one-out errs on
the modest side (a centroid of n-1 examples is a little worse than one of n): a score of
0.9 is right at least about 90% of the time, which is what an "auto-validate above 0.9"
rule needs.

Writing: the predictions replace only ``prediction`` and ``prediction_agent``. Each batch
is read again and written under the dataset's write lock, so an annotation saved from a
page while the classifier ran is kept (the same rule as ``rb.add_vectors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..store import locks
from ..tasks import LABEL_SCORE, TEXT_CLASSIFICATION
from ..vector_columns import vector_of
from .ann_index import normalised

WRITE_BATCH = 50_000  # records per atomic write
TEMPERATURES = np.geomspace(1.0, 200.0, 60)


@dataclass(frozen=True)
class Suggestions:
    """What :func:`suggest` did.

    ``records``: how many records got a prediction; ``labels``: the labels the classifier
    knows; ``trained_on``: annotated records it learnt from, ``per_label`` of them per
    label; ``predicted``: records per top predicted label; ``without_vector``: records
    matching the query that were skipped because they lack the vector; ``agent``: the
    prediction agent written.
    """

    records: int
    labels: list[str]
    trained_on: int
    per_label: dict[str, int]
    predicted: dict[str, int]
    without_vector: int
    agent: str
    multi_label: bool = False
    temperature: float = field(default=1.0, repr=False)


class CentroidHead:
    """Nearest-centroid few-shot classifier with probabilities (see the module docstring).

    ``fit(matrix, annotations, multi_label)``: ``annotations`` is one list of labels per
    row (one label for single-label records). ``scores(matrix)``: (n, labels) probabilities
    in the order of ``labels``.
    """

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.multi_label = False
        self.temperature = 1.0
        self.slopes = np.ones(0, np.float32)  # multi-label: per label sigmoid(slope * m + bias)
        self.biases = np.zeros(0, np.float32)
        self._positive = np.zeros((0, 0), np.float32)
        self._negative = np.zeros((0, 0), np.float32)

    def fit(self, matrix: np.ndarray, annotations: list[list[str]], multi_label: bool):
        unit = normalised(matrix)
        self.labels = sorted({label for given in annotations for label in given})
        self.multi_label = multi_label
        member = np.array(
            [[label in given for label in self.labels] for given in annotations], dtype=bool
        ).reshape(len(annotations), len(self.labels))
        pos_sum = member.T.astype(np.float32) @ unit  # (labels, d)
        self._positive = normalised(pos_sum)
        pos_loo = _leave_one_out(unit, member, pos_sum)
        if not multi_label:
            usable = (member.sum(0)[None, :] - member) > 0  # own label has other examples
            self.temperature = _temperature(pos_loo[usable.all(1)], member[usable.all(1)])
            return self
        neg_sum = (~member).T.astype(np.float32) @ unit
        self._negative = normalised(neg_sum)
        margins = pos_loo - _leave_one_out(unit, ~member, neg_sum)
        fitted = [_platt(margins[:, j], member[:, j]) for j in range(len(self.labels))]
        self.slopes = np.array([a for a, _ in fitted], np.float32)
        self.biases = np.array([b for _, b in fitted], np.float32)
        return self

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        unit = normalised(matrix)
        sims = unit @ self._positive.T
        if self.multi_label:
            margins = sims - unit @ self._negative.T
            return _sigmoid(self.slopes * margins + self.biases)
        return _softmax(self.temperature * sims)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _temperature(sims: np.ndarray, truth: np.ndarray) -> float:
    """Single-label: the softmax temperature with the lowest leave-one-out log loss (each
    annotated record scored against centroids computed without it)."""
    if not len(sims):
        return float(TEMPERATURES[len(TEMPERATURES) // 2])  # one example per label
    losses = [-np.log(np.clip(_softmax(t * sims)[truth], 1e-9, 1)).mean() for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def _platt(margins: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Multi-label, one label: the slope and bias of a logistic fit on the leave-one-out
    margins (Platt scaling; Newton steps, a light L2 prior keeps separable data finite)."""
    y = truth.astype(np.float64)
    m = margins.astype(np.float64)
    a, b, prior = 10.0, 0.0, 0.01
    for _ in range(50):
        p = _sigmoid(a * m + b)
        w = p * (1 - p)
        gradient = np.array([((p - y) * m).sum() + prior * a, (p - y).sum() + prior * b])
        hessian = np.array(
            [[(w * m * m).sum() + prior, (w * m).sum()], [(w * m).sum(), w.sum() + prior]]
        )
        step = np.linalg.solve(hessian, gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-6:
            break
    return float(a), float(b)


def _leave_one_out(unit: np.ndarray, member: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """Cosine of each row to each centroid, its own contribution removed from its labels'."""
    sims = unit @ normalised(sums).T
    rows, labels = member.nonzero()
    without = sums[labels] - unit[rows]
    norms = np.linalg.norm(without, axis=1)
    sims[rows, labels] = (without * unit[rows]).sum(1) / np.where(norms == 0, 1, norms)
    return sims


def suggest(
    store,
    vector_name: str,
    query: str | None = None,
    agent: str | None = None,
) -> Suggestions:
    """Train on the Validated records' vectors, predict the records matching ``query``
    (default: those without an annotation) and write the predictions."""
    view = store.view()
    manifest = view.manifest
    if manifest.task != TEXT_CLASSIFICATION:
        raise InputError(
            f"rb.suggest predicts labels of text classification datasets; {manifest.name!r} "
            f"is a {manifest.task} dataset"
        )
    if not isinstance(vector_name, str) or vector_name not in manifest.vectors:
        known = ", ".join(sorted(manifest.vectors)) or "none yet: add them with rb.add_vectors"
        raise InputError(
            f"dataset {manifest.name!r} has no vector named {vector_name!r}; its vectors are: "
            f"{known}"
        )
    agent = f"few-shot:{vector_name}" if agent is None else agent
    if not isinstance(agent, str) or not agent.strip():
        raise InputError(f"agent must be a non-empty str, not {agent!r}")
    if query is not None and not isinstance(query, str):
        raise InputError(f"query must be a str, not {type(query).__name__}")

    head, trained, per_label = _trained(view, vector_name)
    target_query = "NOT _exists_:annotation" if query is None or not query.strip() else query
    seqs, _, _ = view.search(target_query)
    seqs = np.asarray(seqs, dtype=np.int64)
    done, without, predicted = 0, 0, dict.fromkeys(head.labels, 0)
    for start in range(0, len(seqs), WRITE_BATCH):
        batch = seqs[start : start + WRITE_BATCH]
        rows = view.live.rows(batch)
        found, matrix = vector_of(rows.column("vectors"), vector_name)
        without += len(batch) - len(found)
        if not len(found):
            continue
        scores = head.scores(matrix)
        tops = np.bincount(scores.argmax(axis=1), minlength=len(head.labels))
        for label, count in zip(head.labels, tops, strict=True):
            predicted[label] += int(count)
        done += _write(store, manifest.seq_epoch, rows.take(pa.array(found)), head, scores, agent)
    return Suggestions(
        records=done,
        labels=list(head.labels),
        trained_on=trained,
        per_label=per_label,
        predicted={k: v for k, v in predicted.items() if v},
        without_vector=without,
        agent=agent,
        multi_label=head.multi_label,
        temperature=head.temperature,
    )


def _trained(view, vector_name: str) -> tuple[CentroidHead, int, dict[str, int]]:
    name = view.manifest.name
    seqs, _, _ = view.search("status:Validated")
    rows = view.live.rows(np.asarray(seqs, dtype=np.int64))
    multi = bool(len(rows)) and any(rows.column("multi_label").to_pylist())
    annotations = rows.column("annotation").to_pylist()
    keep = [i for i, a in enumerate(annotations) if a or (multi and a is not None)]
    if not keep:
        raise InputError(
            f"dataset {name!r} has no annotated records (status Validated) to learn from: "
            "annotate a few records per label first (about 5 each is enough to start)"
        )
    rows = rows.take(pa.array(keep, pa.int64()))
    annotations = [annotations[i] for i in keep]
    found, matrix = vector_of(rows.column("vectors"), vector_name)
    if len(found) < len(rows):
        missing = len(rows) - len(found)
        raise InputError(
            f"{missing} of the {len(rows)} annotated records of {name!r} have no vector "
            f"{vector_name!r}: run rb.add_vectors({name!r}, vector_name={vector_name!r}) first"
        )
    per_label: dict[str, int] = {}
    for given in annotations:
        for label in given:
            per_label[label] = per_label.get(label, 0) + 1
    if len(per_label) < 2:
        only = next(iter(per_label), None)
        raise InputError(
            f"the annotated records of {name!r} have only one label ({only!r}); a classifier "
            "needs examples of at least two labels: annotate some records with another label"
        )
    if multi:
        everywhere = [label for label, n in per_label.items() if n == len(annotations)]
        if everywhere:
            raise InputError(
                f"label {everywhere[0]!r} is on every annotated record of {name!r}, so nothing "
                "shows what a record without it looks like: annotate some records without it"
            )
    head = CentroidHead().fit(matrix, annotations, multi)
    return head, len(annotations), dict(sorted(per_label.items()))


def _write(store, seq_epoch: int, rows: pa.Table, head: CentroidHead, scores, agent: str) -> int:
    """Set ``prediction`` and ``prediction_agent`` of ``rows`` (as read) on the records as
    they are now, under the write lock; returns how many were written."""
    order = np.argsort(-scores, axis=1, kind="stable")  # best first, as rb.log stores them
    labels = np.asarray(head.labels, dtype=object)
    prediction = pa.array(
        [
            [{"label": labels[j], "score": float(row[j])} for j in ranks]
            for row, ranks in zip(scores, order, strict=True)
        ],
        pa.list_(LABEL_SCORE),
    )
    seqs = rows.column("_seq").to_numpy()
    ids = rows.column("id").combine_chunks()
    with locks.exclusive(store.folder):
        view = store.view()
        current = view.live.rows(seqs) if view.manifest.seq_epoch == seq_epoch else None
        if current is None or not current.column("id").combine_chunks().equals(ids):
            raise InputError(
                "records of this dataset were deleted while suggestions were computed; "
                "run rb.suggest again"
            )
        for column, values in (
            ("prediction", prediction),
            ("prediction_agent", pa.repeat(pa.scalar(agent, pa.string()), len(seqs))),
        ):
            where = current.schema.get_field_index(column)
            current = current.set_column(where, current.schema.field(where), values)
        store.write(current.drop_columns(["_seq", "last_updated"]), seqs=seqs)
    return len(seqs)
