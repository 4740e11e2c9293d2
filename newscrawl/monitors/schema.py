"""Validate article records against the output contract's JSON Schema.

The schema (``article.schema.json`` beside this module) is the one source for field names
and types; this module only compiles it once and turns jsonschema's errors into
``(field path, error kind)`` pairs that count well in the crawl stats
(``newscrawl/validation/<field>/<kind>``). List indices are folded into ``[]`` so that
``comments.3.published`` and ``comments.7.published`` count under one name.

spidermon ships a JSON Schema validator too, but it builds a new jsonschema validator for
every record, keys errors by index (``comments.3.published``: one stat name per position)
and returns translated prose instead of a kind: three things a per-item counter must not do.

Most records are valid, and jsonschema's walk cost more per heavy record (10 comments)
than writing it to four feeds. A record is first checked by a fastjsonschema validator
compiled from the same schema to Python code (about 20 x faster); only a record it refuses
goes through jsonschema, which names every error. The two must agree on validity: the
tests check them on every fixture and every kind of break.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = "article.schema.json"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")
STAT_PREFIX = "newscrawl/validation"

# jsonschema keyword -> the kind a person reads in the stats and the report.
_KINDS = {
    "type": "wrong_type",
    "required": "missing",
    "additionalProperties": "unexpected",
    "pattern": "bad_format",
    "minLength": "empty",
    "minimum": "out_of_range",
}


@dataclass(frozen=True, order=True)
class FieldError:
    field: str
    """Dotted path with list positions as ``[]``, e.g. ``comments[].published``."""
    kind: str
    """wrong_type, missing, unexpected, bad_format, empty, out_of_range or the keyword."""

    @property
    def stat(self) -> str:
        return f"{STAT_PREFIX}/{self.field}/{self.kind}"


def article_schema() -> dict[str, Any]:
    """The output contract as a JSON Schema (a fresh copy: callers may change it)."""
    return json.loads(_schema_text())


@cache
def _schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator() -> Draft202012Validator:
    # Imported on the first refused record: jsonschema costs a crawl 4-5 MB of memory, and
    # most crawls never refuse one.
    from jsonschema import Draft202012Validator

    schema = article_schema()
    Draft202012Validator.check_schema(schema)
    # The file keeps its $defs for people to read; the validator gets them inlined, which
    # validates a record about three times faster (no reference lookups per value).
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


@cache
def _fast_check() -> Any:
    """The schema compiled to a Python function that raises on the first break."""
    schema = _inline_refs(article_schema(), article_schema().get("$defs", {}))
    # fastjsonschema knows drafts 4 to 7; the schema uses no keyword those drafts lack.
    schema.pop("$schema", None)
    return fastjsonschema.compile(schema, use_default=False)


def is_valid(record: Mapping[str, Any]) -> bool:
    """Whether ``record`` keeps the contract, the fast way."""
    try:
        _fast_check()(record)
    except Exception:  # a break, or a value the generated code trips on: the slow walk says
        return False
    return True


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """Replace each ``{"$ref": "#/$defs/x"}`` by its definition (the schema has no cycle)."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


def validate_record(record: Mapping[str, Any]) -> list[FieldError]:
    """Every way ``record`` (a feed record as a dict) breaks the contract; [] when valid."""
    if is_valid(record):
        return []
    found = set()
    for error in _validator().iter_errors(record):
        found.update(_field_errors(error))
    return sorted(found)


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = [("[]" if isinstance(part, int) else str(part)) for part in error.absolute_path]
    kind = _KINDS.get(str(error.validator), str(error.validator))
    # A missing or unexpected property is named in the error's message, not in its path.
    names = _named_properties(error) or [None]
    return [FieldError(_dotted([*path, name] if name else path), kind) for name in names]


def _dotted(path: list[str]) -> str:
    return ".".join(path).replace(".[]", "[]") or "(record)"


def _named_properties(error: ValidationError) -> list[str]:
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        return [match.group(1)] if match else []
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = set(error.schema.get("properties", {}))
        return sorted(str(name) for name in error.instance if name not in allowed)
    return []
