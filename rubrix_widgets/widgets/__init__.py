"""Notebook widgets (anywidget): the AnyWidget classes, their protocol with the front
end, and the loading of their bundles. Their kernel-side state lives in ``page_state``;
the data layer never imports from here."""

from .dataset_list import DatasetList
from .dataset_page import DatasetPage
from .home_page import Home

__all__ = ["DatasetList", "DatasetPage", "Home"]
