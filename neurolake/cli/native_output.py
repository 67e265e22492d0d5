"""Keep Rust panic text off the terminal.

delta-rs (through object_store) can panic in a background thread when a disk fills up or a
file cannot be written; Rust prints the panic straight to file descriptor 2, past Python. The
real error still arrives as a Python exception and is shown as one line, so for the length
of a command fd 2 is captured: panic text goes to the log at DEBUG, anything else is passed on.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

_PANIC_START = re.compile(r"^thread '.*' (\(\d+\) )?panicked at ")
_PANIC_TAIL = re.compile(r"^(stack backtrace:|note: .*backtrace|\s+\d+: |\s+at )")


def without_panics(text: str) -> tuple[str, str]:
    """``text`` split into (what to show, the Rust panic reports it held)."""
    shown: list[str] = []
    panics: list[str] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        if _PANIC_START.match(lines[index]):
            panics.extend(lines[index : index + 2])  # "thread ... panicked at FILE:" and its message
            index += 2
            while index < len(lines) and _PANIC_TAIL.match(lines[index]):
                panics.append(lines[index])
                index += 1
            continue
        shown.append(lines[index])
        index += 1
    return "".join(shown), "".join(panics)


@contextmanager
def panics_kept_off_the_terminal() -> Iterator[None]:
    """Capture fd 2 for the block; Python's ``sys.stderr`` keeps writing to the terminal."""
    try:
        real_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield  # not a real file (a test runner's capture): nothing native can reach it
        return
    sys.stderr.flush()
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(real_fd)
        os.dup2(capture.fileno(), real_fd)
        original = sys.stderr
        # Left open on purpose: log handlers made during the command keep writing through it.
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=original.encoding, errors="backslashreplace")
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, real_fd)
            os.close(saved)
            sys.stderr = original
            capture.seek(0)
            shown, panics = without_panics(capture.read().decode(errors="replace"))
            if panics:
                log.debug("a native library panicked (its error was reported): %s", panics.strip())
            if shown.strip():  # a panic report starts with a blank line of its own
                original.write(shown)
                original.flush()
