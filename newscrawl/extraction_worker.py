"""One extraction worker, started by the crawl (``newscrawl.spiders.extraction.BOOTSTRAP``).

Reads length-prefixed pickles of ``((page text, url, document type, base URL), fetch time,
normalisation steps)`` on stdin and answers each, in order, with ``(True, Article, logs)``
or ``(False, exception, logs)`` on its copy of stdout (fd 1 itself is stderr by then).
``logs`` are the log records of warnings and errors the page caused (a date in the spring
gap, say): the crawl logs them as its own, formatted and counted like every other line. It
exits at the end of its input: when the crawl closes it, or dies.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys

from newscrawl.spiders.extraction import FRAME, frame, prepare_page


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class _PageLogs(logging.Handler):
    """The page's warnings and errors, made picklable: message formatted, no live objects."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg = record.getMessage()
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        records, self.records = self.records, []
        return records


def _read(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def main(site_name: str, answers_fd: int | None = None) -> int:
    # Ctrl-C reaches the whole process group: the crawl decides when its workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if answers_fd is None:  # run by hand (python -m): stdout is the answers' pipe
        answers_fd = os.dup(sys.stdout.fileno())
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    answers = os.fdopen(answers_fd, "wb")
    pages = sys.stdin.buffer
    logs = _PageLogs()
    root = logging.getLogger()
    root.addHandler(logs)
    root.setLevel(logging.WARNING)
    while (header := _read(pages, FRAME.size)) is not None:
        payload = _read(pages, FRAME.unpack(header)[0])
        if payload is None:
            break
        page = pickle.loads(payload)
        try:
            answer = (True, prepare_page(site_name, *page), logs.take())
        except Exception as exc:  # the callback raises it, as it would without the pool
            answer = (False, _picklable(exc), logs.take())
        answers.write(frame(answer))
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
