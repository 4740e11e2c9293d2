"""Item pipelines a user might add, for the tests of where the normalisation runs."""

from __future__ import annotations

from newscrawl.pipelines import TextCleanupPipeline


class Recorder:
    """A pipeline of the user's own that reads (and may change) every item."""

    def process_item(self, item):
        return item


class OwnTextCleanup(TextCleanupPipeline):
    """The project's text step under another class: it may clean otherwise."""
