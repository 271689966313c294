"""A model of the Rubrix 0.x client's logging path, to time ``rb.log`` against.

    python benchmarks/rubrix_model.py                 # 20k records, 3 repeats
    python benchmarks/rubrix_model.py --n 50000 --repeats 2

``log_like_rubrix(frame, name)`` takes the DataFrame run.py's W1 logs and does
what ``rb.log(rb.read_pandas(frame, "TextClassification"), name)`` did in Rubrix
0.x (rubrix/client/datasets.py, client/models.py, client/api.py,
client/sdk/commons/api.py, client/sdk/text_classification/models.py), with the
same models rewritten for pydantic v2 (which validates faster than the v1 that
Rubrix used, so this favours the baseline):

client (this process)
  1. ``DatasetForTextClassification._from_pandas``: ``frame.to_dict("records")``,
     then ``TextClassificationRecord(**row)`` per row: the client record model
     with Rubrix's validators (``extra="forbid"``; metadata values cut to
     ``MAX_KEYWORD_LENGTH``; None metadata -> {}; agent-without-value warnings;
     NaT -> None; the ``text``/``inputs`` root validator; default status).
     Rubrix did not turn the NaN of a missing annotation into None (pydantic v1
     would have logged the string "nan"): a user had to; that is done here,
     vectorised, inside the timing.
  2. ``Api.log_async``: name checked against Rubrix's regex, ``list(records)``,
     then per chunk of 500 (``chunk_size=500``, the default):
     ``CreationTextClassificationRecord.from_client(r)`` for each record (SDK
     models: ``ClassPrediction`` with 0 <= score <= 1, ``TextClassificationAnnotation``
     with the agent, a uuid4 id default, event_timestamp to ISO format), wrapped in
     ``TextClassificationBulkData(tags, metadata, records)``, ``.dict(by_alias=True)``
     (here ``model_dump``), serialised to JSON as httpx's ``json=`` does, and POSTed to
     ``/api/datasets/{name}/TextClassification:bulk``; the reply is parsed into a
     ``BulkResponse`` and processed/failed are summed. Chunks go one after another,
     each waiting for its reply, as ``log_async``'s loop awaits each bulk.

server (another process, started before the timing)
  3. a stdlib ``ThreadingHTTPServer`` on loopback, HTTP/1.1 keep-alive: reads the
     body, ``json.loads`` it (as FastAPI does), validates it with a pydantic v2
     ``TextClassificationBulkRequest`` (the server's record model: labels sorted by
     score, scores in [0, 1], single-label records have one annotation label, every
     record of a bulk has the same ``multi_label``, metadata values cut, an id
     generated when missing), then builds each record's stored document as Rubrix's
     service layer did (the extended fields ``predicted_as``, ``annotated_as``,
     ``predicted_by``, ``annotated_by``, ``predicted`` ok/ko, ``score``, ``words``,
     ``last_updated``), serialises it to JSON as the Elasticsearch client does for a
     ``_bulk`` request and **appends it to a JSON-lines file** in a temporary folder
     (deleted afterwards), then answers ``{"dataset", "processed", "failed"}``.

Left out, all of it work Rubrix did on top (so the baseline is a lower bound):
Elasticsearch itself (parsing the ``_bulk`` body again, text analysis, the
inverted index, refresh, translog fsync), the server's dataset lookup and
creation, authentication (``whoami``) and workspace checks, the background
thread and event loop ``rb.log`` ran ``log_async`` in, httpx (a stdlib
``http.client`` keep-alive connection is cheaper than ``httpx``; older Rubrix
even opened an ``AsyncClient`` per chunk), the tqdm bar (``verbose=False``) and
the real network (loopback here). Client and server share this machine's cores,
as they would on a laptop running Rubrix's docker-compose.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HERE = Path(__file__).resolve().parent
MAX_KEYWORD_LENGTH = 128  # rubrix._constants
DATASET_NAME_REGEX_PATTERN = r"^(?!-|_)[a-z0-9-_]+$"
MACHINE_NAME = socket.gethostname()
CHUNK_SIZE = 500


def limit_value_length(data: Any, max_length: int) -> Any:
    """rubrix.utils.limit_value_length: keep the last ``max_length`` chars of strings."""
    if isinstance(data, str):
        return data[-max_length:]
    if isinstance(data, dict):
        return {k: limit_value_length(v, max_length) for k, v in data.items()}
    if isinstance(data, list | tuple | set):
        return type(data)(limit_value_length(v, max_length) for v in data)
    return data


# -- client models (rubrix.client.models) -----------------------------------------------------
class TokenAttributions(BaseModel):
    token: str
    attributions: dict[str, float] = Field(default_factory=dict)


class TextClassificationRecord(BaseModel):
    """rubrix.client.models.TextClassificationRecord (0.x, last form), in pydantic v2."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    inputs: str | list[str] | dict[str, str | list[str]] | None = None
    prediction: list[tuple[str, float]] | None = None
    prediction_agent: str | None = None
    annotation: str | list[str] | None = None
    annotation_agent: str | None = None
    multi_label: bool = False
    explanation: dict[str, list[TokenAttributions]] | None = None
    id: int | str | None = None
    metadata: dict[str, Any] | None = Field(default_factory=dict)
    status: str | None = None
    event_timestamp: dt.datetime | None = None
    metrics: dict[str, Any] | None = None
    search_keywords: list[str] | None = None

    @field_validator("metadata")
    @classmethod
    def _check_value_length(cls, v):
        new_metadata = limit_value_length(v, max_length=MAX_KEYWORD_LENGTH)
        if new_metadata != v:
            warnings.warn("Some metadata values exceed the max length.", stacklevel=2)
        return new_metadata

    @field_validator("metadata")
    @classmethod
    def _none_to_empty_dict(cls, v):
        return {} if v is None else v

    @field_validator("prediction_agent")
    @classmethod
    def _check_prediction_agent(cls, v, info):
        if v and info.data.get("prediction") is None:
            warnings.warn("You provided an `prediction_agent`, but no `prediction`.", stacklevel=2)
        return v

    @field_validator("annotation_agent")
    @classmethod
    def _check_annotation_agent(cls, v, info):
        if v and info.data.get("annotation") is None:
            warnings.warn("You provided an `annotation_agent`, but no `annotation`.", stacklevel=2)
        return v

    @field_validator("event_timestamp", mode="before")
    @classmethod
    def _nat_to_none(cls, v):
        return None if v is not None and v != v else v  # pandas NaT is not equal to itself

    @model_validator(mode="after")
    def _check_text_and_inputs(self):
        inputs, text = self.inputs, self.text
        if inputs is not None and not isinstance(inputs, dict):
            inputs = {"text": inputs}
        if (text is None and inputs is None) or (
            text is not None and inputs is not None and text != inputs.get("text")
        ):
            raise ValueError(
                "For a TextClassificationRecord you must provide either 'text' or 'inputs'"
            )
        if text is not None:
            inputs = {"text": text}
        elif len(inputs) == 1 and "text" in inputs:
            text = inputs["text"]
        self.inputs, self.text = inputs, text
        return self

    @model_validator(mode="after")
    def _check_and_update_status(self):
        self.status = self.status or ("Default" if self.annotation is None else "Validated")
        return self


class BulkResponse(BaseModel):
    dataset: str
    processed: int
    failed: int | None = 0


# -- SDK models (rubrix.client.sdk.*.models) ------------------------------------------------------
class TaskStatus(str, Enum):
    default = "Default"
    edited = "Edited"
    discarded = "Discarded"
    validated = "Validated"


class ClassPrediction(BaseModel):
    class_label: str | int = Field(alias="class")
    score: float = Field(default=1.0, ge=0.0, le=1.0)


class TextClassificationAnnotation(BaseModel):
    agent: str
    labels: list[ClassPrediction]


class CreationTextClassificationRecord(BaseModel):
    id: int | str | None = Field(default_factory=lambda: str(uuid.uuid4()))
    metadata: dict[str, Any] | None = None
    event_timestamp: dt.datetime | str | None = None
    status: TaskStatus | None = None
    prediction: TextClassificationAnnotation | None = None
    annotation: TextClassificationAnnotation | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, str | list[str]]
    multi_label: bool = False
    explanation: dict[str, list[TokenAttributions]] | None = None

    @field_validator("event_timestamp")
    @classmethod
    def datetime_to_isoformat(cls, v):
        return v.isoformat() if isinstance(v, dt.datetime) else v

    @classmethod
    def from_client(cls, record: TextClassificationRecord) -> CreationTextClassificationRecord:
        prediction = None
        if record.prediction is not None:
            prediction = TextClassificationAnnotation(
                labels=[
                    ClassPrediction(**{"class": label, "score": score})
                    for label, score in record.prediction
                ],
                agent=record.prediction_agent or MACHINE_NAME,
            )
        annotation = None
        if record.annotation is not None:
            labels = (
                record.annotation if isinstance(record.annotation, list) else [record.annotation]
            )
            annotation = TextClassificationAnnotation(
                labels=[ClassPrediction(**{"class": label}) for label in labels],
                agent=record.annotation_agent or MACHINE_NAME,
            )
        return cls(
            inputs=record.inputs,
            prediction=prediction,
            annotation=annotation,
            multi_label=record.multi_label,
            status=record.status,
            explanation=record.explanation,
            id=record.id,
            metadata=record.metadata,
            event_timestamp=record.event_timestamp,
        )


class TextClassificationBulkData(BaseModel):
    tags: dict[str, str] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    records: list[CreationTextClassificationRecord]


# -- the client path ------------------------------------------------------------------------------
def read_pandas(frame) -> list[TextClassificationRecord]:
    """``rb.read_pandas(frame, "TextClassification")`` (DatasetForTextClassification)."""
    unsupported = [c for c in frame.columns if c not in TextClassificationRecord.model_fields]
    if unsupported:
        frame = frame.drop(columns=unsupported)
    if "annotation" in frame.columns:  # the user's own step: NaN means no annotation
        frame = frame.assign(
            annotation=frame["annotation"].astype(object).where(frame["annotation"].notna(), None)
        )
    records = [TextClassificationRecord(**row) for row in frame.to_dict("records")]
    if any(type(r) is not TextClassificationRecord for r in records):  # DatasetBase.__init__
        raise TypeError("mixed record types")
    return records


def post_bulks(records, name: str, port: int, chunk_size: int = CHUNK_SIZE) -> BulkResponse:
    """``Api.log_async`` for text classification, over one keep-alive connection."""
    if not name or not re.match(DATASET_NAME_REGEX_PATTERN, name):
        raise ValueError(f"bad dataset name {name!r}")
    records = list(records)
    path = f"/api/datasets/{name}/TextClassification:bulk"
    headers = {"Content-Type": "application/json", "X-Rubrix-Api-Key": "rubrix.apikey"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    processed = failed = 0
    try:
        for i in range(0, len(records), chunk_size):
            body = TextClassificationBulkData(
                tags={},
                metadata={},
                records=[
                    CreationTextClassificationRecord.from_client(r)
                    for r in records[i : i + chunk_size]
                ],
            ).model_dump(by_alias=True)
            payload = json.dumps(
                body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")  # httpx's json= encoding
            connection.request("POST", path, body=payload, headers=headers)
            response = connection.getresponse()
            content = response.read()
            if not 200 <= response.status < 400:
                raise RuntimeError(f"bulk failed ({response.status}): {content[:500]!r}")
            parsed = BulkResponse(**json.loads(content))
            processed += parsed.processed
            failed += parsed.failed or 0
    finally:
        connection.close()
    return BulkResponse(dataset=name, processed=processed, failed=failed)


# -- server models (rubrix.server.apis.v0.models.text_classification) -------------------------
class ServerClassPrediction(BaseModel):
    class_label: str | int = Field(alias="class")
    score: float = Field(default=1.0, ge=0.0, le=1.0)


class ServerAnnotation(BaseModel):
    agent: str
    labels: list[ServerClassPrediction]

    @field_validator("labels")
    @classmethod
    def sort_labels(cls, labels):
        return sorted(labels, key=lambda x: x.score, reverse=True)


class ServerRecordInputs(BaseModel):
    id: int | str | None = None
    metadata: dict[str, Any] = Field(default=None)
    event_timestamp: dt.datetime | None = None
    status: TaskStatus | None = None
    prediction: ServerAnnotation | None = None
    annotation: ServerAnnotation | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, str | list[str]]
    multi_label: bool = False
    explanation: dict[str, list[TokenAttributions]] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def default_id_if_none_provided(cls, v):
        return str(uuid.uuid4()) if v is None else v

    @field_validator("metadata", mode="before")
    @classmethod
    def flatten_metadata(cls, metadata):
        return None if metadata is None else limit_value_length(metadata, MAX_KEYWORD_LENGTH)

    @model_validator(mode="after")
    def validate_record(self):
        if not self.multi_label and self.annotation is not None:
            assert len(self.annotation.labels) <= 1, (
                "Single label record must include only one label"
            )
        if self.status is None:
            self.status = TaskStatus.default if self.annotation is None else TaskStatus.validated
        return self


class TextClassificationBulkRequest(BaseModel):
    tags: dict[str, str] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    records: list[ServerRecordInputs]

    @field_validator("records")
    @classmethod
    def check_multi_label_integrity(cls, records):
        if records:
            multi_label = records[0].multi_label
            for record in records[1:]:
                assert multi_label == record.multi_label, (
                    "All records must be single/multi labelled"
                )
        return records


def stored_document(record: ServerRecordInputs, now: str) -> dict:
    """What the service layer handed to the Elasticsearch DAO for one record."""
    doc = record.model_dump(mode="json", by_alias=True)
    prediction, annotation = record.prediction, record.annotation
    if prediction is not None and prediction.labels:
        if record.multi_label:
            predicted_as = [str(p.class_label) for p in prediction.labels if p.score > 0.5]
        else:
            predicted_as = [str(prediction.labels[0].class_label)]
        doc["predicted_as"] = predicted_as
        doc["predicted_by"] = [prediction.agent]
        doc["score"] = (
            [p.score for p in prediction.labels]
            if record.multi_label
            else [prediction.labels[0].score]
        )
    else:
        predicted_as = []
        doc["predicted_as"], doc["predicted_by"], doc["score"] = [], [], None
    if annotation is not None:
        annotated_as = [str(a.class_label) for a in annotation.labels]
        doc["annotated_as"], doc["annotated_by"] = annotated_as, [annotation.agent]
        doc["predicted"] = "ok" if set(annotated_as) == set(predicted_as) else "ko"
    else:
        doc["annotated_as"], doc["annotated_by"], doc["predicted"] = [], [], None
    doc["words"] = {k: v if isinstance(v, str) else " ".join(v) for k, v in record.inputs.items()}
    doc["last_updated"] = now
    return doc


class BulkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like uvicorn
    store = None  # the JSON-lines file

    def do_POST(self):  # http.server calls do_<METHOD>
        length = int(self.headers["Content-Length"])
        raw = self.rfile.read(length)
        match = re.fullmatch(r"/api/datasets/([^/]+)/TextClassification:bulk", self.path)
        if match is None:
            return self._answer(404, {"detail": f"no route {self.path}"})
        try:
            bulk = TextClassificationBulkRequest.model_validate(json.loads(raw))
        except Exception as exc:  # FastAPI answers 422
            return self._answer(422, {"detail": str(exc)})
        now = dt.datetime.now(dt.timezone.utc).isoformat()
        lines = [json.dumps(stored_document(r, now)) for r in bulk.records]
        self.store.write("\n".join(lines) + "\n")
        self.store.flush()  # handed to the OS before the answer, as ES writes its translog
        self._answer(200, {"dataset": match.group(1), "processed": len(bulk.records), "failed": 0})

    def _answer(self, status: int, content: dict) -> None:
        body = json.dumps(content).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet
        pass


def serve(folder: str) -> None:
    """Run the server (in its own process): print the port, serve until killed."""
    with open(Path(folder) / "records.jsonl", "a", encoding="utf-8") as store:
        BulkHandler.store = store
        server = ThreadingHTTPServer(("127.0.0.1", 0), BulkHandler)
        print(server.server_address[1], flush=True)
        server.serve_forever()


class RubrixServer:
    """The model server in another process (started outside any timing)."""

    def __enter__(self) -> RubrixServer:
        self.folder = tempfile.mkdtemp(prefix="rubrix-model-")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", self.folder],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.process.stdout.readline())
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)

    def stored(self) -> int:
        """Records stored since the last :meth:`clear`."""
        with open(Path(self.folder) / "records.jsonl", "rb") as store:
            return sum(1 for _ in store)

    def clear(self) -> None:
        """Drop what earlier calls stored (the server appends to the file: it just goes on)."""
        os.truncate(Path(self.folder) / "records.jsonl", 0)


def log_like_rubrix(frame, name: str, server: RubrixServer | None = None) -> float:
    """Seconds Rubrix 0.x's client would take to log ``frame`` (server start-up excluded).

    Starts (and stops) its own server unless one is given; with one given, what
    earlier calls stored is dropped first (outside the timing) and the stored record
    count is checked afterwards (also outside).
    """
    if server is None:
        with RubrixServer() as own:
            return log_like_rubrix(frame, name, own)
    server.clear()
    start = time.perf_counter()
    records = read_pandas(frame)
    response = post_bulks(records, name, server.port)
    elapsed = time.perf_counter() - start
    assert response.processed == len(frame) and not response.failed, response
    assert server.stored() == len(frame)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    sys.path.insert(0, str(HERE))
    import bench_data
    from run import fmt

    import rubrix_widgets as rb

    frame = bench_data.records_frame(args.n)
    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-rubrix-"))
    ours, theirs = [], []
    try:
        with RubrixServer() as server:
            for r in range(args.repeats):
                theirs.append(log_like_rubrix(frame, "rubrix-model", server))
                rb.init(workspace=scratch / f"ws-{r}")
                start = time.perf_counter()
                rb.log(frame, "rubrix-model", verbose=False)
                ours.append(time.perf_counter() - start)
                shutil.rmtree(scratch / f"ws-{r}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    speedup = [t / o for t, o in zip(theirs, ours, strict=True)]
    print(f"{args.n:,} records, {args.repeats} repeats, median (min–max)")
    print(f"Rubrix 0.x client model (pydantic + JSON + HTTP bulks of 500): {fmt(theirs)}")
    print(f"rb.log(DataFrame):                                              {fmt(ours)}")
    print(f"rb.log speed-up over the model: {fmt(speedup, '×')} (goal ≥ 5×)")


if __name__ == "__main__":
    main()
