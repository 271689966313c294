"""Notebook widgets (anywidget). The data layer never imports from here."""

from .dataset_list import DatasetList, Home
from .dataset_page import DatasetPage

__all__ = ["DatasetList", "DatasetPage", "Home"]
