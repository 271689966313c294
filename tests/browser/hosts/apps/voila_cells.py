"""The Voila app's cells (``conftest.py`` writes them into a notebook at server start).

Every page load runs them in a fresh kernel: the reviews page, the home list, the
NER page and the Text2Text page, each a cell's output. ``RUBRIX_WIDGETS_HOME``
(set by the server) is the host's workspace.
"""

CELLS = [
    'import rubrix_widgets as rb\nrb.init(annotator="ada")',
    'page = rb.show("reviews", mode="annotate", page_size=10)\npage',
    "home = rb.home()\nhome",
    'ner = rb.show("ner", mode="annotate", page_size=4)\nner',
    'replies = rb.show("replies", mode="annotate", page_size=4)\nreplies',
]
