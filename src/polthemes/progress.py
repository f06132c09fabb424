"""Progress bars for the steps that take more than a couple of seconds on an archive.

One wrapper around tqdm so every step looks alike (counts, rate, ETA on standard error)
and one switch turns all of them off: ``set_quiet(True)``, the ``--quiet`` flag, or
``POLTHEMES_PROGRESS=0`` in the environment. Bars appear only after two seconds, so a
five-article run stays silent. Notebooks executed by ``make`` and the tests run with
``POLTHEMES_PROGRESS=0``: a progress bar's timings would make committed outputs differ on
every run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

#: Seconds a step must run before its bar is shown.
SHOW_AFTER_S = 2.0
_quiet: bool | None = None


def set_quiet(quiet: bool) -> None:
    """Turn every progress bar off (``True``) or on (``False``) for this process."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    if _quiet is not None:
        return _quiet
    return os.environ.get("POLTHEMES_PROGRESS", "1").strip().lower() in ("0", "false", "no", "off")


def progress(iterable: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it") -> Iterator[T]:
    """``iterable``, with a bar on standard error unless quiet."""
    if is_quiet():
        yield from iterable
        return
    with tqdm(iterable, desc=desc, total=total, unit=unit, delay=SHOW_AFTER_S, file=sys.stderr, dynamic_ncols=True) as bar:
        yield from bar


class ProgressCounter:
    """A bar advanced by hand, for steps that report work in uneven pieces."""

    def __init__(self, *, desc: str, total: int | None = None, unit: str = "it") -> None:
        self._bar = None if is_quiet() else tqdm(
            desc=desc, total=total, unit=unit, delay=SHOW_AFTER_S, file=sys.stderr, dynamic_ncols=True
        )

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def __enter__(self) -> ProgressCounter:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.close()
