"""WARC capture of a crawl and offline replay of it.

- ``capture``: the downloader middleware that records each response with its request.
- ``replay``: the downloader middleware that answers every request from WARC files.
- ``wire``: what the two agree on (record time in meta, replay flag, header renames).
- ``writer`` / ``reader``: size-rotated crash-safe gzip WARC files, and their index;
  no Scrapy import.
- ``recover``: ``python -m newscrawl.archive.recover FILE.warc.gz.open`` finishes the file
  of a killed capture.
"""
