"""Listeners: run code when a dataset changes (Rubrix's ``rubrix.listeners``).

``rb.listener`` is :func:`listener`; the module paths follow Rubrix's, so
``from rubrix_widgets.listeners import listener, RBListenerContext`` works as
``from rubrix.listeners import ...`` did.
"""

from .listener import RBDatasetListener, listener
from .models import Metrics, MissingQueryParamError, RBListenerContext, Search

__all__ = [
    "Metrics",
    "MissingQueryParamError",
    "RBDatasetListener",
    "RBListenerContext",
    "Search",
    "listener",
]
