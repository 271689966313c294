"""``DatasetPage``: Rubrix's dataset page for text classification, inline in a notebook cell.

    >>> w = rb.show("news")
    >>> w.search("predicted:ko AND score:{0.9 TO *}")
    >>> w.annotate(ids=[17], annotation="Sports")
    >>> w.observe(lambda change: retrain(change["new"]), names="df")
    >>> w.metrics["f1"]["macro"]          # the sidebar's "Model vs annotations" numbers
    >>> w.add_rule("funny OR hilarious", "fresh")   # the Rules panel, from Python

The kernel owns the data: the browser gets one page of records at a time
(JSON, texts cut to a few thousand characters) and sends back intents
(``{"type": "action", ...}`` messages, answered with an ``ack`` once the
change is on disk). Every method here takes the same path as the click.

Intents name records by position, with the epoch of the page they were drawn on
(``_epoch``, see ``seq_epoch.py``): once records were deleted, an old position is
refused (and the page redrawn), never applied to another record. Writes made
elsewhere show on the next ``sync`` intent (``w.sync()`` in Python): the front end
sends one when the kernel tells it another writer in this kernel changed the
dataset (``store_follower.py``), and every few seconds while it is shown (writes
by other processes).
"""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import Any

import numpy as np
import traitlets
from anywidget import AnyWidget

from ..errors import NotFoundError, QuerySyntaxError, RubrixWidgetsError, StorageError
from ..search.query_parser import operator_hint
from ..timing import logger
from .dataset_session import ActionResult, DatasetSession
from .filters import check_filters
from .frame_mirror import FrameMirror
from .front_end import front_end
from .kernel_loop import running_loop, soon
from .rules_panel import RulesPanel
from .search_metrics import SearchMetrics
from .seq_epoch import StalePageError, epoch_of
from .sorting import INDEXED_ORDER, check_sort
from .store_follower import StoreFollower

MODES = ("explore", "annotate")
MAX_PAGE_SIZE = 200
SETTLE_DELAY = 0.15  # seconds of quiet after clicks before the index and facets catch up


class _FrameTrait(traitlets.Any):
    """A DataFrame trait that notifies on every assignment (compared by identity)."""

    def set(self, obj: traitlets.HasTraits, value: Any) -> None:
        old = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = value
        if old is not value:
            obj._notify_trait(self.name, old, value)


class DatasetPage(AnyWidget):
    """The dataset page: search, filters, pages of records, annotation, progress."""

    # --- what a person (or Python) changes -------------------------------------------
    query = traitlets.Unicode("").tag(sync=True)
    filters = traitlets.Dict().tag(sync=True)
    sort = traitlets.List().tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(20).tag(sync=True)
    mode = traitlets.Unicode("explore").tag(sync=True)

    # --- what the kernel computes -------------------------------------------------------
    total = traitlets.Int(0).tag(sync=True)
    dataset_name = traitlets.Unicode("").tag(sync=True)
    task = traitlets.Unicode("").tag(sync=True)
    df = _FrameTrait(None, allow_none=True)
    metrics = traitlets.Dict().tag(sync=True)  # F1 of the current search (SearchMetrics)
    rules = traitlets.List().tag(sync=True)  # saved rules with their metrics (RulesPanel)
    _rules_error = traitlets.Unicode("").tag(sync=True)
    _records = traitlets.List().tag(sync=True)
    _facets = traitlets.Dict().tag(sync=True)
    _labels = traitlets.List().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    _keywords = traitlets.List().tag(sync=True)
    _mentions = traitlets.Dict().tag(sync=True)
    _error = traitlets.Unicode("").tag(sync=True)
    _warnings = traitlets.List().tag(sync=True)
    _history = traitlets.Dict({"can_undo": False, "can_redo": False}).tag(sync=True)
    _sortable = traitlets.List().tag(sync=True)
    _schema_locked = traitlets.Bool(False).tag(sync=True)
    _saved = traitlets.Int(0).tag(sync=True)
    _epoch = traitlets.Unicode("").tag(sync=True)  # of the records' positions (seq_epoch.py)

    def __init__(self, name: str, page_size: int = 20, mode: str = "explore", **kwargs: Any):
        known = {"query", "filters", "sort", "page"}
        unknown = set(kwargs) - known
        if unknown:
            raise TypeError(
                f"DatasetPage got unexpected arguments {sorted(unknown)}; it takes name, "
                f"page_size, mode, {', '.join(sorted(known))}"
            )
        self._session = DatasetSession(name)
        self._search_metrics = SearchMetrics()
        self._rules = RulesPanel(name)
        self._mirror = FrameMirror(name)
        self._df_wanted = False
        self._refreshing = False
        self._esm = front_end("dataset_page.js")
        self._css = front_end("dataset_page.css")
        self._resetting_page = False
        self._unsettled = np.zeros(0, dtype=np.int64)
        self._first_done = False
        self._settle_handle: asyncio.TimerHandle | None = None
        self._shown: tuple[str, int] | None = None  # (uid, version) of the records shown
        self._uid: str | None = None
        super().__init__(page_size=page_size, mode=mode, dataset_name=name, **kwargs)
        self.task = self._session.task
        self.observe(self._on_view_change, names=["query", "filters", "sort"])
        self.observe(self._on_page_change, names=["page", "page_size"])
        self.on_msg(self._on_message)
        # The first page at once; facets and keywords right after the cell has shown it.
        self.refresh(quick=True)
        soon(self._complete_first_refresh)
        session = self._session
        self._follower = StoreFollower(
            session.store.folder, self._on_store_change, lambda: session.writing
        )

    def _complete_first_refresh(self) -> None:
        if not self._first_done:
            self._first_done = True
            self.refresh(keywords=True)

    # --- validation of what comes in (from Python or from the browser) ------------------
    @traitlets.validate("filters")
    def _valid_filters(self, proposal):
        try:
            return check_filters(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("sort")
    def _valid_sort(self, proposal):
        try:
            return check_sort(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("page_size")
    def _valid_page_size(self, proposal):
        value = proposal["value"]
        if not 1 <= value <= MAX_PAGE_SIZE:
            raise traitlets.TraitError(f"page_size {value} must be between 1 and {MAX_PAGE_SIZE}")
        return value

    @traitlets.validate("page")
    def _valid_page(self, proposal):
        if proposal["value"] < 0:
            raise traitlets.TraitError(f"page {proposal['value']} must be 0 or more")
        return proposal["value"]

    @traitlets.validate("mode")
    def _valid_mode(self, proposal):
        if proposal["value"] not in MODES:
            raise traitlets.TraitError(f"mode {proposal['value']!r} is not one of {MODES}")
        return proposal["value"]

    # --- df: built when first read or observed, then kept current -----------------------
    @traitlets.default("df")
    def _first_df(self):
        self._df_wanted = True
        return self._build_df()

    def observe(self, handler, names=traitlets.All, type="change"):
        wants_df = names == "df" or (isinstance(names, list | tuple) and "df" in names)
        if wants_df and not self._df_wanted:
            self._df_wanted = True
            self.df = self._build_df()
        return super().observe(handler, names=names, type=type)

    def _build_df(self):
        view = self._session.view()
        compiled, _ = self._session.compile(view, self.query, self.filters)
        return self._mirror.build(view, compiled, self._everything, self._view_key)

    @property
    def _everything(self) -> bool:
        return not self.query.strip() and not self.filters

    @property
    def _view_key(self) -> tuple:
        return (self.query, repr(sorted(self.filters.items())))

    # --- refreshing what the browser shows ------------------------------------------------
    def _on_view_change(self, change) -> None:
        if self.page != 0:  # a new search starts at its first page
            self._resetting_page = True
            try:
                self.page = 0
            finally:
                self._resetting_page = False
        self.refresh(keywords=True)

    def _on_page_change(self, change) -> None:
        if not self._resetting_page:
            self.refresh()

    def refresh(
        self,
        keywords: bool = False,
        changed: np.ndarray | None = None,
        quick: bool = False,
        settling: bool = False,
        base_version: int | None = None,
    ) -> None:
        """Recompute what the browser shows (and ``df`` if someone uses it).

        ``changed``: seqs of records just written at ``base_version`` (``df``
        updates only those, unless someone else wrote too: then it is rebuilt).
        ``quick`` (right after a click's write, before the index has caught
        up): page, progress and ``df`` values only; facets and labels wait for
        the ``settling`` pass that follows the acknowledgement, which also
        moves records in or out of ``df`` if they stopped or started matching.
        """
        start = time.perf_counter()
        view = self._session.view(index_may_lag=quick and changed is not None)
        uid = view.manifest.uid
        if uid != self._uid:  # a new dataset (deleted and logged again): the history is moot
            if self._uid is not None:
                self._session.history.clear()
            self._uid = uid
        self._shown = (uid, view.manifest.version)  # what sync() compares with
        try:
            compiled, warnings = self._session.compile(view, self.query, self.filters)
        except QuerySyntaxError as exc:
            with self.hold_sync():
                self._error = str(exc) + operator_hint(self.query)
                self._warnings = []
            return
        records, total, _ = self._session.page(
            view, compiled, self.sort, self.page, self.page_size, self._everything
        )
        last_page = max(0, (total - 1) // self.page_size)
        if self.page > last_page:
            self.page = last_page  # triggers a refresh of that page
            return
        with self.hold_sync():
            self._error = ""
            self._warnings = warnings
            self._records = records
            self._epoch = epoch_of(view.manifest)
            self.total = total
            self._progress = self._session.progress(view)
            self._history = self._session.history.state()
            self._labels = self._session.labels(view)
            self._schema_locked = bool((view.manifest.settings or {}).get("label_schema"))
            if not quick:
                self._facets = self._session.facets(view, compiled)
                self.metrics = self._search_metrics.numbers(view, compiled)
                self._show_rules(view)
                self._sortable = [
                    *INDEXED_ORDER,
                    *(f"metadata.{k}" for k in self._session.metadata_keys(view)),
                ]
            if keywords:
                self._keywords = self._session.keywords(view, compiled)
                self._mentions = self._session.mentions(view, compiled)
        if self._df_wanted:
            version, mirrored = view.manifest.version, self._mirror.version
            in_step = (self._mirror.key, self._mirror.uid) == (self._view_key, uid) and (
                mirrored == version
                if base_version is None
                else mirrored == base_version and version == base_version + 1
            )
            if changed is not None and in_step:
                if not (settling and self._everything):
                    frame = self._mirror.update(
                        view, compiled, self._everything, changed, values=not settling
                    )
                    if frame is not self.df:
                        self.df = frame
            elif changed is not None or not in_step:  # a page turn or a sort keeps df
                self.df = self._mirror.build(view, compiled, self._everything, self._view_key)
        logger.debug(
            "page refresh (quick=%s) took %.1f ms", quick, (time.perf_counter() - start) * 1e3
        )

    # --- following writes made elsewhere -------------------------------------------------
    def sync(self) -> bool:
        """Show the dataset as it is now if someone else wrote to it (another page, a cell,
        another process); returns whether it had changed. The front end asks for this by
        itself (the ``sync`` intent) while it shows the page."""
        try:
            manifest = self._session.store.manifest()
        except NotFoundError:
            changed = self._shown is not None
            self._show_gone()
            return changed
        if (manifest.uid, manifest.version) == self._shown:
            return False
        self.refresh(keywords=True)
        return True

    def _on_store_change(self) -> None:
        """Another writer in this kernel changed the dataset: tell the front end, which asks
        for a ``sync`` if it shows the page (a page nobody shows does no work)."""
        if self.comm is not None:
            self.send({"type": "changed"})

    def _show_gone(self) -> None:
        self._shown = None
        with self.hold_sync():
            self._error = (
                f"dataset {self.dataset_name!r} was deleted; this page shows it again if records "
                "are logged to it"
            )
            self._records = []
            self._epoch = ""
            self.total = 0

    def close(self) -> None:
        follower = getattr(self, "_follower", None)
        if follower is not None:
            follower.close()
        super().close()

    # --- actions: the same path for clicks and Python calls ----------------------------
    def _seqs(self, ids) -> tuple[np.ndarray, str]:
        """Positions of these ids now, and their epoch."""
        view = self._session.view()
        return self._session.seqs_for_ids(view, ids), epoch_of(view.manifest)

    def _all_seqs(self) -> tuple[np.ndarray, str]:
        """Positions of every record matching the search now, and their epoch."""
        view = self._session.view()
        compiled, _ = self._session.compile(view, self.query, self.filters)
        return self._session.matching_seqs(view, compiled), epoch_of(view.manifest)

    def _after(self, result: ActionResult, settle: bool = True) -> ActionResult:
        """Show a write (already on disk): page, progress and ``df`` at once, then
        (``settle``) bring the index up to date and recompute facets and labels.
        A click acknowledges between the two, so it is saved and shown sooner."""
        if result.changed:
            self._saved += 1
        if settle:  # a Python call returns with everything up to date
            if self._settle_handle is not None:
                self._settle_handle.cancel()
                self._settle_handle = None
            changed = np.concatenate([self._unsettled, result.seqs])
            self._unsettled = np.zeros(0, dtype=np.int64)
            self._session.store.sync_index()
            self.refresh(changed=changed, base_version=result.base_version)
        else:
            self.refresh(changed=result.seqs, quick=True, base_version=result.base_version)
            self._unsettled = np.concatenate([self._unsettled, result.seqs])
        return result

    def _settle_later(self) -> None:
        """Settle once clicks pause for :data:`SETTLE_DELAY` seconds (in a kernel), so a
        burst of clicks costs one index commit and one facet count; at once otherwise."""
        loop = running_loop()
        if loop is None:
            self._settle()
            return
        if self._settle_handle is not None:
            self._settle_handle.cancel()
        self._settle_handle = loop.call_later(SETTLE_DELAY, self._settle)

    def _settle(self) -> None:
        self._settle_handle = None
        if not len(self._unsettled):
            return
        changed, self._unsettled = self._unsettled, np.zeros(0, dtype=np.int64)
        self._session.store.sync_index()
        self.refresh(changed=changed, settling=True)

    def annotate(self, ids, annotation) -> int:
        """Annotate records; returns how many changed.

        Text classification: a label or a list of labels (single-label records become
        Validated, multi-label Edited). Text2Text: the corrected text (Validated).
        """
        return self._act("annotate", self._seqs(ids), annotation)

    def edit(self, ids, text: str) -> int:
        """Text2Text: save a draft of the corrected text (status Edited, as typing does)."""
        return self._act("edit", self._seqs(ids), text)

    def add_span(self, id, label: str, start: int, end: int) -> int:
        """NER: add a span (character offsets, snapped to tokens) to one record; Edited.
        Without ``allow_overlapping`` it replaces the spans it overlaps."""
        seqs, epoch = self._seqs([id])
        result = self._session.edit_span("add", int(seqs[0]), label, start, end, epoch=epoch)
        return self._after(result).changed

    def remove_span(self, id, label: str, start: int, end: int) -> int:
        """NER: remove one span from one record; Edited."""
        seqs, epoch = self._seqs([id])
        result = self._session.edit_span("remove", int(seqs[0]), label, start, end, epoch=epoch)
        return self._after(result).changed

    def validate(self, ids) -> int:
        """Accept the annotation, or the top prediction when there is none."""
        return self._act("validate", self._seqs(ids))

    def discard(self, ids) -> int:
        return self._act("discard", self._seqs(ids))

    def annotate_all(self, annotation) -> int:
        """Annotate every record matching the current search and filters."""
        return self._act("annotate", self._all_seqs(), annotation)

    def validate_all(self) -> int:
        return self._act("validate", self._all_seqs())

    def discard_all(self) -> int:
        return self._act("discard", self._all_seqs())

    def _act(self, kind: str, targets: tuple[np.ndarray, str], annotation=None) -> int:
        seqs, epoch = targets
        return self._after(self._session.act(kind, seqs, annotation, epoch=epoch)).changed

    def undo(self) -> int:
        """Undo the last change made on this page (its records found by id if records
        were deleted since); returns how many records changed."""
        return self._step("undo")

    def redo(self) -> int:
        return self._step("redo")

    def _step(self, action: str, settle: bool = True) -> int:
        try:
            result = self._session.undo() if action == "undo" else self._session.redo()
        except ValueError:  # its records were deleted: the step left the history
            self._history = self._session.history.state()
            raise
        return self._after(result, settle=settle).changed

    @property
    def page_ids(self) -> list:
        """Ids of the records on the page shown now, in the order shown (``sort``, ``page``);
        ``df`` has every match of the search, in logged order."""
        return [card["id"] for card in self._records]

    @property
    def progress(self) -> dict:
        """The dataset's record counts by status, as the sidebar shows them."""
        return dict(self._progress)

    def search(self, query: str) -> int:
        """Run a search (the same language as ``rb.load``); returns the number of matches."""
        self.query = query
        if self._error:
            raise QuerySyntaxError(self._error)
        return self.total

    def add_label(self, label: str) -> list[str]:
        """Add a label to the choices (rejected when a label schema forbids it)."""
        labels = self._session.add_label(label)
        self._labels = labels
        return labels

    # --- rules (text classification): the Rules panel's calls -----------------------------
    def rule_metrics(self, query: str, label: str | list[str]) -> dict:
        """Coverage and precision of a would-be rule, as the Rules panel shows while typing
        (``rubrix_widgets.labeling.text_classification.rule_metrics``).

        >>> w.rule_metrics("funny OR hilarious", "fresh")["coverage"]
        0.034
        """
        metrics, notes = self._rules.metrics(query, label)
        for note in notes:
            warnings.warn(f"rule query {query!r}: {note}", UserWarning, stacklevel=2)
        return metrics

    def add_rule(self, query: str, label: str | list[str]) -> bool:
        """Save a rule with the dataset (``add_rules``); False when it is already saved.
        A query saved with another label, or a label outside the schema, is refused.

        >>> w.add_rule("funny OR hilarious", "fresh")
        True
        """
        added = self._rules.add(query, label)
        self._show_rules(self._session.view())
        return added

    def delete_rule(self, query: str, label: str | list[str]) -> None:
        """Delete the saved rule with this query and label.

        >>> w.delete_rule("funny OR hilarious", "fresh")
        """
        self._rules.delete(query, label)
        self._show_rules(self._session.view())

    def _show_rules(self, view) -> None:
        try:
            self.rules = self._rules.saved(view)
            self._rules_error = ""
        except StorageError as exc:  # a damaged rules.json: say so in the panel
            self._rules_error = str(exc)

    # --- messages from the browser -------------------------------------------------------------
    def _on_message(self, _widget, content: dict, _buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "action":
            return
        request = content.get("request")
        try:
            result = self._dispatch(content)
            self.send(
                {
                    "type": "ack",
                    "request": request,
                    "ok": True,
                    "changed": result,
                    "saved": self._saved,
                }
            )
        except StalePageError as exc:  # positions from before a deletion: redraw the page
            self._redraw()
            ack = {"type": "ack", "request": request, "ok": False, "error": str(exc)}
            self.send({**ack, "stale": True})
        except (ValueError, RubrixWidgetsError) as exc:
            self.send({"type": "ack", "request": request, "ok": False, "error": str(exc)})
        except Exception as exc:  # the browser must always get an answer
            logger.exception("dataset page: action %r failed", content.get("action"))
            self.send(
                {
                    "type": "ack",
                    "request": request,
                    "ok": False,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )
        finally:
            if len(self._unsettled):
                self._settle_later()

    def _redraw(self) -> None:
        """Show the records as they are now (after a refused stale action)."""
        try:
            self.refresh(keywords=True)
        except NotFoundError:
            self._show_gone()

    def _dispatch(self, content: dict) -> Any:
        action = content.get("action")
        scope_all = content.get("scope") == "query"
        # Positions come with the epoch of the page they were drawn on (seq_epoch.py).
        epoch = content.get("epoch")
        if action in ("annotate", "edit", "validate", "discard"):
            if scope_all:  # the records matching the search now: positions of now
                seqs, epoch = self._all_seqs()
            else:
                seqs = self._checked_seqs(content.get("seqs"))
            annotation = content.get("annotation") if action in ("annotate", "edit") else None
            result = self._session.act(action, seqs, annotation, epoch=epoch)
            return self._after(result, settle=False).changed
        if action in ("add_span", "remove_span"):
            result = self._session.edit_span(
                action.partition("_")[0],
                content.get("seq"),
                content.get("label"),
                content.get("start"),
                content.get("end"),
                epoch=epoch,
            )
            return self._after(result, settle=False).changed
        if action in ("undo", "redo"):
            return self._step(action, settle=False)
        if action == "add_label":
            return self.add_label(content.get("label"))
        if action == "full_text":
            return self._session.full_text(content.get("seq"), content.get("key"), epoch=epoch)
        if action == "sync":
            return self.sync()
        query, label = content.get("query"), content.get("label")
        if action == "rule_metrics":
            metrics, notes = self._rules.metrics(query, label)
            return {"metrics": metrics, "warnings": notes}
        if action == "add_rule":
            return self.add_rule(query, label)
        if action == "delete_rule":
            self.delete_rule(query, label)
            return True
        raise ValueError(f"unknown action {action!r}")

    def _checked_seqs(self, seqs) -> np.ndarray:
        if not isinstance(seqs, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in seqs
        ):
            raise ValueError(
                f"an action needs 'seqs', a list of record positions (ints), not {seqs!r}"
            )
        return np.asarray(seqs, dtype=np.int64)
