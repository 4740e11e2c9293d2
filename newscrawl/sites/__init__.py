"""Site parsers: one module per site, pure functions from a page to raw item fields.

A site module imports no Scrapy and normalises nothing beyond whitespace; the spider
routes pages to it and the pipelines (``newscrawl.normalize``) clean what it returns.
"""
