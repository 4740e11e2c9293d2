"""A store writer in its own process, for the killed-run and concurrent-writer tests.

    python -m tests.support.corpus_writer URL RUN_ID MODE [GO_FILE]

``stage-and-hang``: stages 120 synthetic articles (flushed), prints "staged", then waits
to be killed; ``stage-feeds-and-hang FEED``: the same, as a crawl whose feed is FEED.
``concurrent NAME``: waits for GO_FILE, then stages and commits the shared articles 0-199
plus, for 0-49, a version changed by NAME, plus 100 articles of its own.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from newscrawl.corpus import CorpusStore
from tests.support.corpus_items import synthetic_article


def main(argv: list[str]) -> int:
    url, run_id, mode = argv[:3]
    store = CorpusStore.open(url, batch_size=50)
    store.begin_run(run_id)
    if mode in ("stage-and-hang", "stage-feeds-and-hang"):
        if mode == "stage-feeds-and-hang":  # a crawl whose feed will be argv[3]
            store.set_run_feeds(run_id, [argv[3]])
        for n in range(120):
            store.add(run_id, synthetic_article(n))
        store.flush(run_id)
        print("staged", flush=True)
        time.sleep(600)
        return 1
    name, go = argv[3], Path(argv[4])
    own = 1000 if name == "a" else 2000
    while not go.exists():
        time.sleep(0.01)
    for n in range(200):
        store.add(run_id, synthetic_article(n))
    for n in range(50):
        store.add(run_id, synthetic_article(n, title=f"changé par {name}", version=2))
    for n in range(own, own + 100):
        store.add(run_id, synthetic_article(n))
    result = store.commit_run(run_id)
    print(result.added, flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
