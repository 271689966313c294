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

from ..._arrow import no_gc
from ...store import locks
from ...store import workspace as ws
from ...tasks import TEXT_CLASSIFICATION


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

    def order(self) -> np.ndarray:
        """Per row, the label columns from the highest probability down, as Rubrix orders a
        prediction (``np.argsort(p)[::-1]``: equal probabilities in reverse label order)."""
        return np.argsort(self.probabilities, axis=1, kind="stable")[:, ::-1]

    def prediction_lists(self) -> list[list[tuple[str, float]] | None]:
        """Rubrix predictions: every label with its probability, highest first (None when
        the model abstained)."""
        order = self.order()
        names = np.asarray(self.labels, dtype=object)[order].tolist()
        scores = np.take_along_axis(self.probabilities, order, axis=1).tolist()
        with no_gc():  # a million small tuples would wake the cyclic collector again and again
            return [
                None if abstained else list(zip(n, s, strict=True))
                for n, s, abstained in zip(names, scores, self.abstained.tolist(), strict=True)
            ]

    def annotations(self) -> list[str | list[str] | None]:
        """The predicted label (single-label: the prediction's first) or labels (multi-label:
        those with probability above 0.5), None when abstained."""
        labels = np.asarray(self.labels, dtype=object)
        if self.multi_label:
            chosen = [labels[row > 0.5].tolist() for row in self.probabilities]
        elif len(self.labels):
            chosen = labels[self.winners().clip(0)].tolist()
        else:
            chosen = [None] * len(self.rows)
        return [None if a else c for c, a in zip(chosen, self.abstained.tolist(), strict=True)]

    def winners(self) -> np.ndarray:
        """Column of the predicted label per row (single-label), -1 when abstained."""
        if self.probabilities.shape[1] == 0:
            return np.full(len(self.rows), -1, dtype=np.int64)
        return np.where(self.abstained, -1, self.order()[:, 0])


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
