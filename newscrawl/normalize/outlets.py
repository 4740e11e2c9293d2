"""Outlets: the alias table of agencies and media, and provider lines ("X avec Y").

Pure functions over text the site parser extracted. Names are matched against one alias
table shipped as package data (``newscrawl/data/outlets.json``) so the table can grow from
the crawl stats without touching code. Photo credits (``credits``) and bylines, datelines
and editorial notes (``bylines``) are matched against the same table. Every rule errs
towards leaving text where it was: a credit, byline or dateline that is not recognised
stays in the caption or body, where a reader still sees it, rather than being guessed away.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from newscrawl.normalize.text import fold_name

# --- the alias table ------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    aliases: dict[str, str]
    qualifiers: frozenset[str]


@cache
def _table() -> _Table:
    # Read through importlib.resources so it works from a wheel or a zipped egg.
    raw = json.loads(files("newscrawl").joinpath("data/outlets.json").read_text("utf-8"))
    aliases: dict[str, str] = {}
    for canonical, spellings in raw["outlets"].items():
        for spelling in [canonical, *spellings]:
            key = fold_name(spelling)
            if aliases.get(key, canonical) != canonical:
                raise ValueError(f"outlets.json: {spelling!r} means {aliases[key]} and {canonical}")
            aliases[key] = canonical
    qualifiers = frozenset(fold_name(q) for q in raw["credit_qualifiers"])
    return _Table(aliases, qualifiers)


def credit_qualifiers() -> frozenset[str]:
    """Folded words that qualify a credit without naming anyone ("Archives", "Pool", "HO")."""
    return _table().qualifiers


def squash(text: str) -> str:
    return " ".join(text.split())


def canonical_outlet(name: str) -> tuple[str, bool]:
    """The table's canonical name and True, or the name trimmed as printed and False."""
    canonical = _table().aliases.get(fold_name(name))
    if canonical is not None:
        return canonical, True
    return squash(name), False


def is_known(name: str) -> bool:
    return fold_name(name) in _table().aliases


# --- provider lines -------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    outlet: str | None
    partners: tuple[str, ...]
    raw: str | None
    known: bool


# The site prints "information fournie par" (often as hidden text) before the provider.
_PROVIDER_PREFIX = re.compile(r"^[\s•·|\-–—]*(?:information\s+fournie\s+par\b\s*:?)?\s*", re.I)
_AVEC = re.compile(r"\s+avec\s+", re.I)
_ET = re.compile(r"\s+et\s+|\s*,\s*", re.I)


def strip_provider_prefix(line: str) -> str:
    """A provider line without its "information fournie par" and leading separators."""
    return _PROVIDER_PREFIX.sub("", line, count=1)


def _split_if_all_known(text: str) -> list[str] | None:
    """ "A et B" / "A, B et C" as separate names, only when each is a known name.

    "et" also occurs inside real names ("Bourse et Trading"), so an unknown part means the
    whole text is one name.
    """
    parts = [p for p in _ET.split(text) if p]
    if len(parts) > 1 and all(is_known(p) for p in parts):
        return parts
    return None


# A crawl meets a few dozen provider lines, each thousands of times; the answer is immutable.
@lru_cache(maxsize=1024)
def parse_provider(raw: str | None) -> Attribution:
    """Provider line ► canonical outlet, partners named after "avec", the printed line.

    Rules, in order: a line that is itself in the table is one outlet ("Boursorama CP");
    "X avec Y" gives outlet X and partners [Y] as printed; "X et Y" (or "X, Y et Z") gives
    outlet X and partners [Y] only when every name is in the table, else it is one unknown
    name. ``known`` says whether the outlet was found in the table.
    """
    if raw is None:
        return Attribution(None, (), None, False)
    line = squash(strip_provider_prefix(raw))
    if not line:
        return Attribution(None, (), None, False)
    if is_known(line):
        return Attribution(canonical_outlet(line)[0], (), line, True)
    head, partners = line, []
    parts = _AVEC.split(line, maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        head = parts[0]
        partners = _split_if_all_known(parts[1]) or [parts[1]]
    else:
        names = _split_if_all_known(line)
        if names:
            head, partners = names[0], names[1:]
    outlet, known = canonical_outlet(head)
    return Attribution(outlet, tuple(squash(p) for p in partners), line, known)
