"""Scrapy's remote console out of the crawl unless asked for, module and all.

``REMOTE_CONTROL_ENABLED = False`` (settings.py) keeps the HTTP console closed, but Scrapy
imports every module named in ``EXTENSIONS`` and ``EXTENSIONS_BASE`` (even one set to None)
before an extension can say it is off, and this one imports aiohttp: 8 MB of every crawl's
memory for a server that never starts. When the setting is off, this add-on takes the
extension out of Scrapy's base list, so nothing changes but the memory.
"""

from __future__ import annotations

from typing import Any

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


class ConsolesAddon:
    def update_settings(self, settings: Any) -> None:
        if settings.getbool("REMOTE_CONTROL_ENABLED"):
            return
        base = settings.getdict("EXTENSIONS_BASE")
        if base.pop(REMOTE_CONTROL, None) is not None:
            settings.set("EXTENSIONS_BASE", base, priority=settings.getpriority("EXTENSIONS_BASE"))
