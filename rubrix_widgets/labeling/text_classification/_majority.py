"""The majority vote and Rubrix's tie breaks, column-wise (no loop over records).

Rubrix's label models compute, per record, the labels' probabilities; when several share
the highest one, ``"abstain"`` gives no prediction and ``"random"`` picks one with a SHA-1
hash of the record's position (deterministic). The functions here reproduce Rubrix's
numbers and picks exactly, on whole arrays.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np

from ._predictions import Predictions, TieBreakPolicy

# When a tie is broken, the winner's probability grows by this much (as in Rubrix), so
# the prediction's first label is the one chosen.
TIE_NUDGE = 0.0001
_CLOSE = 1.0e-8  # numpy's isclose absolute tolerance


def vote_shares(matrix: np.ndarray, labels: list[str], label2int: dict) -> np.ndarray:
    """Rows x labels: each label's share of the row's votes (Rubrix's majority vote
    probabilities); a row no rule voted on is a tie among all labels, as in Snorkel."""
    counts = vote_counts(matrix, np.array([label2int[label] for label in labels]))
    votes = counts.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        probabilities = counts / votes[:, None]
    probabilities[votes == 0] = 1.0 / max(len(labels), 1)
    return probabilities


def top_labels(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows x labels (at least one label): which labels share the highest probability; and
    per row, whether several do (a tie). Equal within numpy's ``isclose`` absolute
    tolerance, as in Rubrix."""
    is_max = np.abs(probabilities.max(1, keepdims=True) - probabilities) < _CLOSE
    return is_max, is_max.sum(1) > 1


def refuse_true_random(tie: np.ndarray) -> None:
    """The majority vote has no 'true-random' policy; Rubrix raises when a tie needs one."""
    if tie.any():
        raise NotImplementedError(
            "The tie break policy 'true-random' is not implemented for MajorityVoter; "
            "use 'abstain' or 'random' (deterministic)"
        )


def majority_vote(
    matrix: np.ndarray,
    rows: np.ndarray,
    labels: list[str],
    label2int: dict,
    policy: TieBreakPolicy,
) -> Predictions:
    """Single-label majority vote over the rules of ``matrix`` (rows x rules of label ints),
    as Rubrix's ``MajorityVoter.predict``.

    Ties are broken with ``"random"`` exactly as Rubrix does: row i (its position among
    ``rows``) picks ``sha1(str(i)) % k`` among its k tied labels, and the tied label whose
    *column* equals that pick gains 0.0001 while the others lose 0.0001 / (k - 1). When no
    tied label sits in that column (Rubrix compares the pick with label columns, not with
    positions among the tied ones), every tied label loses and the prediction's order
    decides: the last tied label comes first.
    """
    probabilities = vote_shares(matrix, labels, label2int)
    if not labels:  # no annotation and no vote anywhere: nothing to predict
        return Predictions(rows, labels, probabilities, np.ones(len(rows), dtype=bool))
    is_max, tie = top_labels(probabilities)
    if policy is TieBreakPolicy.TRUE_RANDOM:
        refuse_true_random(tie)
    if policy is TieBreakPolicy.ABSTAIN:
        return Predictions(rows, labels, probabilities, tie)
    tied = np.flatnonzero(tie)
    size = is_max[tied].sum(1)
    pick = rubrix_pick(tied, size)
    hit = is_max[tied] & (np.arange(len(labels)) == pick[:, None])
    share = TIE_NUDGE / (size - 1)
    probabilities[tied] -= (is_max[tied] & ~hit) * share[:, None]
    probabilities[tied] += hit * TIE_NUDGE
    return Predictions(rows, labels, probabilities, np.zeros(len(rows), dtype=bool))


def majority_winners(
    matrix: np.ndarray, labels: list[str], label2int: dict, policy: TieBreakPolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Single-label majority vote as Rubrix's ``MajorityVoter.score`` computes it: the label
    column per row, and which rows count (ties are dropped with ``"abstain"``; with
    ``"random"`` row i takes the ``sha1(str(i)) % k``-th of its k tied labels)."""
    probabilities = vote_shares(matrix, labels, label2int)
    if not labels:
        return np.zeros(len(matrix), dtype=np.int64), np.zeros(len(matrix), dtype=bool)
    is_max, tie = top_labels(probabilities)
    winners = is_max.argmax(1)
    if policy is TieBreakPolicy.TRUE_RANDOM:
        refuse_true_random(tie)
    if policy is TieBreakPolicy.ABSTAIN:
        return winners, ~tie
    tied = np.flatnonzero(tie)
    pick = rubrix_pick(tied, is_max[tied].sum(1))
    winners[tied] = (np.cumsum(is_max[tied], 1) == (pick + 1)[:, None]).argmax(1)
    return winners, np.ones(len(matrix), dtype=bool)


_DIGESTS = np.zeros((0, 20), dtype=np.uint8)
_DIGESTS_LOCK = threading.Lock()


def _sha1_digests(upto: int) -> np.ndarray:
    """Rows x 20 bytes: ``sha1(str(i))`` for i in 0..upto-1, kept for the process (the
    strings are the same for every dataset, so they are hashed once: ~0.6 s per million)."""
    global _DIGESTS
    with _DIGESTS_LOCK:
        have = len(_DIGESTS)
        if upto > have:
            more = b"".join(hashlib.sha1(str(i).encode()).digest() for i in range(have, upto))
            grown = np.frombuffer(more, dtype=np.uint8).reshape(-1, 20)
            _DIGESTS = np.concatenate([_DIGESTS, grown])
        return _DIGESTS


def rubrix_pick(positions: np.ndarray, size: np.ndarray) -> np.ndarray:
    """``int(sha1(str(i)).hexdigest(), 16) % k`` for each position i and its k, column-wise:
    Rubrix's deterministic "random" tie break."""
    if len(positions) == 0:
        return np.zeros(0, dtype=np.int64)
    # the 160-bit number as five big-endian 32-bit words, most significant first; with
    # k < 2**15 (label ints are int16) the remainder times 2**32 stays within int64
    words = _sha1_digests(int(positions.max()) + 1)[positions].view(">u4").astype(np.int64)
    size = size.astype(np.int64)
    remainder = np.zeros(len(positions), dtype=np.int64)
    for k in range(words.shape[1]):
        remainder = (remainder * 2**32 + words[:, k]) % size
    return remainder


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


def multi_label_vote(matrix: np.ndarray, rows: np.ndarray, labels: list[str]) -> Predictions:
    """Multi-label majority vote: every label with at least one vote, probability 1; the
    model abstains where every rule did."""
    voted = (matrix == 1).any(1)
    abstained = (matrix == -1).all((1, 2)) if matrix.shape[2] else np.ones(len(rows), bool)
    return Predictions(rows, labels, voted.astype(np.float64), abstained, multi_label=True)
