"""How each setting's value is read: the parsers and rules of ``newscrawl.config``'s table.

A parser takes the raw value (a string from ``-s NAME=VALUE``, or the type settings.py
gives) and returns the value to use, or raises ValueError or TypeError; ``Refused`` carries
a reason worth showing. A ``Rule`` pairs a parser with the form a message asks for.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from newscrawl.incremental.revisit import parse_duration

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class Refused(ValueError):
    """A parser's refusal whose text tells the user more than the expected form does."""


@dataclass(frozen=True)
class Rule:
    parse: Callable[[Any], Any]
    """Raises ValueError (or TypeError) for a value it refuses; returns the value to use."""
    expected: str
    """The form a user should give, quoted in the message."""


# --- parsers -----------------------------------------------------------------------------


def _bool(value: Any) -> bool:
    # Exactly what the components' getbool accepts: True/False, "true"/"false", 0/1.
    return BaseSettings({"value": value}).getbool("value")


def _number(
    kind: type, low: float | None = None, high: float | None = None
) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError(value)  # int() would quietly cut 1.5 down to 1
        number = kind(str(value).strip()) if isinstance(value, str) else kind(value)
        if number != number or (low is not None and number < low):  # NaN, or too small
            raise ValueError(value)
        if high is not None and number > high:
            raise ValueError(value)
        return number

    return parse


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part) for part in value]
    raise ValueError(value)


def _choice(*names: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in names:
            raise ValueError(value)
        return value

    return parse


def _auto_or(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse_auto(value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        return parse(value)

    return parse_auto


def _duration(value: Any) -> Any:
    if parse_duration(value).total_seconds() < 0:
        raise ValueError(value)
    return value


def _existing_paths(value: Any) -> list[str]:
    paths = _list(value)
    for path in paths:
        if not Path(path).expanduser().exists():
            raise Refused(f"{path} does not exist")
    return paths


def _folder(value: Any) -> Path:
    """A folder that exists or can be made, and can be written to."""
    path = Path(str(value)).expanduser()
    if path.exists() and not path.is_dir():
        raise Refused(f"{path} is not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not _writable(existing):
        raise Refused(f"{existing} is read-only")
    return path


def _writable(path: Path) -> bool:
    # os.access says yes to root even on a read-only mount; statvfs tells that case, and
    # only writing tells a folder no file can be made in (/proc, say), as root too.
    try:
        read_only = os.statvfs(path).f_flag & os.ST_RDONLY
    except OSError:
        return False
    if read_only or not os.access(path, os.W_OK):
        return False
    try:
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def _redis_url(value: Any) -> str:
    text = str(value or "")
    if text and urlsplit(text).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(value)
    return text


def _store_url(value: Any) -> str:
    # Parsed and opened by check_settings, only for a spider that writes the store: the
    # database libraries are not imported (~15 MB) by runs that do not use them.
    if not isinstance(value, str | None):
        raise ValueError(value)
    return (value or "").strip()


def _any(value: Any) -> Any:
    return value


def _webhook(value: Any) -> str:
    text = str(value or "")
    if text and urlsplit(text).scheme not in ("http", "https"):
        raise ValueError(value)
    return text


def _share(value: Any) -> float:
    share = _number(float, 0)(value)
    if share > 1:
        raise ValueError(value)
    return share


def _coverage(value: Any) -> dict[str, float]:
    # A dict in settings.py, JSON text on a command line: {"body": 0.9}.
    table = json.loads(value) if isinstance(value, str) else dict(value)
    if not isinstance(table, dict):
        raise ValueError(value)
    return {str(name): _share(share) for name, share in table.items()}


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Unset (None, or "-s NAME=") is allowed: the component falls back to another setting."""
    return lambda value: None if value is None or value == "" else parse(value)


def _log_level(value: Any) -> Any:
    # As logging reads it: a number, or a name it knows in capitals (WARN and NOTSET too).
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or value not in logging.getLevelNamesMapping():
        raise ValueError(value)
    return value


def _encoding(value: Any) -> str:
    try:
        codecs.lookup(str(value))
    except LookupError:
        raise ValueError(value) from None
    return str(value)


_BOOL = Rule(_bool, "True or False")
_COUNT = Rule(_number(int, 0), "a whole number, 0 or more")
_POSITIVE = Rule(_number(int, 1), "a whole number, 1 or more")
_SECONDS = Rule(_number(float, 0), "a number of seconds, 0 or more")
_HOSTS = Rule(_list, "comma-separated host names")
_DURATION = Rule(_duration, "a duration: 48 (hours), 48h, 30m or 2d")
_INTERVAL = Rule(_number(float, 0.001), "a number of seconds, more than 0")
_SHARE = Rule(_share, "a share between 0 and 1, e.g. 0.95")
