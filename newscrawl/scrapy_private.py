"""Every private Scrapy name newscrawl relies on, checked in one place.

Scrapy has no public way to do these few things (see each user); pyproject.toml pins Scrapy
to 2.19.x, and ``tests/test_scrapy_private.py`` pins the shapes below. Should an upgrade
move one of them, the component that needs it refuses to start with one clear line instead
of misbehaving quietly.
"""

from __future__ import annotations

import inspect
from typing import Any

import scrapy

PINNED = "2.19"


class ScrapyInternalsChanged(RuntimeError):
    """A private Scrapy name newscrawl uses is gone or has another shape."""

    def __init__(self, user: str, what: str):
        super().__init__(
            f"{user} needs {what} of Scrapy {PINNED}.x, which Scrapy {scrapy.__version__} "
            f"has changed; install scrapy~={PINNED}.0 or update newscrawl/scrapy_private.py"
        )


def decompression_max_size_exceeded(user: str) -> type[Exception]:
    """The error Scrapy's decompressors raise past DOWNLOAD_MAXSIZE (limits middleware)."""
    what = "scrapy.utils._compression._DecompressionMaxSizeExceeded(decompressed_size, max_size)"
    try:
        from scrapy.utils._compression import _DecompressionMaxSizeExceeded
    except ImportError:
        raise ScrapyInternalsChanged(user, what) from None
    params = list(inspect.signature(_DecompressionMaxSizeExceeded).parameters)
    if not issubclass(_DecompressionMaxSizeExceeded, Exception) or params != [
        "decompressed_size",
        "max_size",
    ]:
        raise ScrapyInternalsChanged(user, what)
    return _DecompressionMaxSizeExceeded


def require_decode_hook(user: str) -> None:
    """HttpCompressionMiddleware decodes through ``_decode(body, encoding, max_size)``."""
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware

    hook = inspect.getattr_static(HttpCompressionMiddleware, "_decode", None)
    if not isinstance(hook, staticmethod) or list(inspect.signature(hook.__func__).parameters) != [
        "body",
        "encoding",
        "max_size",
    ]:
        raise ScrapyInternalsChanged(
            user, "the static HttpCompressionMiddleware._decode(body, encoding, max_size)"
        )


def require_download_slot_lastseen(user: str) -> None:
    """A download slot waits ``delay`` after ``lastseen``: the retry back-off moves it."""
    from scrapy.core.downloader import Slot

    if not isinstance(getattr(Slot(1, 0.0), "lastseen", None), int | float):
        raise ScrapyInternalsChanged(user, "the download Slot.lastseen timestamp")


ENGINE_SLOT = "ExecutionEngine._slot (with inprogress, nextcall, _maybe_fire_closing)"


def require_engine_slot(user: str) -> None:
    """The engine's in-progress set, its wake-up call and its closing check."""
    from scrapy.core import engine

    slot_class = getattr(engine, "_Slot", None)
    # Attributes a constructor assigns are among the names its code stores.
    init = getattr(slot_class, "__init__", None)
    stored = set(init.__code__.co_names) if hasattr(init, "__code__") else set()
    if (
        "_slot" not in engine.ExecutionEngine.__init__.__code__.co_names
        or not {"inprogress", "nextcall"} <= stored
        or not callable(getattr(slot_class, "_maybe_fire_closing", None))
    ):
        raise ScrapyInternalsChanged(user, ENGINE_SLOT)


def engine_slot(engine: Any, user: str) -> Any:
    """The running engine's slot; raises when it is not the shape ``require_engine_slot``
    checked (or the engine is not running)."""
    slot = getattr(engine, "_slot", None)
    if not (hasattr(slot, "inprogress") and hasattr(slot, "nextcall")):
        raise ScrapyInternalsChanged(user, ENGINE_SLOT)
    return slot
