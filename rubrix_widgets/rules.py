"""Old name of :mod:`rubrix_widgets.validation`, kept only while page_state/ still imports it.

Delete this file once ``page_state/actions.py`` and ``page_state/filters.py`` import
``validation`` instead (the name clashed with labeling's rules).
"""

from .validation import *  # noqa: F403
from .validation import STATUSES, check_label  # noqa: F401  (what page_state uses)
