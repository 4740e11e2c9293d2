"""Scrapy's remote console out of the crawl unless asked for, module and all.

``REMOTE_CONTROL_ENABLED = False`` (settings.py) keeps the HTTP console closed, but Scrapy
imports an extension's module before the extension can say it is off, and this one imports
aiohttp: 8 MB of every crawl's memory for a server that never starts. When the setting is
off, this add-on takes the extension out of the list, so nothing changes but the memory.
"""

from __future__ import annotations

from typing import Any

REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"


class ConsolesAddon:
    def update_settings(self, settings: Any) -> None:
        if settings.getbool("REMOTE_CONTROL_ENABLED"):
            return
        extensions = settings.getdict("EXTENSIONS")
        extensions[REMOTE_CONTROL] = None
        settings.set("EXTENSIONS", extensions, priority=settings.getpriority("EXTENSIONS"))
