"""``w.df``: the records matching a page's search, as ``rb.load`` would return them.

Built the first time someone reads or observes it (a million-row frame is
seconds of work a page that nobody reads from Python should not pay), then
kept current: after an action only the changed rows are recomputed, so an
active-learning loop observing ``df`` sees each click at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..record_table import RecordsFrame, frame_from_table
from ..search import keyword_queries as kq
from ..search.search_index import run_search
from ..store.dataset_store import DatasetView

# What annotate / validate / discard / undo / redo change in a record.
ACTION_COLUMNS = ("annotation", "annotation_agent", "status")


class FrameMirror:
    def __init__(self, name: str):
        self.name = name
        self.frame: pd.DataFrame | None = None
        self.seqs = np.zeros(0, dtype=np.int64)
        self.key: object = None
        self.version = -1  # the dataset version the frame reflects
        self.uid = ""  # and the dataset's uid (a dataset logged again restarts its versions)

    def build(self, view: DatasetView, query: kq.Query, everything: bool, key: object):
        """All matches, in first-logged order."""
        if everything:
            self.seqs = np.arange(view.live.size, dtype=np.int64)
            table = view.table()
        else:
            self.seqs, _ = run_search(view.searcher, query, None, count=False)
            self.seqs.sort()
            table = view.live.rows(self.seqs)
        self.frame = frame_from_table(table, view.task, self.name)
        self.key = key
        self.version, self.uid = view.manifest.version, view.manifest.uid
        return self.frame

    def update(
        self,
        view: DatasetView,
        query: kq.Query,
        everything: bool,
        changed: np.ndarray,
        values: bool = True,
    ) -> pd.DataFrame:
        """A new frame with the ``changed`` records brought up to date.

        Rows still matching get their new values (``values``; only the columns
        an annotation action writes), rows that stopped matching leave, new
        matches join. Returns the current frame itself when nothing changed.
        """
        assert self.frame is not None
        self.version, self.uid = view.manifest.version, view.manifest.uid
        changed = np.unique(np.asarray(changed, dtype=np.int64))
        if everything:
            matching = changed
        else:
            both = kq.every(query, kq.seqs_query(view.schema, changed.tolist()))
            matching, _ = run_search(view.searcher, both, max(1, len(changed)), count=False)
        position = np.searchsorted(self.seqs, changed)
        present = (
            (position < len(self.seqs))
            & (self.seqs[np.minimum(position, len(self.seqs) - 1)] == changed)
            if len(self.seqs)
            else np.zeros(len(changed), dtype=bool)
        )
        keep = np.isin(changed, matching)
        stay = present & keep
        leave, join = present & ~keep, ~present & keep
        if not (values and stay.any()) and not leave.any() and not join.any():
            return self.frame
        frame = self.frame.copy(deep=False)
        if values and stay.any():
            fresh = frame_from_table(view.live.rows(changed[stay]), view.task)
            rows = position[stay]
            for column in ACTION_COLUMNS:
                if column in frame.columns:
                    frame.iloc[rows, frame.columns.get_loc(column)] = fresh[column].to_numpy()
        if leave.any() or join.any():
            seqs = self.seqs
            if leave.any():
                drop = position[leave]
                frame = frame.drop(frame.index[drop])
                seqs = np.delete(seqs, drop)
            if join.any():
                added = frame_from_table(view.live.rows(changed[join]), view.task)
                frame = pd.concat([frame, added], ignore_index=True)
                seqs = np.concatenate([seqs, changed[join]])
                order = np.argsort(seqs, kind="stable")
                frame, seqs = frame.iloc[order], seqs[order]
            frame = frame.reset_index(drop=True)
            self.seqs = seqs
        self.frame = RecordsFrame(frame) if not isinstance(frame, RecordsFrame) else frame
        self.frame.attrs.update(task=view.task, dataset=self.name)
        return self.frame
