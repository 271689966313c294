"""``DatasetPage``: Rubrix's dataset page for text classification, inline in a notebook cell.

    >>> w = rb.show("news")
    >>> w.search("predicted:ko AND score:{0.9 TO *}")
    >>> w.annotate(ids=[17], annotation="Sports")
    >>> w.observe(lambda change: retrain(change["new"]), names="df")
    >>> w.metrics["f1"]["macro"]          # the sidebar's "Model vs annotations" numbers
    >>> w.add_rule("funny OR hilarious", "fresh")   # the Rules panel, from Python

The kernel owns the data: the browser gets one page of records at a time
(JSON, texts cut to a few thousand characters) and sends back intents
(``{"type": "action", ...}`` messages, answered once the change is on disk by a
reply carrying a ``result``, as a message and in the ``_acks`` trait; see
``protocol.py``, which also lists every intent and its fields). Every method here
takes the same path as the click. What the kernel computes (``total``, ``metrics``,
``rules``, the records...) is read-only: set ``query``, ``filters``, ``sort``,
``page``, ``page_size`` or ``mode``, or call a method. Every view asks for the whole
state when it is rendered (``hello``), so a view made late shows it all.

Intents name records by position, with the epoch of the page they were drawn on
(``_epoch``, see ``seq_epoch.py``): once records were deleted, an old position is
refused (and the page redrawn), never applied to another record. Writes made
elsewhere show on the next ``sync`` intent (``w.sync()`` in Python): the front end
sends one when ``_store_changes`` moves (another writer in this kernel changed the
dataset, ``store_follower.py``; counted on the kernel's event loop, whatever thread
wrote), and every few seconds while it is shown (writes by other processes).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from typing import Any, ClassVar

import numpy as np
import traitlets
from anywidget import AnyWidget

from ..errors import NotFoundError, QuerySyntaxError, RubrixWidgetsError, StorageError
from ..page_state.dataset_session import ActionResult, DatasetSession
from ..page_state.embedding_map import EmbeddingMapPanel, check_colour_by, hover_text
from ..page_state.filters import check_filters
from ..page_state.frame_mirror import FrameMirror
from ..page_state.kernel_loop import running_loop, soon
from ..page_state.rules_panel import RulesPanel
from ..page_state.search_metrics import SearchMetrics
from ..page_state.semantic import SemanticSearch
from ..page_state.seq_epoch import check_epoch, epoch_of
from ..page_state.similarity import (
    DEFAULT_K,
    DEFAULT_THRESHOLD,
    Neighbourhoods,
    Scope,
    check_k,
    check_spec,
    check_threshold,
    choose_vector,
    scoped_page,
)
from ..page_state.store_follower import StoreFollower
from ..search.query_parser import operator_hint
from ..search.sorting import INDEXED_ORDER, check_sort
from .front_end import bundle
from .protocol import WidgetProtocol, action

logger = logging.getLogger(__name__)

MODES = ("explore", "annotate")
MAX_PAGE_SIZE = 200  # page_json cuts texts to a per-page budget: a page stays well under 1 MB
NO_DATASET = "no dataset is open; open one with home.open_dataset(name)"
#: what to call instead of assigning a trait the kernel computes
_SET_BY_SEARCH = "set query, filters, sort or page (or call search(query)) instead"
PAGE_KERNEL_OWNED = {
    "total": _SET_BY_SEARCH,
    "df": "it follows the search; set query or filters instead",
    "metrics": "it is computed for the search; set query or filters instead",
    "rules": "call add_rule(query, label) or delete_rule(query, label) instead",
    "dataset_name": "open another dataset with rb.show(name) instead",
    "task": "it is the dataset's task, set when records are logged",
    "_records": _SET_BY_SEARCH,
    "_facets": _SET_BY_SEARCH,
    "_keywords": _SET_BY_SEARCH,
    "_mentions": _SET_BY_SEARCH,
    "_warnings": _SET_BY_SEARCH,
    "_error": _SET_BY_SEARCH,
    "_epoch": _SET_BY_SEARCH,
    "_sortable": _SET_BY_SEARCH,
    "_labels": "call add_label(label) instead",
    "_progress": "call annotate, validate or discard instead",
    "_history": "call undo() or redo() instead",
    "_schema_locked": "configure the label schema with rb.configure_dataset instead",
    "_rules_error": "call add_rule or delete_rule instead",
    "_store_changes": "call sync() to show writes made elsewhere instead",
    "_vector_names": "it lists the dataset's vectors; add some with rb.add_vectors instead",
    "_semantic": "pass rb.show(name, embedder=...) instead",
    "_similarity": "set similar_to, or call find_similar or near_duplicates, instead",
    "_map_points": "set map_open, map_vector or map_colour_by instead",
    "_map_legend": "set map_colour_by instead",
    "_map_info": "set map_open, map_vector or map_colour_by instead",
}
PAGE_WRITABLE = frozenset(
    {
        "query",
        "filters",
        "sort",
        "page",
        "page_size",
        "mode",
        "similar_to",
        "map_open",
        "map_vector",
        "map_colour_by",
    }
)
SETTLE_DELAY = 0.15  # seconds of quiet after clicks before the index and facets catch up


class _FrameTrait(traitlets.Any):
    """A DataFrame trait that notifies on every assignment (compared by identity)."""

    def set(self, obj: traitlets.HasTraits, value: Any) -> None:
        name = self.name
        if name is None:  # traitlets names a trait when its class is made
            raise AttributeError("_FrameTrait is used before its class named it")
        old = obj._trait_values.get(name, self.default_value)
        obj._trait_values[name] = value
        if old is not value:
            obj._notify_trait(name, old, value)


class DatasetPage(WidgetProtocol, AnyWidget):
    """The dataset page: search, filters, pages of records, annotation, progress."""

    _esm = bundle("dataset_page.js")  # front_end.py: hot-reloaded (ANYWIDGET_HMR)
    _css = bundle("dataset_page.css")
    _browser_writable: ClassVar[frozenset[str]] = PAGE_WRITABLE
    _kernel_owned: ClassVar[dict[str, str]] = {**WidgetProtocol._kernel_owned, **PAGE_KERNEL_OWNED}

    # --- what a person (or Python) changes -------------------------------------------
    query = traitlets.Unicode("").tag(sync=True)
    filters = traitlets.Dict().tag(sync=True)
    sort: traitlets.List[list[str]] = traitlets.List().tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(20).tag(sync=True)
    mode = traitlets.Unicode("explore").tag(sync=True)
    #: the neighbourhood shown (similarity.py): None, or e.g. {"kind": "record", "id": 17,
    #: "vector": "mini-lm", "most_similar": True, "k": 50}; it restricts and orders the page
    similar_to = traitlets.Dict(default_value=None, allow_none=True).tag(sync=True)
    #: the "Embedding map" panel: shown (its points are computed only then), which vector
    #: ("" = the first) and what colours its points
    map_open = traitlets.Bool(False).tag(sync=True)
    map_vector = traitlets.Unicode("").tag(sync=True)
    map_colour_by = traitlets.Unicode("annotation").tag(sync=True)

    # --- what the kernel computes -------------------------------------------------------
    total = traitlets.Int(0).tag(sync=True)
    dataset_name = traitlets.Unicode("").tag(sync=True)
    task = traitlets.Unicode("").tag(sync=True)
    df = _FrameTrait(None, allow_none=True)
    metrics = traitlets.Dict().tag(sync=True)  # F1 of the current search (SearchMetrics)
    # saved rules with their metrics (RulesPanel)
    rules: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    _rules_error = traitlets.Unicode("").tag(sync=True)
    _records: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    _facets = traitlets.Dict().tag(sync=True)
    _labels: traitlets.List[str] = traitlets.List().tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    _keywords: traitlets.List[list[Any]] = traitlets.List().tag(sync=True)  # [word, count]
    _mentions = traitlets.Dict().tag(sync=True)
    _error = traitlets.Unicode("").tag(sync=True)
    _warnings: traitlets.List[str] = traitlets.List().tag(sync=True)
    _history = traitlets.Dict({"can_undo": False, "can_redo": False}).tag(sync=True)
    _sortable: traitlets.List[str] = traitlets.List().tag(sync=True)
    _schema_locked = traitlets.Bool(False).tag(sync=True)
    _store_changes = traitlets.Int(0).tag(sync=True)  # writes by others in this kernel
    _epoch = traitlets.Unicode("").tag(sync=True)  # of the records' positions (seq_epoch.py)
    _vector_names: traitlets.List[str] = traitlets.List().tag(sync=True)  # the dataset's
    _similarity = traitlets.Dict().tag(sync=True)  # str(seq) -> similarity, of the page shown
    # the map's points: one binary buffer (map_payload.py), never JSON lists
    _map_points = traitlets.Bytes(b"").tag(sync=True)
    _map_legend: traitlets.List[str] = traitlets.List().tag(sync=True)
    _map_info = traitlets.Dict().tag(sync=True)  # {"vector", "points", "shown"} or {"error"}
    # the "Semantic" switch: {"available": bool, "vector": name | None, "reason": str}
    _semantic = traitlets.Dict({"available": False, "vector": None, "reason": ""}).tag(sync=True)

    def __init__(
        self,
        name: str,
        page_size: int = 20,
        mode: str = "explore",
        embedder: Any = None,
        **kwargs: Any,
    ):
        known = {"query", "filters", "sort", "page", "similar_to"}
        unknown = set(kwargs) - known
        if unknown:
            raise TypeError(
                f"DatasetPage got unexpected arguments {sorted(unknown)}; it takes name, "
                f"page_size, mode, embedder, {', '.join(sorted(known))}"
            )
        session = DatasetSession(name)  # a clear NotFoundError before anything is made
        opened = {"dataset_name": name, "task": session.task}
        self._start(opened, embedder=embedder, page_size=page_size, mode=mode, **kwargs)
        self._open(session)

    def _start(self, computed: dict[str, Any], embedder: Any = None, **state: Any) -> None:
        """Make the widget with no dataset open (``_open`` opens one); ``computed``:
        kernel-owned values the browser gets when the comm opens; ``embedder``: the
        "Semantic" switch's (semantic.py)."""
        for key, value in computed.items():
            self.set_trait(key, value)
        self._semantic_search = SemanticSearch(embedder)
        self._neighbourhoods: Neighbourhoods | None = None
        self._map: EmbeddingMapPanel | None = None
        self._session_now: DatasetSession | None = None
        self._follower: StoreFollower | None = None
        self._settle_handle: asyncio.TimerHandle | None = None
        self._df_wanted = False
        self._resetting_page = False
        self._reset_page_state()
        super().__init__(**state)
        self.observe(self._on_view_change, names=["query", "filters", "sort", "similar_to"])
        self.observe(self._on_page_change, names=["page", "page_size"])
        self.observe(self._on_map_change, names=["map_open", "map_vector", "map_colour_by"])
        self._listen()

    def _reset_page_state(self) -> None:
        self._unsettled = np.zeros(0, dtype=np.int64)
        self._first_done = False
        self._shown: tuple[str, int] | None = None  # (uid, version) of the records shown
        self._uid: str | None = None

    def _open(self, session: DatasetSession) -> None:
        """Show ``session``'s dataset: the first page at once; facets and keywords right
        after the cell has shown it (or the message opening it was answered)."""
        name = session.name
        self._session_now = session
        self._search_metrics = SearchMetrics()
        self._rules = RulesPanel(name)
        self._mirror = FrameMirror(name)
        self._neighbourhoods = Neighbourhoods(name, session.store.folder, self._embed)
        self._map = EmbeddingMapPanel(session.store.folder)
        self._publish(dataset_name=name, task=session.task)
        self._update(quick=True)
        soon(self._complete_first_refresh)
        self._follower = StoreFollower(
            session.store.folder, self._on_store_change, lambda: session.writing
        )

    def _close_dataset(self) -> None:
        """Stop following the open dataset and forget its state (no dataset is open)."""
        if self._follower is not None:
            self._follower.close()
            self._follower = None
        if self._settle_handle is not None:
            self._settle_handle.cancel()
            self._settle_handle = None
        if self._session_now is not None and len(self._unsettled):
            self._session_now.store.sync_index()  # clicks on disk: their index catches up
        self._session_now = None
        self._reset_page_state()
        if self.similar_to is not None:  # a neighbourhood of the dataset that was open
            self.set_trait("similar_to", None)

    @property
    def _session(self) -> DatasetSession:
        session = self._session_now
        if session is None:
            raise RubrixWidgetsError(NO_DATASET)
        return session

    def _require_open(self) -> None:
        """Raise "no dataset is open" on the home page's list."""
        if self._session_now is None:
            raise RubrixWidgetsError(NO_DATASET)

    @property
    def _is_open(self) -> bool:
        return self._session_now is not None

    def _complete_first_refresh(self) -> None:
        if not self._first_done and self._is_open:
            self._first_done = True
            self._update(keywords=True)

    # --- validation of what comes in (from Python or from the browser) ------------------
    @traitlets.validate("filters")
    def _valid_filters(self, proposal):
        try:
            return check_filters(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("similar_to")
    def _valid_similar_to(self, proposal):
        """The shape, and when a dataset is open its records and vectors too: a wrong id
        or vector is refused here, not shown as an empty page."""
        try:
            spec = check_spec(proposal["value"])
            if spec is not None and self._is_open and self._neighbourhoods is not None:
                self._neighbourhoods.resolve(self._session.view(), spec)
            return spec
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("map_colour_by")
    def _valid_map_colour_by(self, proposal):
        try:
            return check_colour_by(proposal["value"])
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
        """Call ``handler`` when traits change (``traitlets.HasTraits.observe``).

        Observing ``df`` builds it at once (it is otherwise built when first read) and keeps
        it current: an active-learning loop sees each click as it is saved.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week")], name="news")
        >>> sizes = []
        >>> page.observe(lambda change: sizes.append(len(change["new"])), names="df")
        >>> page.annotate([1], "weather")
        1
        >>> sizes
        [1]
        """
        wants_df = names == "df" or (isinstance(names, list | tuple) and "df" in names)
        if wants_df and not self._df_wanted and self._is_open:
            self._df_wanted = True
            self._publish(df=self._build_df())
        return super().observe(handler, names=names, type=type)

    def _build_df(self):
        view = self._session.view()
        compiled, _, _ = self._search(view)
        return self._mirror.build(view, compiled, self._everything, self._view_key)

    def _search(self, view) -> tuple[Any, list[str], Scope | None]:
        """The compiled search and filters, restricted to the neighbourhood (``similar_to``)
        when there is one, its warnings, and the neighbourhood."""
        compiled, warnings = self._session.compile(view, self.query, self.filters)
        spec = self.similar_to
        if spec is None or self._neighbourhoods is None:
            return compiled, warnings, None
        scope = self._neighbourhoods.resolve(view, spec)
        return self._neighbourhoods.restricted(view, compiled, scope), warnings, scope

    @property
    def _everything(self) -> bool:
        return not self.query.strip() and not self.filters and self.similar_to is None

    @property
    def _view_key(self) -> tuple:
        return (
            self.query,
            repr(sorted(self.filters.items())),
            repr(sorted((self.similar_to or {}).items())),
        )

    # --- refreshing what the browser shows ------------------------------------------------
    def _on_view_change(self, change) -> None:
        if not self._is_open:  # the home page's list: nothing to show yet
            return
        if self.page != 0:  # a new search starts at its first page
            self._resetting_page = True
            try:
                self.page = 0
            finally:
                self._resetting_page = False
        self._update(keywords=True)

    def _on_page_change(self, change) -> None:
        if not self._resetting_page and self._is_open:
            self._update()

    def refresh(self) -> None:
        """Recompute everything the page shows (and ``df`` if someone uses it).

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.refresh()
        >>> page.total, page.page_ids
        (2, [1, 2])
        """
        self._update(keywords=True)

    def _update(
        self,
        keywords: bool = False,
        changed: np.ndarray | None = None,
        quick: bool = False,
        settling: bool = False,
        base_version: int | None = None,
    ) -> None:
        """Recompute what the browser shows after a change, in named steps.

        ``changed``: seqs of records just written at ``base_version`` (``df``
        updates only those, unless someone else wrote too: then it is rebuilt).
        ``quick`` (right after a click's write, before the index has caught
        up): page, progress and ``df`` values only; facets and labels wait for
        the ``settling`` pass that follows the acknowledgement, which also
        moves records in or out of ``df`` if they stopped or started matching.
        ``keywords``: the search changed, so its keywords and mentions too.
        """
        if not self._is_open:
            return
        start = time.perf_counter()
        view = self._session.view(index_may_lag=quick and changed is not None)
        self._follow_dataset(view)
        self._show_vectors(view)
        try:
            compiled, warnings, scope = self._search(view)
        except QuerySyntaxError as exc:
            self._publish(_error=str(exc) + operator_hint(self.query), _warnings=[])
            return
        except ValueError as exc:  # the neighbourhood's record or vector is gone
            self._publish(
                _error=f"{exc} (remove the similarity filter to see every record)",
                _warnings=[],
                _records=[],
                total=0,
            )
            return
        with self.hold_sync():  # one update message for every step
            if not self._show_page(view, compiled, warnings, scope):
                return  # past the last page: ``page`` moved back, which shows that one
            if not quick:
                self._show_facets(view, compiled)
            if keywords:
                self._show_keywords(view, compiled)
        if not quick:
            self._show_map(view, None if self._everything else compiled)
        if self._df_wanted:
            self._update_df(view, compiled, changed, settling, base_version)
        logger.debug(
            "page refresh (quick=%s) took %.1f ms", quick, (time.perf_counter() - start) * 1e3
        )

    def _follow_dataset(self, view) -> None:
        """Note which dataset and version is shown (what ``sync()`` compares with)."""
        uid = view.manifest.uid
        if uid != self._uid:  # a new dataset (deleted and logged again): the history is moot
            if self._uid is not None:
                self._session.history.clear()
            self._uid = uid
        self._shown = (uid, view.manifest.version)

    def _on_map_change(self, change) -> None:
        if self._is_open:
            view = self._session.view()
            compiled = None if self._everything else self._search(view)[0]
            self._show_map(view, compiled)

    def _show_map(self, view, compiled) -> None:
        """The embedding map's points, when its panel is open (a projection costs seconds
        the first time: a page whose map nobody opens never pays it)."""
        if not self.map_open or self._map is None:
            return
        vectors = sorted(view.manifest.vectors)
        if not vectors:
            self._publish(_map_points=b"", _map_legend=[], _map_info={"error": "no vectors"})
            return
        vector = self.map_vector or vectors[0]
        if vector not in vectors:
            error = f"dataset has no vector {vector!r}; its vectors: {', '.join(vectors)}"
            self._publish(_map_points=b"", _map_legend=[], _map_info={"error": error})
            return
        try:
            data, legend, info = self._map.payload(view, vector, self.map_colour_by, compiled)
        except ValueError as exc:
            self._publish(_map_points=b"", _map_legend=[], _map_info={"error": str(exc)})
            return
        self._publish(_map_points=data, _map_legend=legend, _map_info=info)

    def _show_vectors(self, view) -> None:
        """The dataset's vector names, and whether the "Semantic" switch can be used."""
        vectors = dict(view.manifest.vectors)
        self._publish(
            _vector_names=sorted(vectors), _semantic=self._semantic_search.status(vectors)
        )

    def _show_page(self, view, compiled, warnings: list, scope: Scope | None = None) -> bool:
        """The page of records, the total, progress, labels and history; False (and
        ``page`` moved to the last page) when the page is past the last one. With a
        neighbourhood (``scope``) its records are shown most similar first."""
        if scope is not None:
            records, total, seqs = scoped_page(
                view, compiled, scope, self.sort, self.page, self.page_size
            )
            similarity = scope.similarities(seqs)
        else:
            records, total, _ = self._session.page(
                view, compiled, self.sort, self.page, self.page_size, self._everything
            )
            similarity = {}
        last_page = max(0, (total - 1) // self.page_size)
        if self.page > last_page:
            self.page = last_page  # its observer shows that page
            return False
        self._publish(
            _error="",
            _warnings=warnings,
            _records=records,
            _similarity=similarity,
            _epoch=epoch_of(view.manifest),
            total=total,
            _progress=self._session.progress(view),
            _history=self._session.history.state(),
            _labels=self._session.labels(view),
            _schema_locked=bool((view.manifest.settings or {}).get("label_schema")),
        )
        return True

    def _show_facets(self, view, compiled) -> None:
        """The sidebar: facet counts, "Model vs annotations", rules, sortable fields."""
        self._publish(
            _facets=self._session.facets(view, compiled),
            metrics=self._search_metrics.numbers(view, compiled),
            _sortable=[
                *INDEXED_ORDER,
                *(f"metadata.{k}" for k in self._session.metadata_keys(view)),
            ],
        )
        self._show_rules(view)

    def _show_keywords(self, view, compiled) -> None:
        self._publish(
            _keywords=self._session.keywords(view, compiled),
            _mentions=self._session.mentions(view, compiled),
        )

    def _update_df(self, view, compiled, changed, settling: bool, base_version) -> None:
        """Keep ``df`` current: only the ``changed`` rows when nobody else wrote since
        ``base_version``, else rebuilt; a page turn or a sort keeps it."""
        uid, version, mirrored = view.manifest.uid, view.manifest.version, self._mirror.version
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
                    self._publish(df=frame)
        elif changed is not None or not in_step:
            self._publish(df=self._mirror.build(view, compiled, self._everything, self._view_key))

    # --- following writes made elsewhere -------------------------------------------------
    def sync(self) -> bool:
        """Show the dataset as it is now if someone else wrote to it.

        Another page, a cell or another process may have written; the front end asks for
        this by itself (the ``sync`` intent) while it shows the page.

        Returns
        -------
        bool
            Whether the dataset had changed since the page last showed it.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week")], name="news")
        >>> _ = rb.log([rb.TextClassificationRecord(id=2, text="Cup final tonight")], "news",
        ...            verbose=False)
        >>> page.sync(), page.total
        (True, 2)
        >>> page.sync()
        False
        """
        try:
            manifest = self._session.store.manifest()
        except NotFoundError:
            changed = self._shown is not None
            self._show_gone()
            return changed
        if (manifest.uid, manifest.version) == self._shown:
            return False
        self._update(keywords=True)
        return True

    def _on_store_change(self) -> None:
        """Another writer in this kernel changed the dataset (called on the kernel's loop):
        tell the front end through state, which asks for a ``sync`` if it shows the page
        (a page nobody shows does no work)."""
        if self.comm is not None:
            self._publish(_store_changes=self._store_changes + 1)

    def _show_gone(self) -> None:
        self._shown = None
        self._publish(
            _error=(
                f"dataset {self.dataset_name!r} was deleted; this page shows it again if records "
                "are logged to it"
            ),
            _records=[],
            _epoch="",
            total=0,
        )

    def close(self) -> None:
        """Close the widget: its views go, and it stops following the dataset.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.close()
        >>> page.comm is None
        True
        """
        follower = getattr(self, "_follower", None)
        if follower is not None:
            follower.close()
            self._follower = None
        super().close()

    # --- actions: the same path for clicks and Python calls ----------------------------
    def _seqs(self, ids) -> tuple[np.ndarray, str]:
        """Positions of these ids now, and their epoch."""
        view = self._session.view()
        return self._session.seqs_for_ids(view, ids), epoch_of(view.manifest)

    def _all_seqs(self) -> tuple[np.ndarray, str]:
        """Positions of every record matching the search now, and their epoch."""
        view = self._session.view()
        compiled, _, _ = self._search(view)
        return self._session.matching_seqs(view, compiled), epoch_of(view.manifest)

    def _after(self, result: ActionResult, settle: bool = True) -> ActionResult:
        """Show a write (already on disk): page, progress and ``df`` at once, then
        (``settle``) bring the index up to date and recompute facets and labels.
        A click acknowledges between the two, so it is saved and shown sooner."""
        if settle:  # a Python call returns with everything up to date
            if self._settle_handle is not None:
                self._settle_handle.cancel()
                self._settle_handle = None
            changed = np.concatenate([self._unsettled, result.seqs])
            self._unsettled = np.zeros(0, dtype=np.int64)
            self._session.store.sync_index()
            self._update(changed=changed, base_version=result.base_version)
        else:
            self._update(changed=result.seqs, quick=True, base_version=result.base_version)
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
        if not len(self._unsettled) or not self._is_open:
            return
        changed, self._unsettled = self._unsettled, np.zeros(0, dtype=np.int64)
        self._session.store.sync_index()
        self._update(changed=changed, settling=True)

    def annotate(self, ids, annotation) -> int:
        """Annotate records, as clicking a label does.

        Parameters
        ----------
        ids : list
            The records' ids.
        annotation : str or list of str
            Text classification: a label, or a list of labels (single-label records become
            Validated, multi-label Edited). Text2Text: the corrected text (Validated).

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.annotate([1, 2], "weather")
        2
        >>> page.progress["validated"]
        2
        """
        return self._act("annotate", self._seqs(ids), annotation)

    def edit(self, ids, text: str) -> int:
        """Text2Text: save a draft of the corrected text (status Edited, as typing does).

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.Text2TextRecord(id=1, text="Bonjour", prediction=["Hello"])],
        ...                name="greetings")
        >>> page.edit([1], "Hello there")
        1
        >>> page.progress["edited"]
        1
        """
        return self._act("edit", self._seqs(ids), text)

    def add_span(self, id, label: str, start: int, end: int) -> int:
        """NER: add a span to one record (status Edited).

        ``start`` and ``end`` are character offsets, snapped to the record's tokens. Without
        ``allow_overlapping`` in the dataset's settings the span replaces the spans it overlaps.

        Returns
        -------
        int
            How many records changed (1).

        Examples
        --------
        >>> page = rb.show([rb.TokenClassificationRecord(
        ...     id=1, text="Ada lives in Paris", tokens=["Ada", "lives", "in", "Paris"])],
        ...     name="people")
        >>> page.add_span(1, "PER", 0, 3)
        1
        >>> rb.load("people").annotation[0]
        [('PER', 0, 3)]
        """
        seqs, epoch = self._seqs([id])
        result = self._session.edit_span("add", int(seqs[0]), label, start, end, epoch=epoch)
        return self._after(result).changed

    def remove_span(self, id, label: str, start: int, end: int) -> int:
        """NER: remove one span from one record (status Edited).

        Returns
        -------
        int
            How many records changed (1).

        Examples
        --------
        >>> page = rb.show([rb.TokenClassificationRecord(
        ...     id=1, text="Ada lives in Paris", tokens=["Ada", "lives", "in", "Paris"])],
        ...     name="people")
        >>> page.add_span(1, "PER", 0, 3), page.add_span(1, "LOC", 13, 18)
        (1, 1)
        >>> page.remove_span(1, "PER", 0, 3)
        1
        >>> rb.load("people").annotation[0]
        [('LOC', 13, 18)]
        """
        seqs, epoch = self._seqs([id])
        result = self._session.edit_span("remove", int(seqs[0]), label, start, end, epoch=epoch)
        return self._after(result).changed

    def validate(self, ids) -> int:
        """Accept the annotation, or the top prediction when there is none (Validated).

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([
        ...     rb.TextClassificationRecord(id=1, text="Rain", prediction=[("weather", 0.9)]),
        ...     rb.TextClassificationRecord(id=2, text="Cup final", prediction=[("sports", 0.8)]),
        ... ], name="news")
        >>> page.validate([2])
        1
        >>> rb.load("news", ids=[2]).annotation[0]
        'sports'
        """
        return self._act("validate", self._seqs(ids))

    def discard(self, ids) -> int:
        """Discard records (status Discarded: they leave the records to annotate).

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.discard([2])
        1
        >>> page.progress["discarded"]
        1
        """
        return self._act("discard", self._seqs(ids))

    def annotate_all(self, annotation) -> int:
        """Annotate every record matching the current search and filters.

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.search("rain")
        1
        >>> page.annotate_all("weather")
        1
        """
        return self._act("annotate", self._all_seqs(), annotation)

    def validate_all(self) -> int:
        """Validate every record matching the current search and filters (see
        :meth:`validate`).

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([
        ...     rb.TextClassificationRecord(id=1, text="Rain", prediction=[("weather", 0.9)]),
        ...     rb.TextClassificationRecord(id=2, text="Cup final", prediction=[("sports", 0.8)]),
        ... ], name="news")
        >>> page.validate_all()
        2
        >>> rb.load("news").annotation.tolist()
        ['weather', 'sports']
        """
        return self._act("validate", self._all_seqs())

    def discard_all(self) -> int:
        """Discard every record matching the current search and filters.

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.search("cup")
        1
        >>> page.discard_all()
        1
        >>> page.progress["discarded"]
        1
        """
        return self._act("discard", self._all_seqs())

    def _act(self, kind: str, targets: tuple[np.ndarray, str], annotation=None) -> int:
        seqs, epoch = targets
        return self._after(self._session.act(kind, seqs, annotation, epoch=epoch)).changed

    def undo(self) -> int:
        """Undo the last change made on this page.

        Its records are found by id if records were deleted since.

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.annotate([1], "weather")
        1
        >>> page.undo()
        1
        >>> page.progress["validated"]
        0
        """
        return self._step("undo")

    def redo(self) -> int:
        """Redo the last change undone on this page.

        Returns
        -------
        int
            How many records changed.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.annotate([1], "weather"), page.undo()
        (1, 1)
        >>> page.redo()
        1
        >>> page.progress["validated"]
        1
        """
        return self._step("redo")

    def _step(self, action: str, settle: bool = True) -> int:
        try:
            result = self._session.undo() if action == "undo" else self._session.redo()
        except ValueError:  # its records were deleted: the step left the history
            self._publish(_history=self._session.history.state())
            raise
        return self._after(result, settle=settle).changed

    @property
    def page_ids(self) -> list:
        """Ids of the records on the page shown now, in the order shown.

        The order follows ``sort`` and ``page``; ``df`` has every match of the search, in
        logged order.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.page_ids
        [1, 2]
        >>> page.sort = [["id", "desc"]]
        >>> page.page_ids
        [2, 1]
        """
        return [card["id"] for card in self._records]

    @property
    def progress(self) -> dict:
        """The dataset's record counts by status, as the sidebar shows them.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.annotate([1], "weather")
        1
        >>> page.progress
        {'total': 2, 'validated': 1, 'discarded': 0, 'edited': 0, 'default': 1, 'percent': 50.0}
        """
        return dict(self._progress)

    def search(self, query: str) -> int:
        """Run a search (the same language as ``rb.load``).

        Returns
        -------
        int
            The number of matches.

        Raises
        ------
        QuerySyntaxError
            When the query does not parse (the page shows the same message).

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.search("cup OR rain")
        2
        >>> page.search("text:final")
        1
        """
        self._require_open()
        self.query = query
        if self._error:
            raise QuerySyntaxError(self._error)
        return self.total

    # --- finding by meaning: the neighbourhood shown (``similar_to``, similarity.py) ------
    def _embed(self, text: str, vector: str) -> np.ndarray:
        """The vector of a semantic search text (the page's embedder)."""
        status = self._semantic_search.status(dict(self._session.store.manifest().vectors))
        if not status["available"]:
            raise ValueError(f"semantic search is not available: {status['reason']}")
        if status["vector"] != vector:
            raise ValueError(
                f"the page's embedder makes {status['vector']!r} vectors, not {vector!r}"
            )
        return self._semantic_search.embed(text, self._session.store.manifest().vectors[vector])

    def _scope_to(self, spec: dict[str, Any] | None) -> int:
        """Show the neighbourhood ``spec`` (None: every record); a bad one raises
        ValueError and changes nothing. Returns how many records the page shows now."""
        self._require_open()
        spec = check_spec(spec)
        if spec is not None and self._neighbourhoods is not None:
            self._neighbourhoods.resolve(self._session.view(), spec)  # raises before setting
        self.set_trait("similar_to", spec)
        if self._error:
            raise ValueError(self._error)
        return self.total

    def _vector_for(self, vector_name: str | None) -> str:
        return choose_vector(
            dict(self._session.store.manifest().vectors), vector_name, self.dataset_name
        )

    def find_similar(
        self, id, vector_name: str | None = None, most_similar: bool = True, k: int = DEFAULT_K
    ) -> int:
        """Show the ``k`` records most (or least) similar to record ``id``, most similar
        first, as the card's "Find similar" does; the search, filters, bulk actions and
        ``df`` then work within them. ``similar_to = None`` shows every record again.

        Parameters
        ----------
        id : str or int
            The record.
        vector_name : str, optional
            Which of the dataset's vectors; needed when it has several.
        most_similar : bool, default True
            False: the least similar records.
        k : int, default 50
            How many records.

        Returns
        -------
        int
            How many records the page shows (those of the ``k`` that match the search).

        Raises
        ------
        ValueError
            Several vectors and no ``vector_name`` (they are listed), an unknown vector,
            or a record without that vector.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=i, text=t, vectors={"v": v})
        ...                 for i, (t, v) in enumerate([("Rain", [1, 0]), ("Snow", [0.9, 0.1]),
        ...                                             ("Cup final", [0, 1])])], name="news")
        >>> page.find_similar(0, k=2)
        2
        >>> page.page_ids, page.similar_to["kind"]
        ([0, 1], 'record')
        """
        self._require_open()
        if not isinstance(most_similar, bool):
            raise ValueError(f"most_similar must be True or False, not {most_similar!r}")
        spec = {
            "kind": "record",
            "id": id,
            "vector": self._vector_for(vector_name),
            "most_similar": most_similar,
            "k": check_k(k),
        }
        return self._scope_to(spec)

    def semantic_search(
        self, text: str | None, vector_name: str | None = None, k: int = DEFAULT_K
    ) -> int:
        """Show the ``k`` records nearest in meaning to ``text`` (embedded by the page's
        embedder: ``rb.show(name, embedder=...)`` or the built-in one), as the search
        bar's "Semantic" switch does; ``query`` and ``filters`` still apply.
        ``semantic_search(None)`` shows every record again.

        Returns
        -------
        int
            How many records the page shows.

        Raises
        ------
        ValueError
            When the page has no usable embedder (the reason is given).

        Examples
        --------
        >>> embed = lambda texts: [[1.0, 0.0] if "rain" in t else [0.0, 1.0] for t in texts]
        >>> page = rb.show([rb.TextClassificationRecord(id=i, text=t, vectors={"v": v})
        ...                 for i, (t, v) in enumerate([("Rain", [0.9, 0.1]),
        ...                                             ("Cup final", [0.1, 0.9])])],
        ...                name="news", embedder=embed)
        >>> page.semantic_search("rain tomorrow", k=1), page.page_ids
        (1, [0])
        >>> page.semantic_search(None), page.page_ids
        (2, [0, 1])
        """
        self._require_open()
        if text is None:
            return self._scope_to(None)
        status = self._semantic_search.status(dict(self._session.store.manifest().vectors))
        if not status["available"]:
            raise ValueError(f"semantic search is not available: {status['reason']}")
        if vector_name is not None and vector_name != status["vector"]:
            raise ValueError(
                f"the page's embedder makes {status['vector']!r} vectors, not {vector_name!r}"
            )
        spec = {"kind": "text", "text": text, "vector": status["vector"], "k": check_k(k)}
        return self._scope_to(spec)

    def more_like_label(
        self, label: str, vector_name: str | None = None, k: int = DEFAULT_K
    ) -> int:
        """Show the ``k`` records without an annotation (not discarded) nearest to the
        centroid of the records annotated ``label`` (Prodigy's "teach" loop), as the
        sidebar's "More like" does.

        Returns
        -------
        int
            How many records the page shows.

        Raises
        ------
        ValueError
            No record annotated ``label`` has the vector; unknown or ambiguous vector.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=i, text=t, vectors={"v": v})
        ...                 for i, (t, v) in enumerate([("Rain", [1, 0]), ("Snow", [0.9, 0.1]),
        ...                                             ("Cup final", [0, 1]),
        ...                                             ("Drizzle", [0.95, 0.05])])], name="news")
        >>> page.annotate([0], "weather")
        1
        >>> page.more_like_label("weather", k=2), page.page_ids
        (2, [3, 1])
        """
        self._require_open()
        spec = {
            "kind": "label",
            "label": label,
            "vector": self._vector_for(vector_name),
            "k": check_k(k),
        }
        return self._scope_to(spec)

    def near_duplicates(
        self, vector_name: str | None = None, threshold: float = DEFAULT_THRESHOLD
    ) -> int:
        """Show the records in a near-duplicate pair (cosine similarity of their vectors
        >= ``threshold``), each next to its closest duplicate, the most similar pairs
        first, as the sidebar's "Near-duplicates" does; the chip reads "Near-duplicates
        ≥ 0.95". Discard the copies with ``discard`` (or the bulk actions); the search,
        filters and ``df`` work within them. ``similar_to = None`` shows every record.

        Parameters
        ----------
        vector_name : str, optional
            The vector to compare; needed when the dataset has several.
        threshold : float, default 0.95
            The least cosine similarity of a pair, in (0, 1].

        Returns
        -------
        int
            How many records the page shows.

        Raises
        ------
        ValueError
            Unknown or ambiguous vector; a threshold outside (0, 1].

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=i, text=t, vectors={"v": v})
        ...                 for i, (t, v) in enumerate([("Rain", [1, 0]), ("Cup final", [0, 1]),
        ...                                             ("Rain!", [1, 0.01])])], name="news")
        >>> page.near_duplicates(threshold=0.99), page.page_ids
        (2, [0, 2])
        """
        self._require_open()
        spec = {
            "kind": "duplicates",
            "vector": self._vector_for(vector_name),
            "threshold": check_threshold(threshold),
        }
        return self._scope_to(spec)

    def select_on_map(self, ids) -> int:
        """Show only these records (a lasso on the embedding map), in this order; the
        chip reads "<N> selected on the map". ``similar_to = None`` shows every record.

        Returns
        -------
        int
            How many records the page shows.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=i, text=t)
        ...                 for i, t in enumerate(["Rain", "Snow", "Cup final"])], name="news")
        >>> page.select_on_map([2, 0]), page.page_ids
        (2, [2, 0])
        >>> page.similar_to = None
        >>> page.total
        3
        """
        self._require_open()
        if isinstance(ids, str | int):
            ids = [ids]
        return self._scope_to({"kind": "selection", "ids": [_plain_id(i) for i in ids]})

    def add_label(self, label: str) -> list[str]:
        """Add a label to the choices (refused when a label schema forbids it).

        Returns
        -------
        list of str
            The labels the page offers now.

        Examples
        --------
        >>> page = rb.show([
        ...     rb.TextClassificationRecord(id=1, text="Rain", prediction=[("weather", 0.9)]),
        ...     rb.TextClassificationRecord(id=2, text="Cup final", prediction=[("sports", 0.8)]),
        ... ], name="news")
        >>> page.add_label("politics")
        ['politics', 'sports', 'weather']
        """
        labels = self._session.add_label(label)
        self._publish(_labels=labels)
        return labels

    # --- rules (text classification): the Rules panel's calls -----------------------------
    def rule_metrics(self, query: str, label: str | list[str]) -> dict:
        """Coverage and precision of a would-be rule, as the Rules panel shows while typing.

        The numbers of ``rubrix_widgets.labeling.text_classification.rule_metrics``.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.annotate([1], "weather")
        1
        >>> metrics = page.rule_metrics("rain OR snow", "weather")
        >>> metrics["coverage"], metrics["precision"]
        (0.5, 1.0)
        """
        self._require_open()
        metrics, notes = self._rules.metrics(query, label)
        for note in notes:
            warnings.warn(f"rule query {query!r}: {note}", UserWarning, stacklevel=2)
        return metrics

    def add_rule(self, query: str, label: str | list[str]) -> bool:
        """Save a rule with the dataset (``add_rules``).

        A query saved with another label, or a label outside the schema, is refused.

        Returns
        -------
        bool
            True when saved, False when it was already saved.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.add_rule("rain OR snow", "weather")
        True
        >>> page.add_rule("rain OR snow", "weather")
        False
        >>> [rule["query"] for rule in page.rules]
        ['rain OR snow']
        """
        self._require_open()
        added = self._rules.add(query, label)
        self._show_rules(self._session.view())
        return added

    def delete_rule(self, query: str, label: str | list[str]) -> None:
        """Delete the saved rule with this query and label.

        Examples
        --------
        >>> page = rb.show([rb.TextClassificationRecord(id=1, text="Rain all week"),
        ...                 rb.TextClassificationRecord(id=2, text="Cup final")], name="news")
        >>> page.add_rule("rain OR snow", "weather")
        True
        >>> page.delete_rule("rain OR snow", "weather")
        >>> page.rules
        []
        """
        self._require_open()
        self._rules.delete(query, label)
        self._show_rules(self._session.view())

    def _show_rules(self, view) -> None:
        try:
            self._publish(rules=self._rules.saved(view), _rules_error="")
        except StorageError as exc:  # a damaged rules.json: say so in the panel
            self._publish(_rules_error=str(exc))

    # --- intents from the browser (protocol.py): the same calls as from Python ------------
    def _after_message(self) -> None:
        if self._is_open and len(self._unsettled):
            self._settle_later()

    def _after_stale(self) -> None:
        """Show the records as they are now (after a refused stale action)."""
        try:
            self._update(keywords=True)
        except NotFoundError:
            self._show_gone()

    def _targets(self, seqs, scope) -> tuple[np.ndarray, str | None]:
        """The positions an intent names: ``seqs``, or every match of the search now
        (``scope="query"``, positions of now, whatever epoch the intent carries)."""
        if scope is not None:
            if scope != "query" or seqs is not None:
                raise ValueError(
                    f"an action names records by 'seqs' (a list of positions) or by "
                    f"scope 'query' (every match of the search), not scope={scope!r} "
                    f"with seqs={seqs!r}"
                )
            return self._all_seqs()
        return self._checked_seqs(seqs), None

    def _write(self, kind: str, seqs, scope, epoch, annotation=None) -> int:
        targets, now = self._targets(seqs, scope)
        result = self._session.act(kind, targets, annotation, epoch=now or epoch)
        return self._after(result, settle=False).changed

    @action("annotate", result="number")
    def _on_annotate(self, *, annotation, epoch, seqs=None, scope=None) -> int:
        return self._write("annotate", seqs, scope, epoch, annotation)

    @action("edit", result="number")
    def _on_edit(self, *, seqs, annotation, epoch) -> int:
        """A Text2Text draft: the records shown (never every match of a search)."""
        return self._write("edit", seqs, None, epoch, annotation)

    @action("validate", result="number")
    def _on_validate(self, *, epoch, seqs=None, scope=None) -> int:
        return self._write("validate", seqs, scope, epoch)

    @action("discard", result="number")
    def _on_discard(self, *, epoch, seqs=None, scope=None) -> int:
        return self._write("discard", seqs, scope, epoch)

    @action("add_span", result="number")
    def _on_add_span(self, *, seq, label, start, end, epoch) -> int:
        result = self._session.edit_span("add", seq, label, start, end, epoch=epoch)
        return self._after(result, settle=False).changed

    @action("remove_span", result="number")
    def _on_remove_span(self, *, seq, label, start, end, epoch) -> int:
        result = self._session.edit_span("remove", seq, label, start, end, epoch=epoch)
        return self._after(result, settle=False).changed

    @action("undo", result="number")
    def _on_undo(self) -> int:
        return self._step("undo", settle=False)

    @action("redo", result="number")
    def _on_redo(self) -> int:
        return self._step("redo", settle=False)

    @action("add_label", result="string[]")
    def _on_add_label(self, *, label) -> list[str]:
        return self.add_label(label)

    @action("full_text", result="string")
    def _on_full_text(self, *, seq, key, epoch) -> str:
        return self._session.full_text(seq, key, epoch=epoch)

    @action("sync", result="boolean")
    def _on_sync(self) -> bool:
        return self.sync()

    @action("rule_metrics", result="RuleCheck")
    def _on_rule_metrics(self, *, query, label) -> dict:
        metrics, notes = self._rules.metrics(query, label)
        return {"metrics": metrics, "warnings": notes}

    @action("add_rule", result="boolean")
    def _on_add_rule(self, *, query, label) -> bool:
        return self.add_rule(query, label)

    @action("delete_rule", result="true")
    def _on_delete_rule(self, *, query, label) -> bool:
        self.delete_rule(query, label)
        return True

    def _id_at(self, seq, epoch) -> Any:
        """The record id at position ``seq`` of the page drawn at ``epoch``."""
        manifest, live = self._session.store.records()
        check_epoch(epoch, manifest, self.dataset_name)
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < live.size:
            raise ValueError(f"no record at position {seq!r}")
        return _record_id_of(live.rows(np.array([seq], dtype=np.int64)))[0]

    @action("find_similar", result="number")
    def _on_find_similar(self, *, seq, epoch, vector=None, most_similar=True, k=DEFAULT_K) -> int:
        return self.find_similar(self._id_at(seq, epoch), vector, most_similar, k)

    @action("semantic_search", result="number")
    def _on_semantic_search(self, *, text) -> int:
        if text is not None and not isinstance(text, str):
            raise ValueError(f"semantic_search takes a text (str) or null, not {text!r}")
        return self.semantic_search(text if text and text.strip() else None)

    @action("more_like_label", result="number")
    def _on_more_like_label(self, *, label, vector=None, k=DEFAULT_K) -> int:
        return self.more_like_label(label, vector, k)

    @action("map_text", result="string")
    def _on_map_text(self, *, seq, epoch) -> str:
        """The text of a point hovered on the map (shown as text)."""
        self._id_at(seq, epoch)  # checks the epoch and the position
        return hover_text(self._session.view(), seq)

    @action("select_on_map", result="number")
    def _on_select_on_map(self, *, seqs, epoch) -> int:
        checked = self._checked_seqs(seqs)
        manifest, live = self._session.store.records()
        check_epoch(epoch, manifest, self.dataset_name)
        if not len(checked):
            raise ValueError("select_on_map needs at least one record position")
        if checked.min() < 0 or checked.max() >= live.size:
            raise ValueError(f"no records at some of the positions {seqs[:5]!r}")
        return self.select_on_map(_record_id_of(live.rows(checked)))

    def _checked_seqs(self, seqs) -> np.ndarray:
        if not isinstance(seqs, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in seqs
        ):
            raise ValueError(
                f"an action needs 'seqs', a list of record positions (ints), not {seqs!r}"
            )
        return np.asarray(seqs, dtype=np.int64)


def _record_id_of(rows) -> list:
    """The record ids (as given: int or str) of stored rows."""
    ids, ints = rows.column("id").to_pylist(), rows.column("id_int").to_pylist()
    return [i if n is None else int(n) for i, n in zip(ids, ints, strict=True)]


def _plain_id(value: Any) -> Any:
    """A record id as JSON keeps it (numpy ints from a DataFrame become ints)."""
    if isinstance(value, np.integer):
        return int(value)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"a record id is a str or an int, not {value!r}")
    return value
