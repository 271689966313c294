"""Old name of :mod:`rubrix_widgets.token_validation`, kept only while page_state/ and
tests/test_widget_crash.py still import it. Delete this file once they import
``token_validation``.
"""

from .token_validation import *  # noqa: F403
from .token_validation import check_spans, token_offsets  # noqa: F401  (what they use)
