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


# -- reading what a widget sent, and acting as the browser -------------------------------------
_requests = itertools.count(1)


def acks(widget) -> list[dict]:
    """The acknowledgements the widget sent since its comm was last cleared."""
    return [
        m["content"]
        for m in widget.comm.sent
        if m["method"] == "custom" and m["content"].get("type") == "ack"
    ]


def updates(widget) -> list[dict]:
    """The state of every ``update`` message sent since the comm was last cleared."""
    return [m["state"] for m in widget.comm.sent if m["method"] == "update"]


def synced(widget, name: str):
    """The last value of trait ``name`` the browser was sent."""
    values = [state[name] for state in updates(widget) if name in state]
    assert values, f"no update message carried {name!r}"
    return values[-1]


def act(widget, action: str, via_comm: bool = False, **fields) -> dict:
    """Send one action message as the browser does; return its (single) ack.

    ``via_comm`` delivers it through the comm (the whole ipywidgets path) instead of
    calling the widget's message handler directly."""
    widget.comm.sent.clear()
    request = f"test:{next(_requests)}"  # "<view id>:<n>", as the front end numbers them
    content = {"type": "action", "request": request, "action": action, **fields}
    if via_comm:
        widget.comm.deliver({"method": "custom", "content": content})
    else:
        widget._on_message(widget, content, [])
    answers = acks(widget)
    assert len(answers) == 1, f"{action}: expected one ack, got {answers}"
    assert answers[0]["request"] == request
    return answers[0]
