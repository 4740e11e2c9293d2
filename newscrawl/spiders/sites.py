"""One spider per registered site, so that ``scrapy crawl <site name>`` crawls it.

A site is a package of ``newscrawl/sites/``; its spider needs nothing of its own, since
every site is routed the same way (``SiteSpider``). The classes are made here, in this
module, because Scrapy's spider loader lists the spider classes a module defines.
"""

from __future__ import annotations

from newscrawl import sites
from newscrawl.spiders.site import SiteSpider


def spider_class(site: sites.Site) -> type[SiteSpider]:
    """``BoursoramaSpider`` for the site ``boursorama``."""
    class_name = "".join(part.title() for part in site.name.split("_")) + "Spider"
    return type(
        class_name,
        (SiteSpider,),
        {"name": site.name, "__module__": __name__, "__doc__": f"The {site.name} spider."},
    )


# Each class under its own name only: the loader would list a second name as a second spider.
globals().update({cls.__name__: cls for cls in map(spider_class, sites.all_sites())})
