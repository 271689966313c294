"""rubrix_widgets: explore and annotate NLP data inside the notebook, with no server.

    >>> import rubrix_widgets as rb
    >>> record = rb.TextClassificationRecord(text="Great movie!", prediction=[("pos", 0.9)])
    >>> rb.log(record, "reviews")
    >>> rb.load("reviews", query="predicted_as:pos")

Code written for the Rubrix client (``import rubrix as rb``) runs unchanged:
datasets live in a local workspace folder (see :func:`init`).
"""

from .client import (
    configure_dataset,
    copy,
    create_snapshot,
    datasets,
    delete,
    delete_records,
    get_workspace,
    init,
    load,
    load_dataset_settings,
    log,
    log_async,
    set_workspace,
    snapshots,
)
from .errors import NotFoundError, QuerySyntaxError, RubrixWidgetsError, StorageError
from .home import home
from .settings import TextClassificationSettings, TokenClassificationSettings
from .show import show
from .vector_client import add_vectors, find_duplicates, suggest

__version__ = "0.1.0"

# Record and dataset classes are pydantic models; importing them costs a third
# of a second, which a process that only loads and searches data never pays.
_LAZY = {
    "BulkResponse": "records",
    "Text2TextRecord": "records",
    "TextClassificationRecord": "records",
    "TokenAttributions": "records",
    "TokenClassificationRecord": "records",
    "DatasetForText2Text": "dataset_classes",
    "DatasetForTextClassification": "dataset_classes",
    "DatasetForTokenClassification": "dataset_classes",
    "read_datasets": "dataset_classes",
    "read_pandas": "dataset_classes",
    "listener": "listeners",
    "Metrics": "listeners",
    "RBListenerContext": "listeners",
    "Search": "listeners",
    "monitor": "monitoring",
    "SentenceEmbedder": "vectors.embedder",
}
# Submodules reached as attributes, Rubrix style: rb.metrics.commons.text_length(...),
# rb.labeling.text_classification.WeakLabels(...), rb.monitoring.flush().
_SUBMODULES = {"labeling", "listeners", "metrics", "monitoring"}


def __getattr__(name: str):
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)  # which sets globals()[name]
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rubrix_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)


__all__ = [
    "BulkResponse",
    "DatasetForText2Text",
    "DatasetForTextClassification",
    "DatasetForTokenClassification",
    "Metrics",
    "NotFoundError",
    "QuerySyntaxError",
    "RBListenerContext",
    "RubrixWidgetsError",
    "Search",
    "SentenceEmbedder",
    "StorageError",
    "Text2TextRecord",
    "TextClassificationRecord",
    "TextClassificationSettings",
    "TokenAttributions",
    "TokenClassificationRecord",
    "TokenClassificationSettings",
    "__version__",
    "add_vectors",
    "configure_dataset",
    "copy",
    "create_snapshot",
    "datasets",
    "delete",
    "delete_records",
    "find_duplicates",
    "get_workspace",
    "home",
    "init",
    "labeling",
    "listener",
    "listeners",
    "load",
    "load_dataset_settings",
    "log",
    "log_async",
    "metrics",
    "monitor",
    "monitoring",
    "read_datasets",
    "read_pandas",
    "set_workspace",
    "show",
    "snapshots",
    "suggest",
]
