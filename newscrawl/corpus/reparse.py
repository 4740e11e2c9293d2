"""``newscrawl reparse``: today's parser and normalisers over every archived article response.

The main process lists the article responses (2xx, an article URL) of the WARC files in
recording order; a process pool (one worker per core) reads each record at its offset,
rebuilds the response as the crawl's downloader would hand it to the spider (content
codings decoded strictly, the charset repaired), parses and normalises it exactly as the
spider and the pipelines do, and returns the record. The main process stages the records in
recording order into one store run and commits it: the store adds a version only where an
article's record changed (``newscrawl.corpus.store``), so running it twice adds nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import Headers, Request, TextResponse
from scrapy.responsetypes import responsetypes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from newscrawl import sites
from newscrawl.archive.reader import (
    ArchiveIndex,
    RecordRef,
    archive_files,
    complete_records,
    url_key,
)

# Project code this module builds on.
from newscrawl.archive.wire import FETCHED_AT_META, ORIG_TRANSFER_ENCODING
from newscrawl.archive.wire import fetched_at as warc_time
from newscrawl.corpus.records import as_record
from newscrawl.corpus.store import CommitResult, CorpusStore
from newscrawl.incremental.fetchtime import fetched_at
from newscrawl.middlewares.encoding import repaired_encoding
from newscrawl.middlewares.limits import decode_strict
from newscrawl.normalize.article import normalize_article
from newscrawl.settings import DOWNLOAD_MAXSIZE
from newscrawl.spiders.selector import page_selector
from newscrawl.workers import process_pool

CHUNK = 8


@dataclass(frozen=True)
class ArchivedResponse:
    path: str
    offset: int
    url: str
    warc_date: str
    site: str
    """The registered site (``newscrawl.sites``) whose parser reads it."""


@dataclass
class ReparseResult:
    responses: int
    failed: int
    commit: CommitResult
    damaged: list[str]


def site_of(url: str, name: str | None = None) -> sites.Site | None:
    """The site that reads ``url`` as an article: ``name``'s, else its host's, else (a local
    copy or a mirror of a site) the first site whose URL rule takes it; None if none does."""
    if name is not None:
        chosen = sites.get(name)
        return chosen if chosen.is_article_url(url) else None
    chosen = sites.for_host(urlsplit(url).hostname)
    if chosen is not None:
        return chosen if chosen.is_article_url(url) else None
    return next((site for site in sites.all_sites() if site.is_article_url(url)), None)


def article_responses(
    files: list[Path], errors: list[str], site: str | None = None
) -> list[ArchivedResponse]:
    """The archived 2xx responses of article URLs, in recording order."""
    found = []
    for path in files:
        for record, offset, _length in complete_records(path, errors):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            status = record.http_headers.get_statuscode() or ""
            reader = site_of(url, site) if status.startswith("2") else None
            if reader is not None:
                date = record.rec_headers.get_header("WARC-Date") or ""
                found.append(ArchivedResponse(str(path), offset, url, date, reader.name))
    # ISO dates of one format sort as strings; ties keep file and offset order.
    return sorted(found, key=lambda r: r.warc_date)


def rebuild_response(archived: ArchivedResponse) -> TextResponse | None:
    """The response the spider's parse_article would have been given; None if not text."""
    index = ArchiveIndex([])
    index.refs[url_key(archived.url)] = RecordRef(
        Path(archived.path), archived.offset, archived.warc_date
    )
    recorded = index.get(archived.url)
    headers = Headers()
    for name, value in recorded.headers:
        headers.appendlist(b"Transfer-Encoding" if name == ORIG_TRANSFER_ENCODING else name, value)
    body = recorded.body
    # BoundedCompressionMiddleware: codings are undone last-applied first.
    for coding in reversed(
        [
            c.strip().lower()
            for v in headers.getlist(b"Content-Encoding")
            for c in v.split(b",")
            if c.strip()
        ]
    ):
        if coding != b"identity":
            body = decode_strict(body, coding, DOWNLOAD_MAXSIZE)
    headers.pop(b"Content-Encoding", None)
    request = Request(archived.url, meta={FETCHED_AT_META: warc_time(recorded.warc_date)})
    cls = responsetypes.from_args(headers=headers, url=archived.url, body=body)
    if not issubclass(cls, TextResponse):
        return None
    response = cls(
        url=archived.url, status=recorded.status, headers=headers, body=body, request=request
    )
    # CharsetRepairMiddleware's rule.
    content_type = headers.get(b"Content-Type", b"").decode("latin-1")
    named = bool(http_content_type_encoding(content_type) or html_body_declared_encoding(body))
    better = repaired_encoding(body, response.encoding, named)
    return response.replace(encoding=better) if better else response


def extract(archived: ArchivedResponse) -> tuple[ArchivedResponse, dict | None, str | None]:
    """Parse and normalise one archived response (in a worker): (where, record, error)."""
    try:
        response = rebuild_response(archived)
        if response is None:
            return archived, None, "not a text response"
        article = sites.get(archived.site).parse_article(page_selector(response), response.url)
        article.fetched_at = fetched_at(response)
        normalize_article(article)
        if article.url is None:
            return archived, None, "no url"
        return archived, as_record(article), None
    except Exception as exc:  # one bad record is counted, never the end of the reparse
        return archived, None, f"{type(exc).__name__}: {exc}"


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    # fork: workers inherit the imported parser instead of importing Scrapy again.
    return process_pool(workers, "fork" if "fork" in methods else None)


def _progress(stream) -> Callable[[int, int], None]:
    step = {"next": 0}

    def show(done: int, total: int) -> None:
        if done >= step["next"] or done == total:
            percent = 100 * done // total if total else 100
            print(f"reparse: {done}/{total} responses ({percent}%)", file=stream, flush=True)
            step["next"] = done + max(1, total // 20)

    return show


def reparse(
    store: CorpusStore,
    paths: list[str],
    *,
    workers: int | None = None,
    progress=sys.stderr,
    run_id: str | None = None,
    site: str | None = None,
) -> ReparseResult:
    files = archive_files(paths)
    damaged: list[str] = []
    responses = article_responses(files, damaged, site)
    run_id = run_id or f"reparse-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    store.begin_run(run_id, kind="reparse", info={"archives": [str(f) for f in files]})
    show = _progress(progress)
    failed = 0
    try:
        show(0, len(responses))
        for done, (where, record, error) in enumerate(
            _extracted(responses, workers or os.cpu_count() or 2), start=1
        ):
            if record is None:
                failed += 1
                print(
                    f"reparse: skipped {where.url} ({Path(where.path).name}@{where.offset}): "
                    f"{error}",
                    file=progress,
                )
            else:
                store.add(run_id, record, warc_file=Path(where.path).name, warc_offset=where.offset)
            show(done, len(responses))
        commit = store.commit_run(run_id)
    except BaseException:
        store.discard_run(run_id)
        raise
    return ReparseResult(len(responses), failed, commit, damaged)


def _extracted(responses: list[ArchivedResponse], workers: int) -> Iterator[tuple]:
    if workers <= 1 or len(responses) < 2 * CHUNK:
        yield from map(extract, responses)
        return
    with _pool(workers) as pool:
        yield from pool.map(extract, responses, chunksize=CHUNK)
