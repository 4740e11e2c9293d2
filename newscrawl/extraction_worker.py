"""One extraction worker: ``python -m newscrawl.extraction_worker SITE``.

Reads length-prefixed pickles of ``(page text, url)`` on stdin and answers each, in order,
with ``(True, Article)`` or ``(False, exception)`` on stdout (newscrawl.spiders.extraction).
It exits at the end of its input: when the crawl closes it, or dies.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys

from newscrawl.spiders.extraction import FRAME, frame, parse_page


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _read(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def main(site_name: str) -> int:
    # Ctrl-C reaches the whole process group: the crawl decides when its workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Whatever the parser or a library prints goes to stderr, never between the answers.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    pages = sys.stdin.buffer
    while (header := _read(pages, FRAME.size)) is not None:
        payload = _read(pages, FRAME.unpack(header)[0])
        if payload is None:
            break
        text, url = pickle.loads(payload)
        try:
            answer = (True, parse_page(site_name, text, url))
        except Exception as exc:  # the callback raises it, as it would without the pool
            answer = (False, _picklable(exc))
        answers.write(frame(answer))
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
