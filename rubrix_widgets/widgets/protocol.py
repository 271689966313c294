"""The one protocol between a widget and its front end, typed once, on the kernel side.

The browser sends intents as custom messages::

    {"type": "action", "action": "annotate", "request": "v7f3:12", "seqs": [4], ...}

and the kernel answers each one with a reply, sent both as a custom message
(``{"type": "ack", **reply}``) and into the synced trait ``_acks`` (request id -> reply,
the last :data:`MAX_ACKS`), so a custom message lost on the way (a view made in an
earlier cell, a host that drops them) never loses a click's answer::

    {"request": "v7f3:12", "ok": true, "result": 1}
    {"request": "v7f3:13", "ok": false, "error": "...", "stale": true}

Each widget class declares its actions with :func:`action` on the method that handles
it; its keyword-only parameters are the intent's fields (without a default: required).
:func:`intents` lists them per class, for the test that compares them with the front
end's ``js/src/protocol.ts``. Every widget answers ``hello`` (a view that was just
rendered) by sending its whole current state, so a view made late shows what the
kernel computed before it connected.

:class:`WidgetProtocol` also keeps what the kernel computes away from writers: a trait
listed in ``_kernel_owned`` cannot be assigned from Python (:class:`ReadOnlyTraitError`
says what to call instead), and a state update from the browser is applied only to the
traits listed in ``_browser_writable``. The kernel itself writes with :meth:`_publish`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
import traitlets

from ..errors import RubrixWidgetsError
from ..page_state.seq_epoch import StalePageError

logger = logging.getLogger(__name__)

MAX_ACKS = 32  # replies kept in the ``_acks`` trait
ACKS_BUDGET = 1_000_000  # bytes of JSON the ``_acks`` trait may hold (older replies go)
ENVELOPE = frozenset({"type", "action", "request"})


@dataclass(frozen=True)
class Action:
    """One intent a widget accepts: its fields and the kind of its ``result``."""

    name: str
    method: str
    required: frozenset[str]
    optional: frozenset[str]
    result: str  # the TypeScript type of the reply's ``result``

    @property
    def fields(self) -> frozenset[str]:
        return self.required | self.optional


def action(name: str, *, result: str) -> Callable[[Callable], Callable]:
    """Declare the decorated method as the handler of intent ``name``.

    Parameters
    ----------
    name : str
        The intent's ``action``.
    result : str
        The TypeScript type of the reply's ``result`` (e.g. ``"number"``, ``"string[]"``).

    Examples
    --------
    >>> class Page(WidgetProtocol, AnyWidget):
    ...     @action("add_label", result="string[]")
    ...     def _on_add_label(self, *, label):
    ...         return self.add_label(label)
    """

    def mark(method: Callable) -> Callable:
        params = list(inspect.signature(method).parameters.values())[1:]  # after self
        positional = [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        if positional:
            raise TypeError(
                f"action {name!r}: the fields of {method.__name__} must be keyword-only "
                f"(after *), not {positional}"
            )
        # a function attribute marks the handler; mypy types functions without them
        method.__rw_action__ = Action(  # type: ignore[attr-defined]
            name=name,
            method=method.__name__,
            required=frozenset(p.name for p in params if p.default is inspect.Parameter.empty),
            optional=frozenset(p.name for p in params if p.default is not inspect.Parameter.empty),
            result=result,
        )
        return method

    return mark


def actions_of(cls: type) -> dict[str, Action]:
    """The actions ``cls`` answers (its own and inherited), by name."""
    found: dict[str, Action] = {}
    for klass in reversed(cls.__mro__):
        for value in vars(klass).values():
            spec = getattr(value, "__rw_action__", None)
            if isinstance(spec, Action):
                found[spec.name] = spec
    return found


def intents(cls: type) -> dict[str, set[str]]:
    """The intents a widget class accepts: action name -> its field names.

    >>> intents(DatasetList)["open"]
    {'name', 'workspace'}
    """
    return {name: set(spec.fields) for name, spec in sorted(actions_of(cls).items())}


def _names(fields: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(fields)) if fields else "none"


class ReadOnlyTraitError(AttributeError):
    """A trait the kernel computes was assigned from Python."""


class _WidgetParts(traitlets.HasTraits):
    """What the mixin uses of ``ipywidgets.Widget``, for the type checker only: ipywidgets
    ships no types, and the mixin is always used with ``AnyWidget`` (a Widget) after it."""

    if TYPE_CHECKING:
        comm: Any  # the open Comm, or None once closed (or before a front end connects)
        keys: list[str]  # the synced traits' names

        def hold_sync(self) -> AbstractContextManager[None]: ...

        def set_state(self, sync_data: dict) -> None: ...

        def send_state(self, key: str | list[str] | None = None) -> None: ...

        def send(self, content: dict, buffers: list | None = None) -> None: ...

        def on_msg(
            self, callback: Callable[[Any, Any, Any], None], remove: bool = False
        ) -> None: ...


class WidgetProtocol(_WidgetParts):
    """The message plumbing shared by the dataset page, the dataset list and the home
    page: intents in, replies out (message and ``_acks``), ``hello``, and traits the
    kernel owns. Mixed in before ``AnyWidget``."""

    _acks = traitlets.Dict().tag(sync=True)

    _actions: ClassVar[dict[str, Action]] = {}
    #: traits a person changes in the browser; any other trait in a browser update is
    #: ignored (the kernel owns it).
    _browser_writable: ClassVar[frozenset[str]] = frozenset()
    #: trait -> what to call instead of assigning it from Python.
    _kernel_owned: ClassVar[dict[str, str]] = {
        "_acks": "nothing: it holds the replies to the browser's intents"
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._actions = actions_of(cls)

    # --- traits the kernel owns ----------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        hint = self._kernel_owned.get(name)
        if hint is not None:
            raise ReadOnlyTraitError(
                f"{type(self).__name__}.{name} is computed by the kernel and cannot be "
                f"assigned; {hint}"
            )
        super().__setattr__(name, value)

    def _publish(self, **values: Any) -> None:
        """Set traits the kernel computes (one ``update`` message for all of them)."""
        with self.hold_sync():
            for name, value in values.items():
                self.set_trait(name, value)

    def set_state(self, sync_data: dict) -> None:
        """A state update from the browser: only the traits a person changes are taken."""
        ignored = set(sync_data) - self._browser_writable
        if ignored:
            logger.debug("%s: ignored browser writes to %s", type(self).__name__, sorted(ignored))
        super().set_state({k: v for k, v in sync_data.items() if k in self._browser_writable})

    # --- intents ---------------------------------------------------------------------------
    def _listen(self) -> None:
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "action":
            return
        request = content.get("request")
        reply: dict[str, Any]
        try:
            reply = {"request": request, "ok": True, "result": self._dispatch(content)}
        except StalePageError as exc:  # positions from before a deletion: redraw the page
            self._after_stale()
            reply = {"request": request, "ok": False, "error": str(exc), "stale": True}
        except (ValueError, TypeError, RubrixWidgetsError) as exc:
            reply = {"request": request, "ok": False, "error": str(exc)}
        except Exception as exc:  # the browser must always get an answer
            logger.exception("%s: action %r failed", type(self).__name__, content.get("action"))
            reply = {"request": request, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            self._reply(reply)  # the answer first: settling a write may take a while
        finally:
            self._after_message()

    def _dispatch(self, content: dict) -> Any:
        name = content.get("action")
        spec = self._actions.get(name) if isinstance(name, str) else None
        if spec is None:
            raise ValueError(
                f"unknown action {name!r}; allowed actions: {', '.join(sorted(self._actions))}"
            )
        fields = {k: v for k, v in content.items() if k not in ENVELOPE}
        unknown = set(fields) - spec.fields
        if unknown:
            raise ValueError(
                f"action {name!r} got unknown field(s) {_names(unknown)}; its fields are: "
                f"{_names(spec.fields)}"
            )
        missing = spec.required - set(fields)
        if missing:
            raise ValueError(
                f"action {name!r} needs field(s) {_names(missing)}; its fields are: "
                f"{_names(spec.fields)}"
            )
        return getattr(self, spec.method)(**fields)

    def _reply(self, reply: dict[str, Any]) -> None:
        """Answer in state first (it survives a lost message), then as a message."""
        kept = {str(k): v for k, v in self._acks.items() if str(k) != str(reply["request"])}
        kept[str(reply["request"])] = reply
        self._publish(_acks=_bounded(kept))
        if self.comm is not None:
            self.send({"type": "ack", **reply})

    def _after_stale(self) -> None:
        """Called after an intent was refused as stale (the page redraws)."""

    def _after_message(self) -> None:
        """Called after every intent, answered or not (the page settles its writes)."""

    @action("hello", result="true")
    def _on_hello(self) -> bool:
        """A view was just rendered: send it the whole current state (a view made after
        the kernel computed something must show it; custom messages sent before it
        connected are lost). Not the front-end code (``_esm``, ``_css``): marimo takes it
        as a reload, which it can register only while a cell runs."""
        self.send_state(key=[k for k in self.keys if k not in ("_esm", "_css")])
        return True


def _bounded(acks: dict[str, dict]) -> dict[str, dict]:
    """The newest replies: at most :data:`MAX_ACKS`, and within :data:`ACKS_BUDGET` bytes
    (a long full text must not make every later ack carry it); the newest always stays."""
    items = list(acks.items())[-MAX_ACKS:]
    sizes = [len(orjson.dumps(reply, default=str)) for _, reply in items]
    while len(items) > 1 and sum(sizes) > ACKS_BUDGET:
        items.pop(0)
        sizes.pop(0)
    return dict(items)
