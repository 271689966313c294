"""Rubrix's "Weak supervision" guide (docs/guides/weak-supervision.ipynb), code cells in order.

Source: argilla-io/argilla, ``docs/guides/weak-supervision.ipynb`` at commit
0ba1b2868416302bda690799fa3d0bd07c5c6a25 (the Rubrix-era text, ``import rubrix as rb``).

The guide reads the YouTube Spam Collection from ``../tutorials/data/*.csv``; the test writes
files of that name and those columns from real Rotten Tomatoes snippets (``label`` 1 for rotten,
0 for fresh, so "SPAM" and "HAM" name rotten and fresh here; -1 in the unlabelled train file).

Left out: ``%pip install snorkel scikit-learn -qqq``, ``%pip install snorkel -qqq``,
``%pip install flyingsquid pgmpy -qqq`` and ``!python -m pip install
git+https://github.com/autonlab/weasel#egg=weasel[all]`` (shell commands). snorkel and
flyingsquid are not installed here (snorkel pulls PyTorch), so Rubrix's ``Snorkel`` and
``FlyingSquid`` cells run as written and must fail the way Rubrix 0.18 does without them
(``ModuleNotFoundError`` naming the package); snorkel's own ``MajorityLabelVoter`` and the Weasel
end-to-end model (PyTorch, transformers, a model download) are small NumPy / scikit-learn
stand-ins from ``_standins.py`` with the interface the guide calls.
"""

RULES_AND_WEAK_LABELS = [
    (
        "load data",
        """
import pandas as pd

# load data
train_df = pd.read_csv('../tutorials/data/yt_comments_train.csv')  # swapped: the test wrote this file from real Rotten Tomatoes snippets with the YouTube file's columns
test_df = pd.read_csv('../tutorials/data/yt_comments_test.csv')  # swapped: as above, with labels 0/1

# preview data
train_df.head()
""",
    ),
    (
        "log records",
        """
import rubrix_widgets as rb

# build records from the train dataset
records = [
    rb.TextClassificationRecord(
        inputs=row.text,
        metadata={"video":row.video, "author": row.author}
    )
    for i,row in train_df.iterrows()
]

# build records from the test dataset with annotation
labels = ["HAM", "SPAM"]
records += [
    rb.TextClassificationRecord(
        inputs=row.text,
        annotation=labels[row.label],
        metadata={"video":row.video, "author": row.author}
    )
    for i,row in test_df.iterrows()
]

# log records to Rubrix
rb.log(records, name="weak_supervision_yt")
""",
    ),
    (
        "rules as queries",
        """
from rubrix_widgets.labeling.text_classification import Rule, WeakLabels

#  rules defined as Elasticsearch queries
check_out = Rule(query="check out", label="SPAM")
plz = Rule(query="plz OR please", label="SPAM")
subscribe = Rule(query="subscribe", label="SPAM")
my = Rule(query="my", label="SPAM")
song = Rule(query="song", label="HAM")
love = Rule(query="love", label="HAM")
""",
    ),
    (
        "rules as Python functions",
        """
import re

# rules defined as Python labeling functions
def contains_http(record: rb.TextClassificationRecord):
    if "http" in record.inputs["text"]:
        return "SPAM"

def short_comment(record: rb.TextClassificationRecord):
    return "HAM" if len(record.inputs["text"].split()) < 5 else None

def regex_check_out(record: rb.TextClassificationRecord):
    return "SPAM" if re.search(r"check.*out", record.inputs["text"], flags=re.I) else None
""",
    ),
    (
        "apply the rules",
        """
from rubrix_widgets.labeling.text_classification import load_rules

# bundle our rules in a list
rules = [check_out, plz, subscribe, my, song, love, contains_http, short_comment, regex_check_out]

# optionally add the rules defined in the web app UI
rules += load_rules(dataset="weak_supervision_yt")

# apply the rules to a dataset to obtain the weak labels
weak_labels = WeakLabels(
    rules=rules,
    dataset="weak_supervision_yt"
)
""",
    ),
    (
        "summary",
        """
# show some stats about the rules, see the `summary()` docstring for details
weak_labels.summary()
""",
    ),
]

A_SIMPLE_MAJORITY_VOTE = [
    (
        "majority vote model",
        """
MajorityLabelVoter = local.MajorityLabelVoter  # swapped: was `from snorkel.labeling.model import MajorityLabelVoter`; snorkel (PyTorch) cannot be installed here: a NumPy majority vote with its score/predict

# instantiate the majority vote label model
majority_model = MajorityLabelVoter()
""",
    ),
    (
        "score",
        """
# compute accuracy
majority_model.score(
    L=weak_labels.matrix(has_annotation=True),
    Y=weak_labels.annotation(),
    tie_break_policy="random",
)
# {'accuracy': 0.844}
""",
    ),
    (
        "training data",
        """
# get predictions for training a down-stream model
predictions = majority_model.predict(L=weak_labels.matrix(has_annotation=False))

# records for training
training_records = weak_labels.records(has_annotation=False)

# mask to ignore abstentions/tiebreaks
idx = predictions != -1

# combine records and predictions
training_data = pd.DataFrame(
    [
        {"text": rec.inputs["text"], "label": weak_labels.int2label[label]}
        for rec, label in zip(training_records, predictions)
    ]
)[idx]
""",
    ),
    (
        "preview training data",
        """
# preview training data
training_data
""",
    ),
]

LABEL_MODEL_WITH_SNORKEL = [
    (
        "fit Snorkel",
        """
from rubrix_widgets.labeling.text_classification import Snorkel

# we pass our WeakLabels instance to our Snorkel label model
snorkel_model = Snorkel(weak_labels)

# we fit the model
snorkel_model.fit(lr=0.001, n_epochs=50)
""",
    ),
    (
        "score Snorkel",
        """
# we check its performance
snorkel_model.score(tie_break_policy="abstain")
# {'accuracy': 0.848, ...}
""",
    ),
    (
        "Snorkel training data",
        """
# get your training records with the predictions of the label model
records_for_training = snorkel_model.predict()

# optional: log the records to a new dataset in Rubrix
rb.log(records_for_training, name="snorkel_results")

# extract training data
training_data = pd.DataFrame(
    [
        {"text": rec.inputs["text"], "label": rec.prediction[0][0]}
        for rec in records_for_training
    ]
)
""",
    ),
    (
        "preview Snorkel training data",
        """
# preview training data
training_data
""",
    ),
]

LABEL_MODEL_WITH_FLYINGSQUID = [
    (
        "fit FlyingSquid",
        """
from rubrix_widgets.labeling.text_classification import FlyingSquid

# we pass our WeakLabels instance to our FlyingSquid label model
flyingsquid_model = FlyingSquid(weak_labels)

# we fit the model
flyingsquid_model.fit()
""",
    ),
    (
        "score FlyingSquid",
        """
# we check its performance
flyingsquid_model.score(tie_break_policy="random")
# {'accuracy': 0.832, ...}
""",
    ),
    (
        "FlyingSquid training data",
        """
# get your training records with the predictions of the label model
records_for_training = flyingsquid_model.predict()

# log the records to a new dataset in Rubrix
rb.log(records_for_training, name="flyingsquid_results")

# extract training data
training_data = pd.DataFrame(
    [
        {"text": rec.inputs["text"], "label": rec.prediction[0][0]}
        for rec in records_for_training
    ]
)
""",
    ),
    (
        "preview FlyingSquid training data",
        """
# preview training data
training_data
""",
    ),
]

JOINT_MODEL_WITH_WEASEL = [
    (
        "weak labels again",
        """
# obtain our weak labels
weak_labels = WeakLabels(
    rules=rules,
    dataset="weak_supervision_yt"
)
""",
    ),
    (
        "end model",
        """
Transformers = local.weasel.Transformers  # swapped: was `from weasel.models.downstream_models.transformers import Transformers`; PyTorch/transformers cannot be installed here: a scikit-learn end model

# instantiate our transformers end model
end_model = Transformers("google/electra-small-discriminator", num_labels=2)
""",
    ),
    (
        "Weasel model",
        """
Weasel = local.weasel.Weasel  # swapped: was `from weasel.models import Weasel`; trains the end model on the majority vote of the label matrix

# instantiate our weasel end-to-end model
weasel = Weasel(
    end_model=end_model,
    num_LFs=len(weak_labels.rules),
    n_classes=2,
    encoder={'hidden_dims': [32, 10]},
    optim_encoder={'name': 'adam', 'lr': 1e-4},
    optim_end_model={'name': 'adam', 'lr': 5e-5},
)
""",
    ),
    (
        "data module",
        """
AutoTokenizer = local.weasel.AutoTokenizer  # swapped: was `from transformers import AutoTokenizer`; the tokenizer is a download
TransformersDataModule, TransformersCollator = local.weasel.TransformersDataModule, local.weasel.TransformersCollator  # swapped: was `from weasel.datamodules.transformers_datamodule import TransformersDataModule, TransformersCollator`

# tokenizer for our transformers end model
tokenizer = AutoTokenizer.from_pretrained("google/electra-small-discriminator")

# tokenize train and test data
X_train = [
    tokenizer(rec.inputs["text"], truncation=True)
    for rec in weak_labels.records(has_annotation=False)
]
X_test = [
    tokenizer(rec.inputs["text"], truncation=True)
    for rec in weak_labels.records(has_annotation=True)
]

# instantiate data module
datamodule = TransformersDataModule(
    label_matrix=weak_labels.matrix(has_annotation=False),
    X_train=X_train,
    collator=TransformersCollator(tokenizer),
    X_test=X_test,
    Y_test=weak_labels.annotation(),
    batch_size=8
)
""",
    ),
    (
        "train",
        """
pl = local.weasel.lightning  # swapped: was `import pytorch_lightning as pl`; its Trainer fits the scikit-learn stand-in

# instantiate the pytorch-lightning trainer
trainer = pl.Trainer(
    gpus=0,  # >= 1 to use GPU(s)
    max_epochs=2,
    logger=None,
    callbacks=[pl.callbacks.ModelCheckpoint(monitor="Val/accuracy", mode="max")]
)

# fit the model end-to-end
trainer.fit(
    model=weasel,
    datamodule=datamodule,
)
""",
    ),
    (
        "test",
        """
trainer.test()
# {'accuracy': 0.94, ...}
""",
    ),
    (
        "predict",
        """
# Example text for the inference
text = "In my head this is like 2 years ago.. Time FLIES"

# Get predictions for the example text
predicted_probs, predicted_label = weasel.predict(
    tokenizer(text, return_tensors="pt")
)

# Map predicted int to label
weak_labels.int2label[int(predicted_label)]  # HAM
""",
    ),
    (
        "pipeline",
        """
pipeline = local.weasel.pipeline  # swapped: was `from transformers import pipeline`

# modify the id2label mapping of the model
weasel.end_model.model.config.id2label = weak_labels.int2label

# create transformers pipeline
classifier = pipeline("text-classification", model=weasel.end_model.model, tokenizer=tokenizer)

# use pipeline for predictions
classifier(text)  # [{'label': 'HAM', 'score': 0.6110987663269043}]
""",
    ),
]

SECTIONS = {
    "1.-3. Dataset, rules and weak labels": RULES_AND_WEAK_LABELS,
    "4.1 A simple majority vote": A_SIMPLE_MAJORITY_VOTE,
    "4.2 Label model with Snorkel": LABEL_MODEL_WITH_SNORKEL,
    "4.3 Label model with FlyingSquid": LABEL_MODEL_WITH_FLYINGSQUID,
    "4.4 Joint Model with Weasel": JOINT_MODEL_WITH_WEASEL,
}
