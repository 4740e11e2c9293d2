"""Item pipelines: one job each, thin wrappers over the pure normalisers.

The normalising pipelines each run one step of the chain composed in
``newscrawl.normalize.article.STEPS``. Every problem is logged and counted under
``newscrawl/...`` in the crawl stats; an item is only ever dropped as a duplicate, and
that drop is counted. A record missing a required field is counted and still written.
"""

from __future__ import annotations

import logging
import sys

from scrapy.exceptions import DropItem

from newscrawl.items import Article, article_key
from newscrawl.normalize.article import STEPS, Problem, take_prepared

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("url", "article_id", "title")


class _StatsPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _report(self, item: Article, problems: list[Problem], level: int) -> None:
        for problem in problems:
            self.stats.inc_value(f"newscrawl/{problem.kind}")
            logger.log(
                level,
                "%s: %s=%r on %s",
                problem.kind,
                problem.field,
                problem.value,
                item.url,
            )


class _StepPipeline(_StatsPipeline):
    """Runs one normalisation step; its problems are logged at ``level`` and counted."""

    step: str
    level: int = logging.WARNING

    def process_item(self, item):
        if isinstance(item, Article):
            problems = take_prepared(item, self.step)
            if problems is None:
                problems = STEPS[self.step](item, None)
            self._report(item, problems, self.level)
        return item


class TextCleanupPipeline(_StepPipeline):
    """Whitespace, nbsp and entities, for every string of the record."""

    step = "text"


class DatesPipeline(_StepPipeline):
    """Raw French dates to ISO 8601 with the Paris offset; unreadable ones stay null."""

    step = "dates"


class AttributionPipeline(_StepPipeline):
    """Outlets (alias table), photo credits, bylines and datelines."""

    step = "attributions"
    # An unknown outlet is not an error: it is counted so the alias table can grow.
    level = logging.INFO


class ValidationPipeline(_StatsPipeline):
    """Flag records that miss a required field; keep every one that can still be written."""

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        missing = [name for name in REQUIRED_FIELDS if not getattr(item, name)]
        for name in missing:
            self.stats.inc_value(f"newscrawl/invalid/missing_{name}")
        if not missing:
            return item
        self.stats.inc_value("newscrawl/invalid")
        # Nothing is lost: the spider gives every record its page's URL, and a record that
        # misses a field is still worth writing (its other fields are the page's).
        logger.warning("Record %s is missing %s; written anyway", item.url, ", ".join(missing))
        return item


_UNSEEN = object()


class DeduplicationPipeline(_StatsPipeline):
    """One record per article id (or URL when the page has no id) and version in a crawl."""

    def __init__(self, stats):
        super().__init__(stats)
        # Held for the whole crawl, one entry per article: the key is the interned string
        # the spider's own records share (newscrawl.spiders.site), and a crawl rarely sees
        # two versions of an article, so the others wait in a set of pairs.
        self.seen: dict[str, int] = {}
        self.other_versions: set[tuple[str, int]] = set()

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        key, version = article_key(item.article_id, item.url), item.version
        if type(key) is str:  # sys.intern takes no subclass and no None
            key = sys.intern(key)
        first = self.seen.get(key, _UNSEEN)
        if first is _UNSEEN:
            self.seen[key] = version
        elif first == version or (key, version) in self.other_versions:
            self.stats.inc_value("newscrawl/duplicates")
            raise DropItem(f"duplicate article {key} (version {version})")
        else:
            self.other_versions.add((key, version))
        return item


_STEP_PIPELINES = {
    pipeline: pipeline.step
    for pipeline in (TextCleanupPipeline, DatesPipeline, AttributionPipeline)
}


def leading_steps(settings) -> tuple[str, ...]:
    """The normalisation steps this crawl's item pipelines run before any other pipeline,
    in their order: what an extraction worker may run for them (their problems are still
    reported by the pipelines). A subclass or any other pipeline ends the list, as it may
    read or change the item in between."""
    from scrapy.utils.conf import build_component_list
    from scrapy.utils.misc import load_object

    steps = []
    for component in build_component_list(settings.getwithbase("ITEM_PIPELINES")):
        cls = load_object(component) if isinstance(component, str) else component
        step = _STEP_PIPELINES.get(cls)
        if step is None:
            break
        steps.append(step)
    return tuple(steps)
