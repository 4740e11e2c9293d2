"""Normalise a parsed Article in place: text, dates, attributions.

The chain is composed once, in ``STEPS``: ``normalize_article`` runs it whole (the fixture
tests, a re-parse), and each item pipeline runs one step of it by name (the crawl, where
each step's problems are logged and counted). Steps return the problems they met instead
of logging them, so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from functools import cache

from newscrawl.items import Article
from newscrawl.normalize.bylines import clean_body
from newscrawl.normalize.credits import split_credit
from newscrawl.normalize.dates import parse_date, to_iso
from newscrawl.normalize.outlets import parse_provider
from newscrawl.normalize.text import PARAGRAPH_BREAK, clean_inline, clean_text

# Fields whose text is one line by nature; every other string keeps its paragraph breaks.
_INLINE_FIELDS = frozenset(
    {"title", "outlet_raw", "published_raw", "updated_raw", "author", "caption", "credit_raw"}
)


@dataclass(frozen=True)
class Problem:
    """Something a normaliser could not do; the pipeline logs it and counts ``kind``."""

    kind: str
    field: str
    value: str | None


def normalize_article(article: Article, now: datetime | None = None) -> list[Problem]:
    """Run every normalisation step; ``now`` defaults to the article's fetch time."""
    problems: list[Problem] = []
    for step in STEPS.values():
        problems += step(article, now)
    return problems


def _clean_text_step(article: Article, now: datetime | None = None) -> list[Problem]:
    clean_article_text(article)
    return []


def clean_article_text(obj: object) -> None:
    """Clean every string field of a dataclass item and of its nested items, in place."""
    for name, cleaner in _text_plan(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, str):
            cleaned = cleaner(value)
            if cleaned is not value:
                setattr(obj, name, cleaned)
        elif isinstance(value, list) and value:
            setattr(obj, name, _cleaned_list(value))


def _cleaned_list(values: list) -> list:
    cleaned = []
    for element in values:
        if isinstance(element, str):
            text = clean_inline(element)
            if text is not None:
                cleaned.append(text)
        else:
            if is_dataclass(element):
                clean_article_text(element)
            cleaned.append(element)
    return cleaned


@cache
def _text_plan(cls: type) -> tuple[tuple[str, Callable[[str | None], str | None]], ...]:
    """Each field of an item class with the cleaner its strings get (worked out once)."""
    return tuple(
        (f.name, clean_inline if f.name in _INLINE_FIELDS else clean_text) for f in fields(cls)
    )


def fetch_time(article: Article) -> datetime:
    """The article's fetch time as an aware datetime; the current time if it has none."""
    if article.fetched_at:
        try:
            parsed = datetime.fromisoformat(article.fetched_at)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return datetime.now(UTC)


def normalize_dates(article: Article, now: datetime | None = None) -> list[Problem]:
    now = now or fetch_time(article)
    problems: list[Problem] = []

    def read(raw: str | None, field: str, not_before: datetime | None = None):
        if raw is None:
            return None
        parsed = parse_date(raw, now, not_before=not_before)
        if parsed is None:
            problems.append(Problem("dates/unparsed", field, raw))
        return parsed

    published = read(article.published_raw, "published_raw")
    article.published = to_iso(published)
    article.updated = to_iso(read(article.updated_raw, "updated_raw"))
    for comment in article.comments:
        comment.published = to_iso(read(comment.published_raw, "comments.published_raw", published))
    for entry in article.related:
        entry.published = to_iso(read(entry.published_raw, "related.published_raw"))
    return problems


def normalize_attributions(article: Article) -> list[Problem]:
    problems: list[Problem] = []

    def outlet_of(holder, field: str) -> None:
        attribution = parse_provider(holder.outlet_raw)
        holder.outlet_raw = attribution.raw
        holder.outlet = attribution.outlet
        if hasattr(holder, "outlet_partners"):
            holder.outlet_partners = list(attribution.partners)
        if attribution.outlet is not None and not attribution.known:
            problems.append(Problem("outlets/unknown", field, attribution.outlet))

    outlet_of(article, "outlet")
    for entry in article.related:
        outlet_of(entry, "related.outlet")

    for image in article.images:
        credit = split_credit(image.caption)
        image.caption = credit.caption
        image.credit_raw = credit.credit_raw
        image.credit_agency = credit.agency
        image.credit_photographer = credit.photographer

    _normalize_body(article)
    return problems


def _normalize_body(article: Article) -> None:
    # A page may show a lead without a body container: the byline rules still apply.
    text = article.body if article.body is not None else article.lead
    if text is None:
        return
    cleaned = clean_body(text.split(PARAGRAPH_BREAK))
    article.body = PARAGRAPH_BREAK.join(cleaned.paragraphs) or None
    article.authors = list(cleaned.authors) or article.authors
    article.notes = article.notes + [n for n in cleaned.notes if n not in article.notes]
    subheadings = set(article.subheadings)
    article.lead = next((p for p in cleaned.paragraphs if p not in subheadings), None)


def _attributions_step(article: Article, now: datetime | None = None) -> list[Problem]:
    return normalize_attributions(article)


Step = Callable[[Article, "datetime | None"], list[Problem]]

# The normaliser chain, in order: each step reads what the ones before it cleaned.
STEPS: dict[str, Step] = {
    "text": _clean_text_step,
    "dates": normalize_dates,
    "attributions": _attributions_step,
}


# Where an extraction worker leaves the problems of the steps it ran on an Article, for the
# pipelines of those steps to report (newscrawl.spiders.extraction). Not a field: no feed,
# record or hash sees it.
_PREPARED = "_newscrawl_prepared_steps"


def prepare(article: Article, steps: tuple[str, ...]) -> None:
    """Run ``steps`` now, in order, and keep each one's problems on the article."""
    article.__dict__[_PREPARED] = {step: STEPS[step](article, None) for step in steps}


def take_prepared(article: Article, step: str) -> list[Problem] | None:
    """The problems of ``step`` if it already ran on the article (and forget them); None if
    it has still to run."""
    prepared = article.__dict__.get(_PREPARED)
    if not prepared or step not in prepared:
        return None
    problems = prepared.pop(step)
    if not prepared:
        del article.__dict__[_PREPARED]
    return problems
