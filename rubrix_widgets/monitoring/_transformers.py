"""Monitor a transformers text classification or zero-shot classification pipeline.

As in Rubrix 0.18: one text classification record per sampled input, with the
pipeline's labels and scores as the prediction, ``prediction_agent`` =
``model.config.name_or_path``, the call's ``metadata=``, the model config as dataset
metadata and ``name`` / ``transformers_version`` / ``model_type`` / ``task`` as dataset
tags. Zero-shot records also carry ``labels`` (the candidate labels) and
``hypothesis_template`` (``"@default"`` when not given) in their metadata; with
``multi_label=True`` they are multi-label records in the dataset ``<dataset>_multi``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._writer import LogBatch
from .base import BaseMonitor, build_records, per_input_metadata, utc_now

_LOGGER = logging.getLogger(__name__)


@dataclass
class _Prediction:
    inputs: Any  # str, or a dict of texts (text / text_pair)
    metadata: Any
    labels: list[tuple[str, float]]
    timestamp: dt.datetime


def _json_values(value: Any) -> Any:
    # a config dict has int keys (id2label) and the odd object; Rubrix sent it as JSON
    return json.loads(json.dumps(value, default=str))


class HuggingFaceMonitor(BaseMonitor):
    """Shared by the transformers monitors: the agent, the tags and the records."""

    @property
    def model_config(self) -> Any:
        return self.__wrapped__.model.config

    def _prepare_log_data(self, data: list[_Prediction], multi_label: bool = False) -> LogBatch:
        from ..records import TextClassificationRecord

        config = self.model_config
        agent = config.name_or_path

        def record(item: _Prediction) -> TextClassificationRecord:
            text = item.inputs if isinstance(item.inputs, str) else None
            return TextClassificationRecord(
                text=text,
                inputs=None if text is not None else item.inputs,
                prediction=item.labels,
                prediction_agent=agent,
                metadata=item.metadata or {},
                multi_label=multi_label,
                event_timestamp=item.timestamp,
            )

        name = self.dataset + ("_multi" if multi_label else "")
        records, failed = build_records(record, data, name)
        import transformers

        config_dict = config.to_dict()
        return LogBatch(
            name=name,
            records=records,
            tags={
                "name": config.name_or_path,
                "transformers_version": config_dict.get(
                    "transformers_version", transformers.__version__
                ),
                "model_type": config.model_type,
                "task": self.__wrapped__.task,
            },
            metadata=_json_values(config_dict),
            failed=failed,
        )


class TextClassificationMonitor(HuggingFaceMonitor):
    """A ``TextClassificationPipeline`` that logs a sample of its predictions."""

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(inputs, str | Mapping | list):
            # a generator or a dataset streams its results lazily: nothing to pair up here
            warn_unlogged_stream(self)
            return self.__wrapped__(inputs, *args, **kwargs)
        single = not isinstance(inputs, list)
        batch = [inputs] if single else inputs
        metadata = per_input_metadata(kwargs.pop("metadata", None), len(batch), "pipeline(...)")
        result = self.__wrapped__(inputs, *args, **kwargs)
        try:
            if single:
                # one input: a list of {label, score} (all labels with top_k=None), or
                # that list inside a list (return_all_scores=True in older releases)
                nested = isinstance(result, list) and result and isinstance(result[0], list)
                per_input = [result[0] if nested else result]
            else:
                per_input = result
            now = utc_now()
            sampled = [
                _Prediction(input_, meta, _label_scores(prediction), now)
                for input_, meta, prediction in zip(batch, metadata, per_input, strict=False)
                if self.is_record_accepted()
            ]
            if sampled:
                self.log_async(sampled)
        except Exception as exc:  # logging never costs the caller its predictions
            _LOGGER.error("Cannot log monitored predictions to %r: %s", self.dataset, exc)
        return result


def warn_unlogged_stream(monitor: BaseMonitor) -> None:
    """Say once per monitor that streamed inputs are not logged."""
    if getattr(monitor, "_self_warned_stream", False):
        return
    monitor._self_warned_stream = True
    warnings.warn(
        f"monitor of {monitor.dataset!r}: inputs given as a generator or dataset are not "
        "logged; call the pipeline with a str or a list of str to log a sample",
        stacklevel=3,
    )


def _label_scores(prediction: Any) -> list[tuple[str, float]]:
    if isinstance(prediction, Mapping):
        prediction = [prediction]
    return [(item["label"], float(item["score"])) for item in prediction]


class ZeroShotMonitor(HuggingFaceMonitor):
    """A ``ZeroShotClassificationPipeline`` that logs a sample of its predictions."""

    def __call__(self, sequences: Any, candidate_labels: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(sequences, str | list):
            warn_unlogged_stream(self)
            return self.__wrapped__(sequences, candidate_labels, *args, **kwargs)
        batch = sequences if isinstance(sequences, list) else [sequences]
        metadata = per_input_metadata(kwargs.pop("metadata", None), len(batch), "pipeline(...)")
        hypothesis_template = kwargs.get("hypothesis_template", "@default")
        multi_label = kwargs.get("multi_label", kwargs.get("multi_class", False))
        result = self.__wrapped__(sequences, candidate_labels, *args, **kwargs)
        try:
            per_input = result if isinstance(result, list) else [result]
            now = utc_now()
            sampled = []
            for input_, meta, prediction in zip(batch, metadata, per_input, strict=False):
                if not self.is_record_accepted():
                    continue
                meta = {
                    **(meta or {}),
                    "labels": candidate_labels,
                    "hypothesis_template": hypothesis_template,
                }
                labels = [
                    (label, float(score))
                    for label, score in zip(prediction["labels"], prediction["scores"], strict=True)
                ]
                sampled.append(_Prediction(input_, meta, labels, now))
            if sampled:
                self.log_async(sampled, multi_label=bool(multi_label))
        except Exception as exc:
            _LOGGER.error("Cannot log monitored predictions to %r: %s", self.dataset, exc)
        return result


def is_pipeline(model: Any) -> bool:
    """True for any transformers ``Pipeline`` (checked only when transformers is imported)."""
    if "transformers" not in sys.modules:
        return False
    from transformers import Pipeline

    return isinstance(model, Pipeline)


def huggingface_monitor(
    pl: Any, dataset: str, sample_rate: float, **options: Any
) -> HuggingFaceMonitor | None:
    """Wrap a text classification or zero-shot pipeline; None for other pipelines."""
    from transformers import TextClassificationPipeline, ZeroShotClassificationPipeline

    if isinstance(pl, TextClassificationPipeline):
        return TextClassificationMonitor(pl, dataset=dataset, sample_rate=sample_rate, **options)
    if isinstance(pl, ZeroShotClassificationPipeline):
        return ZeroShotMonitor(pl, dataset=dataset, sample_rate=sample_rate, **options)
    return None
