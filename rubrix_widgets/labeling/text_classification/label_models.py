"""Label models: turn the weak labels of many rules into one prediction per record.

>>> from rubrix_widgets.labeling.text_classification import MajorityVoter, WeakLabels
>>> mv = MajorityVoter(WeakLabels("health"))
>>> records = mv.predict()             # a rb.DatasetForTextClassification, as in Rubrix
>>> mv.score()["accuracy"]             # against the annotated records
>>> mv.log_as("prediction")            # write the votes back to the dataset, in one call

:meth:`LabelModel.log_as` is this package's addition: it stores the model's labels as the
records' predictions or annotations with ``rb.log`` (atomic), column-wise, without building
record objects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import WeakLabelsBase
from ._majority import majority_vote, majority_winners, multi_label_vote, nudge
from ._predictions import Predictions, TieBreakPolicy, objects, write_back
from .errors import LabelModelError, MissingAnnotationError, MultiLabelError
from .weak_labels import WeakLabels
from .weak_multi_labels import WeakMultiLabels

__all__ = [
    "LabelModel",
    "LabelModelError",
    "MajorityVoter",
    "MissingAnnotationError",
    "Snorkel",
    "TieBreakPolicy",
]


class LabelModel:
    """Base class of the label models: a ``WeakLabels`` in, predictions out.

    Subclasses compute :class:`Predictions` (probabilities per label, abstentions);
    ``predict`` and ``log_as`` turn them into records or stored labels.
    """

    def __init__(self, weak_labels: WeakLabels | WeakMultiLabels):
        if not isinstance(weak_labels, WeakLabelsBase):
            raise TypeError(
                f"a label model needs a WeakLabels or WeakMultiLabels object, not "
                f"{type(weak_labels).__name__}"
            )
        self._weak_labels = weak_labels

    @property
    def weak_labels(self) -> WeakLabels | WeakMultiLabels:
        """The weak labels the model works on."""
        return self._weak_labels

    def fit(self, include_annotated_records: bool = False, *args: Any, **kwargs: Any) -> None:
        """Fit the label model (each model says how)."""
        raise NotImplementedError

    def score(self, *args: Any, **kwargs: Any) -> dict | str:
        """Evaluate the label model against the annotated records (each model says how)."""
        raise NotImplementedError

    def predict(self, *args: Any, **kwargs: Any):
        """The records with the model's predictions (each model says how, as in Rubrix)."""
        raise NotImplementedError

    def _predictions(
        self, include_annotated_records: bool, tie_break_policy: TieBreakPolicy
    ) -> Predictions:
        raise NotImplementedError

    def _rows(self, include_annotated_records: bool) -> np.ndarray:
        """The matrix rows to predict: every record, or those without an annotation (the
        order of ``weak_labels.records(has_annotation=None or False)``)."""
        has = self._weak_labels._has_annotation()
        return np.arange(len(has)) if include_annotated_records else np.flatnonzero(~has)

    def _dataset(self, predictions: Predictions, include_abstentions: bool, agent: str):
        from ...dataset_classes import DatasetForTextClassification

        if not include_abstentions:
            predictions = predictions.without_abstentions()
        frame = self._weak_labels._frame(predictions.rows)
        frame["prediction"] = objects(predictions.prediction_lists())
        # records hold no agent without a prediction (rubrix_widgets' records drop it)
        frame["prediction_agent"] = [None if a else agent for a in predictions.abstained.tolist()]
        return DatasetForTextClassification.from_pandas(frame)

    def log_as(
        self,
        as_: str = "prediction",
        name: str | None = None,
        *,
        include_annotated_records: bool = False,
        agent: str | None = None,
        tie_break_policy: TieBreakPolicy | str = "abstain",
        status: str = "Validated",
    ):
        """Store the model's labels in a dataset with ``rb.log``, in one atomic call.

        Parameters
        ----------
        as_ : {"prediction", "annotation"}
            ``"prediction"``: every label with its probability, as :meth:`predict` gives
            them, and ``prediction_agent=agent``. ``"annotation"``: the predicted label
            (labels for multi-label), ``annotation_agent=agent`` and ``status``.
        name : str, optional
            The dataset to write to: the weak labels' dataset by default (records are
            updated in place, keeping their other fields); another name copies the
            records there with the new labels.
        include_annotated_records : bool
            Also label records that already have an annotation (by default they are left
            alone, so human annotations are never replaced).
        agent : str, optional
            The agent name; the model's class name by default.
        tie_break_policy : str
            As in :meth:`predict`.
        status : str
            Status of records given an annotation.

        Records the model abstains on are left unchanged.

        Returns
        -------
        rb.BulkResponse
            ``processed`` is the number of records written.

        Examples
        --------
        >>> MajorityVoter(WeakLabels("health")).log_as("prediction")
        BulkResponse(dataset='health', processed=18211, failed=0)
        >>> rb.load("health", query="predicted_by:MajorityVoter")
        """
        predictions = self._predictions(include_annotated_records, TieBreakPolicy(tie_break_policy))
        agent = type(self).__name__ if agent is None else agent
        return write_back(self._weak_labels, predictions, as_, name, agent, status)


class MajorityVoter(LabelModel):
    """The label with the most rule votes (single-label); every label with at least one
    vote (multi-label).

    Examples
    --------
    >>> mv = MajorityVoter(WeakLabels("health"))
    >>> ds = mv.predict(tie_break_policy="random")
    >>> ds[0].prediction[:2]
    [('bbchealth', 0.6667), ('cnnhealth', 0.3333)]
    """

    def fit(self, *args: Any, **kwargs: Any) -> None:
        """The majority vote has nothing to fit; raises NotImplementedError, as in Rubrix."""
        raise NotImplementedError("No need to call fit on the 'MajorityVoter'!")

    def _predictions(
        self, include_annotated_records: bool, tie_break_policy: TieBreakPolicy
    ) -> Predictions:
        wl = self._weak_labels
        rows = self._rows(include_annotated_records)
        if isinstance(wl, WeakMultiLabels):
            return multi_label_vote(wl.matrix()[rows], rows, wl.labels)
        return majority_vote(wl.matrix()[rows], rows, wl.labels, wl.label2int, tie_break_policy)

    def predict(
        self,
        include_annotated_records: bool = False,
        include_abstentions: bool = False,
        prediction_agent: str = "MajorityVoter",
        tie_break_policy: TieBreakPolicy | str = "abstain",
    ):
        """The records with the majority vote as their prediction.

        Parameters
        ----------
        include_annotated_records : bool
            Also the records that have an annotation.
        include_abstentions : bool
            Also the records the model abstains on (prediction None).
        prediction_agent : str
            The ``prediction_agent`` of the returned records.
        tie_break_policy : {"abstain", "random"}
            On a tie (records no rule voted for tie among all labels): abstain, or pick one
            of the tied labels deterministically, exactly as Rubrix does (a SHA-1 hash of
            the record's position among the predicted records, so the same records get the
            same labels as with Rubrix; the positions are hashed once per process, about
            0.6 s per million records). ``"true-random"`` raises NotImplementedError when
            there is a tie, as in Rubrix. Ignored for multi-label weak labels.

        Returns
        -------
        rb.DatasetForTextClassification
            Empty when there is no record to predict.

        >>> MajorityVoter(wl).predict()[0].prediction_agent
        'MajorityVoter'
        """
        predictions = self._predictions(include_annotated_records, TieBreakPolicy(tie_break_policy))
        return self._dataset(predictions, include_abstentions, prediction_agent)

    def score(
        self, tie_break_policy: TieBreakPolicy | str = "abstain", output_str: bool = False
    ) -> dict | str:
        """Precision, recall, F1 per label and accuracy against the annotated records
        (scikit-learn's ``classification_report``), over the records the model does not
        abstain on.

        As in Rubrix, ``"random"`` picks among the tied labels of the i-th annotated record
        with a SHA-1 hash of i, and the report has a row for each label found among the
        annotations and predictions scored.

        >>> MajorityVoter(wl).score()["accuracy"]
        0.83
        """
        wl = self._weak_labels
        rows = np.flatnonzero(wl._has_annotation())
        if len(rows) == 0:
            raise MissingAnnotationError(
                "scores need annotated records, and these weak labels have none"
            )
        policy = TieBreakPolicy(tie_break_policy)
        if isinstance(wl, WeakMultiLabels):
            predictions = multi_label_vote(wl.matrix()[rows], rows, wl.labels)
            keep = ~predictions.abstained
            truth = wl.annotation(include_missing=True)[rows][keep]
            guess = (predictions.probabilities[keep] > 0.5).astype(np.int8)
        else:
            winners, keep = majority_winners(wl.matrix()[rows], wl.labels, wl.label2int, policy)
            truth = _label_indices(wl, wl.annotation(include_missing=True)[rows][keep])
            guess = winners[keep]
        return _report(truth, guess, wl.labels, output_str)


class Snorkel(LabelModel):
    """Snorkel's generative label model (``snorkel.labeling.model.LabelModel``).

    Needs the ``snorkel`` package (``pip install snorkel``, which brings PyTorch); it is
    single-label only.

    Parameters
    ----------
    weak_labels : WeakLabels
    verbose : bool
        Whether Snorkel prints its progress.
    device : str
        Where Snorkel places the model (``"cpu"``, ``"cuda:0"``...).

    Examples
    --------
    >>> snorkel_model = Snorkel(WeakLabels("health"))
    >>> snorkel_model.fit(n_epochs=200)
    >>> records = snorkel_model.predict()
    """

    def __init__(self, weak_labels: WeakLabels, verbose: bool = True, device: str = "cpu"):
        try:
            from snorkel.labeling.model import LabelModel as SnorkelLabelModel
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                "'snorkel' must be installed to use the Snorkel label model; install it with "
                "`pip install snorkel` (it brings PyTorch)"
            ) from exc
        if isinstance(weak_labels, WeakMultiLabels):
            raise MultiLabelError(
                "Snorkel's label model is single-label; use MajorityVoter for WeakMultiLabels"
            )
        super().__init__(weak_labels)
        # Snorkel wants 0..cardinality-1 for the labels (in wl.labels order) and -1 to abstain
        keys = np.array(sorted(weak_labels.int2label), dtype=np.int64)
        labels = weak_labels.labels
        targets = []
        for key in keys.tolist():
            label = weak_labels.int2label[key]
            targets.append(-1 if label is None else labels.index(label))
        self._keys, self._targets = keys, np.array(targets, dtype=np.int64)
        self._model = SnorkelLabelModel(
            cardinality=weak_labels.cardinality, verbose=verbose, device=device
        )

    def _snorkel_ints(self, values: np.ndarray) -> np.ndarray:
        return self._targets[np.searchsorted(self._keys, values)]

    def fit(self, include_annotated_records: bool = False, **kwargs: Any) -> None:
        """Fit Snorkel's model on the weak labels (by default of the records without an
        annotation); ``kwargs`` go to Snorkel's ``fit`` (``n_epochs``, ``lr``...).

        >>> Snorkel(wl).fit(n_epochs=100, seed=0)
        """
        if "L_train" in kwargs:
            raise ValueError(
                "the weak label matrix is provided automatically as L_train; drop L_train"
            )
        rows = self._rows(include_annotated_records)
        if len(rows) == 0:
            raise ValueError(
                "every record is annotated, so there is nothing to fit on; pass "
                "include_annotated_records=True to fit on them"
            )
        self._model.fit(L_train=self._snorkel_ints(self._weak_labels.matrix()[rows]), **kwargs)

    def _snorkel_predictions(self, rows: np.ndarray, policy: TieBreakPolicy) -> Predictions:
        labels = self._weak_labels.labels
        if len(rows) == 0:
            return Predictions(rows, labels, np.zeros((0, len(labels))), np.zeros(0, bool))
        matrix = self._snorkel_ints(self._weak_labels.matrix()[rows])
        winners, probabilities = self._model.predict(
            L=matrix, return_probs=True, tie_break_policy=policy.value
        )
        probabilities = np.array(probabilities, dtype=np.float64)
        winners = np.asarray(winners, dtype=np.int64)
        chosen = np.flatnonzero(winners >= 0)
        top = probabilities[chosen].max(1, keepdims=True)
        tied = np.abs(top - probabilities[chosen]) < 1.0e-8
        nudge(probabilities, chosen, tied, winners[chosen])
        return Predictions(rows, self._weak_labels.labels, probabilities, winners < 0)

    def _predictions(
        self, include_annotated_records: bool, tie_break_policy: TieBreakPolicy
    ) -> Predictions:
        rows = self._rows(include_annotated_records)
        return self._snorkel_predictions(rows, tie_break_policy)

    def predict(
        self,
        include_annotated_records: bool = False,
        include_abstentions: bool = False,
        prediction_agent: str = "Snorkel",
        tie_break_policy: TieBreakPolicy | str = "abstain",
    ):
        """The records with Snorkel's prediction (as :meth:`MajorityVoter.predict`; ties:
        ``"abstain"``, ``"random"`` or ``"true-random"``, Snorkel's policies).

        >>> Snorkel(wl).predict()
        """
        predictions = self._predictions(include_annotated_records, TieBreakPolicy(tie_break_policy))
        return self._dataset(predictions, include_abstentions, prediction_agent)

    def score(
        self, tie_break_policy: TieBreakPolicy | str = "abstain", output_str: bool = False
    ) -> dict | str:
        """As :meth:`MajorityVoter.score`, with Snorkel's predictions.

        >>> Snorkel(wl).score(output_str=True)
        """
        wl = self._weak_labels
        if not isinstance(wl, WeakLabels):  # refused in __init__ already
            raise MultiLabelError("Snorkel's label model is single-label")
        rows = np.flatnonzero(wl._has_annotation())
        if len(rows) == 0:
            raise MissingAnnotationError(
                "scores need annotated records, and these weak labels have none"
            )
        predictions = self._snorkel_predictions(rows, TieBreakPolicy(tie_break_policy))
        keep = ~predictions.abstained
        truth = _label_indices(wl, wl.annotation(include_missing=True)[rows][keep])
        return _report(truth, predictions.winners()[keep], wl.labels, output_str)


def _label_indices(wl: WeakLabels, annotation: np.ndarray) -> np.ndarray:
    """Annotation ints (``label2int``) -> positions in ``wl.labels``."""
    position = {wl.label2int[label]: k for k, label in enumerate(wl.labels)}
    return np.array([position[int(v)] for v in annotation], dtype=np.int64)


def _report(truth: np.ndarray, guess: np.ndarray, labels: list[str], output_str: bool):
    """scikit-learn's report; single-label: a row per label found in ``truth`` or ``guess``
    (Rubrix's rows), named by ``labels``."""
    try:
        from sklearn.metrics import classification_report
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "scores are computed with scikit-learn; install it with `pip install scikit-learn`"
        ) from exc
    if len(truth) == 0:
        raise MissingAnnotationError(
            "the label model abstains on every annotated record; there is nothing to score"
        )
    found = None if truth.ndim == 2 else np.union1d(truth, guess)
    return classification_report(
        truth,
        guess,
        labels=found,
        target_names=labels if found is None else [labels[k] for k in found],
        output_dict=not output_str,
        zero_division=0,
    )
