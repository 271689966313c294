"""A comm standing in for the browser: records what a widget sends, delivers what a
browser would send. Used by the widget tests and by widget_workers.py."""

from __future__ import annotations

import itertools


class FakeComm:
    kernel = "fake kernel"  # ipywidgets drops every message when comm.kernel is None
    _ids = itertools.count()

    def __init__(self, **kwargs):
        self.comm_id = f"fake-comm-{next(self._ids)}"
        self.opened = kwargs  # target_name, data={"state": ...}, metadata, buffers
        self.sent: list[dict] = []
        self.closed = False
        self._on_msg = None

    def send(self, data=None, metadata=None, buffers=None):
        self.sent.append(data)

    def on_msg(self, callback):
        self._on_msg = callback

    def on_close(self, callback):
        pass

    def close(self, data=None, metadata=None, buffers=None, deleting=False):
        self.closed = True

    def deliver(self, data: dict) -> None:
        """A message from the browser, as the kernel hands it to the widget."""
        self._on_msg({"content": {"comm_id": self.comm_id, "data": data}, "buffers": []})
