"""The switch: ``-s NEWSCRAWL_REDIS_URL=redis://host:6379/0`` makes this run one worker of a
distributed crawl; without it the add-on does nothing.

It only installs components (at add-on priority, so a setting given on the command line or
in settings.py still wins); their defaults are documented in ``newscrawl/settings.py``.
The shared seen set keys articles on their id through the project's
REQUEST_FINGERPRINTER_CLASS (``newscrawl/fingerprint.py``), as one process does.
"""

from __future__ import annotations

COMPONENTS = {
    "SCHEDULER": "newscrawl.distributed.scheduler.LeasedRedisScheduler",
    "DUPEFILTER_CLASS": "newscrawl.distributed.dupefilter.RedisDupeFilter",
    # The incremental state in Redis, shared by the workers (and no per-folder run lock).
    "NEWSCRAWL_STATE_STORE": "newscrawl.distributed.state.redis_state",
}


class DistributedAddon:
    def update_settings(self, settings) -> None:
        if not settings.get("NEWSCRAWL_REDIS_URL"):
            return
        for name, value in COMPONENTS.items():
            settings.set(name, value, priority="addon")
