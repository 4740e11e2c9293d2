"""An extraction worker that writes something else than answers on its answers' pipe,
as a library printing at import time would (tests/test_extraction_pool.py)."""

from __future__ import annotations

import os
import sys


def main(site_name: str, answers_fd: int) -> int:
    os.write(answers_fd, b"DeprecationWarning: something printed on stdout\n" * 4)
    sys.stdin.buffer.read()  # then waits for its input to end, as a real worker does
    return 0
