"""The private Scrapy names newscrawl uses: pinned against the installed Scrapy, and each
user refuses to start, with one clear line, when an upgrade moves one."""

from __future__ import annotations

import inspect
import sys

import pytest
from scrapy.core import downloader, engine
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl import scrapy_private
from newscrawl.scrapy_private import ScrapyInternalsChanged


def test_the_installed_scrapy_has_every_private_name_in_the_expected_shape():
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded

    error = _DecompressionMaxSizeExceeded(11, 10)
    assert isinstance(error, ValueError)
    assert (error.decompressed_size, error.max_size) == (11, 10)
    assert isinstance(inspect.getattr_static(HttpCompressionMiddleware, "_decode"), staticmethod)
    assert list(inspect.signature(HttpCompressionMiddleware._decode).parameters) == [
        "body",
        "encoding",
        "max_size",
    ]
    slot = downloader.Slot(1, 0.0)
    assert slot.lastseen == 0
    slot.lastseen = 5.0  # the retry back-off pushes it into the future
    assert "_slot" in engine.ExecutionEngine.__init__.__code__.co_names
    assert {"inprogress", "nextcall"} <= set(engine._Slot.__init__.__code__.co_names)
    assert callable(engine._Slot._maybe_fire_closing)
    # And the checks agree.
    assert scrapy_private.decompression_max_size_exceeded("t") is _DecompressionMaxSizeExceeded
    scrapy_private.require_decode_hook("t")
    scrapy_private.require_download_slot_lastseen("t")
    scrapy_private.require_engine_slot("t")


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_a_moved_compression_error_stops_the_limits_middleware(monkeypatch):
    monkeypatch.setitem(sys.modules, "scrapy.utils._compression", None)
    with pytest.raises(ScrapyInternalsChanged) as exc:
        scrapy_private.decompression_max_size_exceeded("newscrawl.middlewares.limits")
    assert "_DecompressionMaxSizeExceeded" in _one_line(exc)
    assert "newscrawl.middlewares.limits" in str(exc.value)


def test_a_changed_decode_hook_is_refused(monkeypatch):
    monkeypatch.setattr(HttpCompressionMiddleware, "_decode", lambda self, body: body)
    with pytest.raises(ScrapyInternalsChanged) as exc:
        scrapy_private.require_decode_hook("newscrawl.middlewares.limits")
    assert "_decode" in _one_line(exc)


class _SlotWithoutLastseen:
    def __init__(self, concurrency, delay):
        self.delay = delay


def test_a_download_slot_without_lastseen_stops_the_retry_middleware(monkeypatch):
    from newscrawl.middlewares.retry import BackoffRetryMiddleware

    monkeypatch.setattr(downloader, "Slot", _SlotWithoutLastseen)
    with pytest.raises(ScrapyInternalsChanged) as exc:
        BackoffRetryMiddleware(Settings({"RETRY_TIMES": 1}))
    assert "Slot.lastseen" in _one_line(exc)


def test_an_engine_without_its_slot_stops_the_watchdog_and_the_scheduler(monkeypatch):
    class _Renamed:
        def __init__(self):
            self.in_flight = set()

    from newscrawl.incremental.watchdog import StopWatchdog

    monkeypatch.setattr(engine, "_Slot", _Renamed)
    with pytest.raises(ScrapyInternalsChanged) as exc:
        StopWatchdog.from_crawler(get_crawler(settings_dict={"NEWSCRAWL_STOP_TIMEOUT": 5}))
    assert "ExecutionEngine._slot" in _one_line(exc)
    assert "newscrawl.incremental.watchdog" in str(exc.value)
    with pytest.raises(ScrapyInternalsChanged):
        scrapy_private.engine_slot(object(), "newscrawl.distributed")
