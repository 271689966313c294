"""Undo and redo of annotation actions, kept in the kernel.

A step remembers the stored rows before and after an action, at the record positions
of one epoch (see seq_epoch.py); undo writes the "before" rows back, redo the "after"
rows. A new action clears redo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

MAX_STEPS = 100


@dataclass
class Step:
    kind: str
    seqs: np.ndarray
    before: pa.Table
    after: pa.Table
    epoch: str  # the epoch of ``seqs``: after a deletion, the records are found by id


class History:
    def __init__(self, limit: int = MAX_STEPS):
        self.limit = limit
        self._done: list[Step] = []
        self._undone: list[Step] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def state(self) -> dict[str, bool]:
        """What the page's Undo / Redo buttons show."""
        return {"can_undo": self.can_undo, "can_redo": self.can_redo}

    def push(self, step: Step) -> None:
        self._done.append(step)
        del self._done[: -self.limit]
        self._undone.clear()

    def undo(self) -> Step | None:
        if not self._done:
            return None
        step = self._done.pop()
        self._undone.append(step)
        return step

    def forget(self, step: Step) -> None:
        """Drop ``step`` (its records are gone) from both stacks."""
        self._done = [s for s in self._done if s is not step]
        self._undone = [s for s in self._undone if s is not step]

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()

    def redo(self) -> Step | None:
        if not self._undone:
            return None
        step = self._undone.pop()
        self._done.append(step)
        return step
