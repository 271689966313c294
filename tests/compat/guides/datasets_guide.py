"""Rubrix's "Datasets" guide (docs/guides/datasets.ipynb), code cells in order.

Source: argilla-io/argilla, ``docs/guides/datasets.ipynb`` at commit
1d6e707c5b586a93726789edc5632f1ee005766b (the Rubrix-era text, ``import rubrix as rb``).

The guide leaves ``my_records``, ``my_dataframe`` and ``my_dataset`` to the reader: the test
defines them from real reviews. Data sets it loads from the Hugging Face Hub are served by
``local.load_dataset`` (real local data with the same columns and features), and pushing to
the Hub becomes saving to a local folder that ``local.load_dataset`` reads back.
"""

WORKING_WITH_A_DATASET = [
    (
        "loop, index and log",
        """
import rubrix_widgets as rb

# Start with a list of Rubrix records
dataset_rb = rb.DatasetForTextClassification(my_records)

# Loop over the dataset
for record in dataset_rb:
    print(record)

# Index into the dataset
dataset_rb[0] = rb.TextClassificationRecord(text="replace record")

# log a dataset to the Rubrix web app
rb.log(dataset_rb, "my_dataset")
""",
    ),
]

IMPORTING_FROM_OTHER_FORMATS = [
    (
        "from pandas and datasets",
        """
import rubrix_widgets as rb

# import data from a pandas DataFrame
dataset_rb = rb.read_pandas(my_dataframe, task="TextClassification")
# or
dataset_rb = rb.DatasetForTextClassification.from_pandas(my_dataframe)

# import data from a datasets Dataset
dataset_rb = rb.read_datasets(my_dataset, task="TextClassification")
# or
dataset_rb = rb.DatasetForTextClassification.from_datasets(my_dataset)
""",
    ),
    (
        "helper arguments for Hub data sets",
        """
import rubrix_widgets as rb
load_dataset = local.load_dataset  # swapped: was `from datasets import load_dataset`; no Hugging Face Hub here; serves real local data with the columns and features of each named data set

# the "poem_sentiment" dataset has columns "verse_text" and "label"
dataset_rb = rb.DatasetForTextClassification.from_datasets(
    dataset=load_dataset("poem_sentiment", split="test"),
    text="verse_text",
    annotation="label",
)

# the "snli" dataset has the columns "premise", "hypothesis" and "label"
dataset_rb = rb.DatasetForTextClassification.from_datasets(
    dataset=load_dataset("snli", split="test"),
    inputs=["premise", "hypothesis"],
    annotation="label",
)

# the "conll2003" dataset has the columns "id", "tokens", "pos_tags", "chunk_tags" and "ner_tags"
rb.DatasetForTokenClassification.from_datasets(
    dataset=load_dataset("conll2003", split="test"),
    tags="ner_tags",
)

# the "xsum" dataset has the columns "id", "document" and "summary"
rb.DatasetForText2Text.from_datasets(
    dataset=load_dataset("xsum", split="test"),
    text="document",
    annotation="summary",
)
""",
    ),
]

SHARING_VIA_THE_HUB = [
    (
        "export and push to the Hub",
        """
import rubrix_widgets as rb

# load your annotated dataset from the Rubrix web app
dataset_rb = rb.load("my_dataset", as_pandas=False)

# export your Rubrix Dataset to a datasets Dataset
dataset_ds = dataset_rb.to_datasets()

# push the dataset to the Hugging Face Hub
dataset_ds.save_to_disk(local.hub / "user" / "my_dataset")  # swapped: was `dataset_ds.push_to_hub("my_dataset")`; no Hub here, a local folder stands in for it
""",
    ),
    (
        "download from the Hub and log",
        """
load_dataset = local.load_dataset  # swapped: was `from datasets import load_dataset`; reads "user/my_dataset" back from the local folder above

# download the dataset from the Hugging Face Hub
dataset_ds = load_dataset("user/my_dataset", split="train")

# read in dataset, assuming its a dataset for text classification
dataset_rb = rb.read_datasets(dataset_ds, task="TextClassification")

# log the dataset to the Rubrix web app
rb.log(dataset_rb, "dataset_by_user")
""",
    ),
]

PREPARE_DATASET_FOR_TRAINING = [
    (
        "text classification",
        """
dataset_rb = rb.DatasetForTextClassification([
    rb.TextClassificationRecord(inputs={"title": "My title", "content": "My content"}, annotation="news")
])

dataset_rb.prepare_for_training()[0]
# Output:
# {'title': 'My title', 'content': 'My content', 'label': 0}
""",
    ),
    (
        "token classification",
        """
dataset_rb = rb.DatasetForTokenClassification([
    rb.TokenClassificationRecord(text="I live in Madrid", tokens=["I", "live", "in", "Madrid"], annotation=[("LOC", 10, 15)])
])

dataset_rb.prepare_for_training()[0]
# Output:
# {..., 'tokens': ['I', 'live', 'in', 'Madrid'], 'ner_tags': [0, 0, 0, 1], ...}
""",
    ),
]

SECTIONS = {
    "Working with a Dataset": WORKING_WITH_A_DATASET,
    "Importing from other formats": IMPORTING_FROM_OTHER_FORMATS,
    "Sharing via the Hugging Face Hub": SHARING_VIA_THE_HUB,
    "Prepare dataset for training": PREPARE_DATASET_FOR_TRAINING,
}
