"""The feed formats newscrawl registers, and the default feeds of a run.

No imports: ``newscrawl/settings.py`` lists these too (``-o``/``-O`` check format names
before add-ons run).
"""

EXPORTERS = {
    "articles_csv": "newscrawl.feeds.exporters.ArticlesCsvExporter",
    "comments_csv": "newscrawl.feeds.exporters.CommentsCsvExporter",
    "links_csv": "newscrawl.feeds.exporters.LinksCsvExporter",
    # Bare "-O out.csv" and the JSON formats get the contract's shapes too.
    "csv": "newscrawl.feeds.exporters.ArticlesCsvExporter",
    "jsonlines": "newscrawl.feeds.exporters.JsonLinesExporter",
    "jsonl": "newscrawl.feeds.exporters.JsonLinesExporter",
    "json": "newscrawl.feeds.exporters.JsonExporter",
}
STORAGE = "newscrawl.feeds.storage.AtomicFileFeedStorage"

# file name -> format, in the order the end-of-run summary lists them.
DEFAULT_FEEDS = {
    "articles.jsonl": "jsonlines",
    "articles.csv": "articles_csv",
    "comments.csv": "comments_csv",
    "links.csv": "links_csv",
}
