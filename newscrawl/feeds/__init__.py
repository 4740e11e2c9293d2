"""The feeds a run writes: the add-on, the exporters of the output contract, atomic storage.

- ``addon``: ``FeedsAddon`` (default feeds in a fresh per-run folder, the JSON-append guard).
- ``exporters``: JSON Lines / JSON / the three CSV tables, with row counts in the stats.
- ``storage``: the local-file storage that renames ``<name>.part`` into place when complete.
- ``publish``: the run folder, written hidden as ``.<stamp>.part/`` and renamed when complete.
- ``rowcheck``: every feed holds every record the crawl scraped, or the run fails.
- ``uri``: the one rule for "which file does this feed URI name".
"""
