"""The project's defaults, written once in ``newscrawl/settings.py``, for every component.

Under ``scrapy crawl`` the project settings are loaded and every NEWSCRAWL_* name is set.
A component can also run without them (``scrapy runspider``, a test's own ``Crawler``): the
add-ons then ``apply`` these defaults at ``default`` priority, and components read through
``project_settings(crawler.settings)``, which falls back to them. A ``-s`` override, or any
value set in the settings, always wins.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scrapy.settings import BaseSettings, default_settings


@cache
def defaults() -> dict[str, Any]:
    """Every setting ``newscrawl/settings.py`` introduces (those Scrapy does not define)."""
    # Imported here: settings.py imports components' modules, which import this one.
    from newscrawl import settings as project

    return {
        name: getattr(project, name)
        for name in dir(project)
        if name.isupper() and name[0] != "_" and not hasattr(default_settings, name)
    }


def apply(settings: BaseSettings) -> None:
    """Give ``settings`` every project default it lacks, below any other priority."""
    for name, value in defaults().items():
        settings.setdefault(name, value, priority="default")


class ProjectSettings:
    """``crawler.settings`` read with the project's default of a setting it does not have."""

    def __init__(self, settings: BaseSettings):
        self.settings = settings

    def _read(self, getter: str, name: str) -> Any:
        # A KeyError here is a name settings.py does not document: a typo or a missing line.
        return getattr(self.settings, getter)(name, defaults()[name])

    def get(self, name: str, *, empty_is_default: bool = False) -> Any:
        """``empty_is_default``: ``-s NAME=`` means "the default", not "nothing"."""
        value = self._read("get", name)
        return (value or defaults()[name]) if empty_is_default else value

    def getbool(self, name: str) -> bool:
        return self._read("getbool", name)

    def getint(self, name: str) -> int:
        return self._read("getint", name)

    def getfloat(self, name: str) -> float:
        return self._read("getfloat", name)

    def getlist(self, name: str) -> list:
        return self._read("getlist", name)


def project_settings(settings: BaseSettings) -> ProjectSettings:
    return ProjectSettings(settings)
