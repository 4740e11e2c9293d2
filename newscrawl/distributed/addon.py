"""The switch: ``-s NEWSCRAWL_REDIS_URL=redis://host:6379/0`` makes this run one worker of a
distributed crawl; without it the add-on does nothing.

It installs components (at add-on priority, so a setting given on the command line or in
settings.py still wins); their defaults are documented in ``newscrawl/settings.py``.
The shared seen set keys articles on their id through the project's
REQUEST_FINGERPRINTER_CLASS (``newscrawl/fingerprint.py``), as one process does.

With a host budget (``NEWSCRAWL_HOST_RATE``, or one request per ``DOWNLOAD_DELAY``) it also
moves the pacing from each worker to Redis (``budget``): the rate becomes the shared
budget, and the per-process DOWNLOAD_DELAY and AutoThrottle are turned off, whatever set
them. Left on they would stack on the budget and slow a lone worker below it; and
AutoThrottle's latency signal is per process: N workers would each back off on their own
view. The shared budget, and the shared pause on a 429/503, replace both.
"""

from __future__ import annotations

from newscrawl.defaults import project_settings
from newscrawl.distributed.budget import host_rate

COMPONENTS = {
    "SCHEDULER": "newscrawl.distributed.scheduler.LeasedRedisScheduler",
    "DUPEFILTER_CLASS": "newscrawl.distributed.dupefilter.RedisDupeFilter",
    # The incremental state in Redis, shared by the workers (and no per-folder run lock).
    "NEWSCRAWL_STATE_STORE": "newscrawl.distributed.state.redis_state",
}
# After the archive replay middleware (960): a page answered from the archive costs no budget.
BUDGET_MIDDLEWARE = "newscrawl.distributed.politeness.HostBudgetMiddleware"
BUDGET_ORDER = 970


class DistributedAddon:
    def update_settings(self, settings) -> None:
        if not settings.get("NEWSCRAWL_REDIS_URL"):
            return
        for name, value in COMPONENTS.items():
            settings.set(name, value, priority="addon")
        rate = host_rate(
            project_settings(settings).getfloat("NEWSCRAWL_HOST_RATE"),
            settings.getfloat("DOWNLOAD_DELAY"),
        )
        if rate <= 0:
            return
        _override(settings, "NEWSCRAWL_HOST_RATE", rate)
        _override(settings, "DOWNLOAD_DELAY", 0.0)
        _override(settings, "AUTOTHROTTLE_ENABLED", False)
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", BUDGET_MIDDLEWARE, BUDGET_ORDER
        )


def _override(settings, name: str, value) -> None:
    """Set ``name`` over whatever set it (the budget replaces these per-process settings)."""
    priority = max(settings.getpriority(name) or 0, settings.getpriority("NEWSCRAWL_REDIS_URL"))
    settings.set(name, value, priority=priority)
