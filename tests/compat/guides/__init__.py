"""The code cells of Rubrix's documentation guides, as the guides wrote them.

One module per guide. ``SECTIONS`` maps each of the guide's sections to its code cells, in
order, as ``(name, source)`` pairs; ``tests/compat/test_guides.py`` runs them in one namespace
the way a notebook kernel would and checks what the guide says each result is.

Every line is the guide's, with two kinds of change only:

- ``import rubrix as rb`` / ``from rubrix...`` became ``rubrix_widgets``;
- a line that needs the network (the Hugging Face Hub, a model download, ``pip install``) or
  the Rubrix web app is replaced, and carries a ``# swapped: <why>`` comment. The names such a
  line reads (``local.*``) are real data and small real models the test builds.

Cells that are shell commands (``%pip install ...``, ``!python -m spacy download ...``) are not
Python and are left out; each module's docstring says which packages they would install.
"""
