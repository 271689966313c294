"""Log the requests and responses of a prediction endpoint of your own ASGI app.

``RubrixLogHTTPMiddleware`` is a starlette middleware (FastAPI apps take it with
``app.add_middleware``): for every JSON ``POST`` to ``api_endpoint`` that succeeds, each
item of the request body and the matching item of the response body go through
``records_mapper`` into a record, logged to ``dataset`` in the background with the
request's URL as ``prediction_agent``. It needs no server of ours: it wraps your app.

    >>> from fastapi import FastAPI
    >>> from rubrix_widgets.monitoring.asgi import (
    ...     RubrixLogHTTPMiddleware, text_classification_mapper)
    >>> app = FastAPI()
    >>> app.add_middleware(RubrixLogHTTPMiddleware, api_endpoint="/predict",
    ...                    dataset="predictions", records_mapper=text_classification_mapper)
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Callable
from typing import Any

try:
    import starlette  # noqa: F401 - Rubrix's import check, with its message
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "'starlette' must be installed to use the middleware feature! "
        "You can install 'starlette' with the command: `pip install starlette>=0.13.0`"
    ) from None

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from ..records import TextClassificationRecord, TokenClassificationRecord
from ..store import workspace as ws
from ._writer import LogBatch, RecordWriter
from .base import build_records

_logger = logging.getLogger(__name__)
_spaces_regex = re.compile(r"\s+")


def token_classification_mapper(inputs: Any, outputs: Any) -> TokenClassificationRecord:
    """A request item (a text, or ``{"text": ...}``) and its response item (a list of
    ``{"label", "start", "end"}`` entities, or ``{"entities": [...], "tokens": [...]}``)
    as a token classification record. Without tokens, the text is split on white space."""
    if isinstance(inputs, str):
        text = inputs
    elif isinstance(inputs, dict):
        text = inputs.get("text", "")
    else:
        text = ""
    tokens = outputs.get("tokens") if isinstance(outputs, dict) else None
    entities = outputs.get("entities") if isinstance(outputs, dict) else outputs
    if entities is None:
        raise TypeError("the response holds no entities (a list of label/start/end dicts)")
    return TokenClassificationRecord(
        text=text,
        tokens=tuple(tokens or _spaces_regex.split(text)),
        prediction=[(entity["label"], entity["start"], entity["end"]) for entity in entities],
        event_timestamp=datetime.datetime.now(),
    )


def text_classification_mapper(inputs: Any, outputs: Any) -> TextClassificationRecord:
    """A request item (a text or a dict of texts) and its response item
    (``{"labels": [...], "scores": [...]}``) as a text classification record."""
    text = inputs if isinstance(inputs, str) else None  # same record, without str-inputs warning
    return TextClassificationRecord(
        text=text,
        inputs=None if text is not None else inputs,
        prediction=[
            (label, score)
            for label, score in zip(outputs.get("labels", []), outputs.get("scores", []))  # noqa: B905 - Rubrix pairs them as zip does
        ],
        event_timestamp=datetime.datetime.now(),
    )


class RubrixLogHTTPMiddleware(BaseHTTPMiddleware):
    """A starlette middleware that logs the predictions an endpoint of the app returns.

    Parameters
    ----------
    app : ASGI app
        Given by starlette (``app.add_middleware`` passes it).
    api_endpoint : str
        The path whose requests are logged, e.g. ``"/predict"``.
    dataset : str
        The dataset to log to.
    records_mapper : callable, optional
        ``(request item, response item) -> record or None``; default
        :func:`text_classification_mapper`.
    """

    def __init__(
        self,
        app: ASGIApp,
        api_endpoint: str,
        dataset: str,
        records_mapper: Callable[[Any, Any], Any] | None = None,
    ):
        super().__init__(app)
        self._endpoint = api_endpoint
        self._dataset = ws.check_name(dataset)
        self._records_mapper = records_mapper or text_classification_mapper
        self._writer = RecordWriter()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self._endpoint != request.url.path:
            return await call_next(request)
        content_type = request.headers.get("Content-type") or ""
        if "application/json" not in content_type:
            return await call_next(request)
        # starlette hands the body read here on to the endpoint
        try:
            inputs = await request.json()
        except ValueError:  # not JSON after all: the endpoint answers it, nothing to log
            return await call_next(request)
        response = await call_next(request)
        if response.status_code >= 400:
            return response
        body = b""
        # starlette types call_next as giving a Response; it gives a streaming one
        async for chunk in response.body_iterator:  # type: ignore[attr-defined]
            body += chunk if isinstance(chunk, bytes) else chunk.encode(response.charset)
        new_response = Response(
            content=body,
            status_code=response.status_code,
            headers=dict(response.headers),
            media_type=response.media_type,
            background=response.background,
        )
        try:
            outputs = json.loads(body)
            url = str(request.url)
            self._writer.submit(lambda: self._prepare(inputs, outputs, url))
        except Exception as ex:
            _logger.error("Cannot log to rubrix", exc_info=ex)
        return new_response

    def _prepare(self, inputs: Any, outputs: Any, url: str) -> LogBatch:
        if not isinstance(inputs, list):
            # one item per request (Rubrix expected lists only and zipped a dict's keys)
            inputs, outputs = [inputs], [outputs]
        pairs = list(zip(inputs, outputs))  # noqa: B905 - Rubrix pairs them as zip does
        records, failed = build_records(
            lambda pair: self._records_mapper(*pair), pairs, self._dataset
        )
        records = [record for record in records if record]
        for record in records:
            record.prediction_agent = url
        return LogBatch(name=self._dataset, records=records, tags={}, failed=failed)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the logged requests are written; False on timeout."""
        return self._writer.flush(timeout)
