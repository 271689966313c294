"""Rubrix's "Dataset settings" guide (docs/guides/dataset_settings.ipynb), its one code cell.

Source: argilla-io/argilla, ``docs/guides/dataset_settings.ipynb`` at commit
3288e6373817fdb8a2bb35d5481ee3c48ca9b283 (the Rubrix-era text, ``import rubrix as rb``).
Nothing is swapped.
"""

DEFINE_A_LABELING_SCHEMA = [
    (
        "configure a labeling schema",
        """
import rubrix_widgets as rb

# Define labeling schema
settings = rb.TextClassificationSettings(labels_schema=["A", "B", "C"])

# Apply seetings to a new or already existing dataset
rb.configure_dataset(name="my_dataset", settings=settings)
""",
    ),
]

SECTIONS = {"Define a labeling schema": DEFINE_A_LABELING_SCHEMA}
