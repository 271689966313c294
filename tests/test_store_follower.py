"""A page follows writes made elsewhere in this kernel until it is closed or its host is gone."""

from __future__ import annotations

import rubrix_widgets as rb
from rubrix_widgets.page_state.store_follower import StoreFollower
from rubrix_widgets.store import workspace as ws


class Page:
    """Stands in for a page: counts the changes it was told of, or fails like a dead host."""

    def __init__(self, fail: bool = False):
        self.told, self.fail = 0, fail

    def on_change(self) -> None:
        self.told += 1
        if self.fail:
            raise AttributeError(
                "'DocumentCallbackManager' object has no attribute '_change_callbacks'"
            )


def _log_one(text: str) -> None:
    rb.log(rb.TextClassificationRecord(text=text), "news", verbose=False)


def test_a_page_is_told_of_each_write_made_elsewhere():
    _log_one("first")
    page = Page()
    follower = StoreFollower(ws.existing("news").folder, page.on_change, lambda: False)
    _log_one("second")
    _log_one("third")
    assert page.told == 2
    follower.close()
    _log_one("fourth")
    assert page.told == 2


def test_a_page_whose_host_is_gone_stops_following_and_writes_go_on(caplog):
    _log_one("first")
    page = Page(fail=True)
    StoreFollower(ws.existing("news").folder, page.on_change, lambda: False)
    _log_one("second")  # the page fails to take it: it stops following, the write stands
    _log_one("third")
    assert page.told == 1
    assert len(rb.load("news")) == 3
    assert "stops following" in caplog.text
