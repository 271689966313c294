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
    get_workspace,
    init,
    load,
    load_dataset_settings,
    log,
    snapshots,
)
from .dataset_classes import (
    DatasetForText2Text,
    DatasetForTextClassification,
    DatasetForTokenClassification,
    read_datasets,
    read_pandas,
)
from .errors import NotFoundError, QuerySyntaxError, RubrixWidgetsError, StorageError
from .home import home
from .records import (
    BulkResponse,
    Text2TextRecord,
    TextClassificationRecord,
    TokenAttributions,
    TokenClassificationRecord,
)
from .settings import TextClassificationSettings, TokenClassificationSettings
from .show import show

__version__ = "0.1.0"

__all__ = [
    "BulkResponse",
    "DatasetForText2Text",
    "DatasetForTextClassification",
    "DatasetForTokenClassification",
    "NotFoundError",
    "QuerySyntaxError",
    "RubrixWidgetsError",
    "StorageError",
    "Text2TextRecord",
    "TextClassificationRecord",
    "TextClassificationSettings",
    "TokenAttributions",
    "TokenClassificationRecord",
    "TokenClassificationSettings",
    "__version__",
    "configure_dataset",
    "copy",
    "create_snapshot",
    "datasets",
    "delete",
    "get_workspace",
    "home",
    "init",
    "load",
    "load_dataset_settings",
    "log",
    "read_datasets",
    "read_pandas",
    "show",
    "snapshots",
]
