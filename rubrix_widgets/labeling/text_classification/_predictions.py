"""Label model outputs, column-wise: votes -> probabilities -> records, frames, or the store.

A :class:`Predictions` holds, for some rows of a ``WeakLabels``, one probability per label
and whether the model abstained. It turns into Rubrix predictions or annotations per
record only at the end, and :func:`write_back` logs them with ``rb.log`` from an
``rb.load``-shaped frame (the fast, atomic path).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from ...record_table import no_gc
from ...store import locks
from ...store import workspace as ws
from ...tasks import TEXT_CLASSIFICATION

# When a tie is broken, the winner's probability grows by this much (as in Rubrix), so
# the prediction's first label is the one chosen.
TIE_NUDGE = 0.0001
_CLOSE = 1.0e-8  # numpy's isclose absolute tolerance


class TieBreakPolicy(Enum):
    """What a label model does when labels tie for the highest probability."""

    ABSTAIN = "abstain"
    RANDOM = "random"
    TRUE_RANDOM = "true-random"

    @classmethod
    def _missing_(cls, value: object):
        allowed = ", ".join(repr(p.value) for p in cls)
        raise ValueError(f"tie_break_policy {value!r} is not one of {allowed}")


@dataclass(frozen=True)
class Predictions:
    """A label model's output for some records of a weak labels object."""

    rows: np.ndarray  # positions in ``weak_labels.records()``
    labels: list[str]  # the labels, in the order of the probability columns
    probabilities: np.ndarray  # rows x labels
    abstained: np.ndarray  # bool per row
    multi_label: bool = False

    def without_abstentions(self) -> Predictions:
        keep = ~self.abstained
        return replace(
            self,
            rows=self.rows[keep],
            probabilities=self.probabilities[keep],
            abstained=self.abstained[keep],
        )

    def prediction_lists(self) -> list[list[tuple[str, float]] | None]:
        """Rubrix predictions: every label with its probability, highest first (None when
        the model abstained)."""
        order = np.argsort(-self.probabilities, axis=1, kind="stable")
        names = np.asarray(self.labels, dtype=object)[order].tolist()
        scores = np.take_along_axis(self.probabilities, order, axis=1).tolist()
        with no_gc():  # a million small tuples would wake the cyclic collector again and again
            return [
                None if abstained else list(zip(n, s, strict=True))
                for n, s, abstained in zip(names, scores, self.abstained.tolist(), strict=True)
            ]

    def annotations(self) -> list[str | list[str] | None]:
        """The predicted label (single-label) or labels (multi-label), None when abstained."""
        labels = np.asarray(self.labels, dtype=object)
        if self.multi_label:
            chosen = [labels[row > 0.5].tolist() for row in self.probabilities]
        else:
            chosen = labels[self.probabilities.argmax(1)].tolist() if len(self.rows) else []
        return [None if a else c for c, a in zip(chosen, self.abstained.tolist(), strict=True)]

    def winners(self) -> np.ndarray:
        """Index of the predicted label per row (single-label), -1 when abstained."""
        return np.where(self.abstained, -1, self.probabilities.argmax(1))


def majority_vote(
    matrix: np.ndarray,
    rows: np.ndarray,
    labels: list[str],
    label2int: dict,
    policy: TieBreakPolicy,
) -> Predictions:
    """Single-label majority vote over the rules of ``matrix`` (rows x rules of label ints).

    Probabilities are each label's share of the votes; a record no rule voted for is a tie
    among all labels (as in Snorkel and Rubrix).
    """
    if policy is TieBreakPolicy.TRUE_RANDOM:
        raise ValueError(
            "the MajorityVoter breaks ties with 'abstain' or 'random' (deterministic), "
            "not 'true-random'"
        )
    counts = vote_counts(matrix, np.array([label2int[label] for label in labels]))
    votes = counts.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        probabilities = counts / votes[:, None]
    probabilities[votes == 0] = 1.0 / max(len(labels), 1)
    is_max = np.abs(probabilities.max(1, keepdims=True) - probabilities) < _CLOSE
    tie = (is_max.sum(1) > 1) | (votes == 0)
    if policy is TieBreakPolicy.ABSTAIN:
        return Predictions(rows, labels, probabilities, tie)
    tied = np.flatnonzero(tie)
    # deterministic: a record (by its position in the weak labels) always gets the same label
    pick = _mix(rows[tied]) % is_max[tied].sum(1).astype(np.uint64)
    winners = (np.cumsum(is_max[tied], 1) == (pick.astype(np.int64) + 1)[:, None]).argmax(1)
    nudge(probabilities, tied, is_max[tied], winners)
    return Predictions(rows, labels, probabilities, np.zeros(len(rows), dtype=bool))


def vote_counts(matrix: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Records x labels: how many rules voted for each label (``codes``: the label ints).

    One pass over the votes (``bincount``), never a records x rules x labels array.
    """
    n, width = len(matrix), len(codes)
    order = np.argsort(codes)
    voted = np.isin(matrix, codes)  # not the abstain value
    rows, columns = np.nonzero(voted)
    label = order[np.searchsorted(codes[order], matrix[rows, columns])]
    return np.bincount(rows * width + label, minlength=n * width).reshape(n, width)


def nudge(probabilities: np.ndarray, rows: np.ndarray, tied: np.ndarray, winners: np.ndarray):
    """Make ``winners`` (one label per row of ``rows``) the top label among the ``tied``
    labels of those rows, keeping each row's sum."""
    size = tied.sum(1)
    several = size > 1
    rows, tied, winners, size = rows[several], tied[several], winners[several], size[several]
    share = TIE_NUDGE / (size - 1)
    probabilities[rows] -= tied * share[:, None]
    probabilities[rows, winners] += TIE_NUDGE + share


def _mix(values: np.ndarray) -> np.ndarray:
    """A fixed integer hash (splitmix64's finaliser), column-wise."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def multi_label_vote(matrix: np.ndarray, rows: np.ndarray, labels: list[str]) -> Predictions:
    """Multi-label majority vote: every label with at least one vote, probability 1; the
    model abstains where every rule did."""
    voted = (matrix == 1).any(1)
    abstained = (matrix == -1).all((1, 2)) if matrix.shape[2] else np.ones(len(rows), bool)
    return Predictions(rows, labels, voted.astype(np.float64), abstained, multi_label=True)


def objects(values: list[Any]) -> np.ndarray:
    """A 1-D object array of ``values`` (lists stay lists, not a second axis)."""
    return np.fromiter(values, dtype=object, count=len(values))


def write_back(
    weak_labels: Any, predictions: Predictions, as_: str, name: str | None, agent: str, status: str
):
    """Log ``predictions`` as the records' predictions or annotations with ``rb.log``.

    Records the model abstained on are left as they are. Into the weak labels' own dataset,
    the records are re-read under the dataset's lock, so a change made since the weak
    labels were computed (an annotation in the widget) is kept, not overwritten.
    """
    from ... import client
    from ...record_table import frame_from_table
    from ...records import BulkResponse

    if as_ not in ("prediction", "annotation"):
        raise ValueError(f"as_ must be 'prediction' or 'annotation', not {as_!r}")
    if not isinstance(agent, str) or not agent.strip():
        raise ValueError(f"the agent must be a non-empty str, not {agent!r}")
    target = ws.check_name(weak_labels.dataset if name is None else name)
    predictions = predictions.without_abstentions()
    if len(predictions.rows) == 0:
        return BulkResponse(dataset=target, processed=0, failed=0)
    values = predictions.prediction_lists() if as_ == "prediction" else predictions.annotations()
    seqs = weak_labels._seqs[predictions.rows]

    def frame_with_labels(frame: pd.DataFrame) -> pd.DataFrame:
        if as_ == "prediction":
            frame["prediction"] = objects(values)
            frame["prediction_agent"] = agent
        else:
            frame["annotation"] = objects(values)
            frame["annotation_agent"] = agent
            frame["status"] = status
        return frame

    if target != weak_labels.dataset:
        frame = weak_labels._frame(predictions.rows)
        return client.log(frame_with_labels(frame), target, verbose=False)
    store = ws.existing(target)
    with locks.exclusive(store.folder):
        manifest, live = store.records()
        if manifest.uid != weak_labels._view.manifest.uid:
            raise ValueError(
                f"dataset {target!r} was deleted and created again since these weak labels "
                "were computed; compute them again before writing them back"
            )
        frame = frame_from_table(live.rows(seqs), TEXT_CLASSIFICATION, target)
        return client.log(frame_with_labels(frame), target, verbose=False)
