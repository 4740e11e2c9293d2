"""What every benchmark crawl shares."""

from __future__ import annotations


def unthrottled(concurrency: int) -> dict[str, str]:
    """No politeness delay and ``concurrency`` requests at once, to the one local host; only
    warnings logged: the crawl's own speed is what is measured, not the project's defaults."""
    return {
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "LOG_LEVEL": "WARNING",
    }
