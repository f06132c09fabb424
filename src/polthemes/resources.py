"""Reading the domain-knowledge files shipped in ``resources/`` (patterns, labels, lists).

They are plain text so a researcher can edit them without touching code; this module is
the one place that knows their format: ``#`` starts a comment line, blank lines are
skipped, TSV files have a header line.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from polthemes.config import RESOURCES_DIR


T = TypeVar("T")


class ResourceFileError(ValueError):
    """A resource file is malformed; the message names the file and the line."""


def _content_lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResourceFileError(f"{path}: resource file missing (reinstall the package or restore it from git)") from None
    except UnicodeDecodeError as error:
        raise ResourceFileError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    numbered = enumerate(text.splitlines(), start=1)
    return [(n, line) for n, line in numbered if line.strip() and not line.lstrip().startswith("#")]


def read_list(name: str, directory: Path = RESOURCES_DIR) -> tuple[str, ...]:
    """The entries of a one-item-per-line resource file, stripped, in file order."""
    return tuple(line.strip() for _, line in _content_lines(directory / name))


def read_tsv(name: str, directory: Path = RESOURCES_DIR) -> list[dict[str, str]]:
    """Rows of a tab-separated resource file as dicts keyed by its header line."""
    path = directory / name
    lines = _content_lines(path)
    if not lines:
        raise ResourceFileError(f"{path}: no header line")
    header = lines[0][1].split("\t")
    rows = []
    for line_no, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ResourceFileError(f"{path}:{line_no}: {len(cells)} columns, expected {len(header)} ({header})")
        rows.append(dict(zip(header, cells)))
    return rows


def cached_until_changed(*names: str, directory: Path = RESOURCES_DIR) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Remember what a loader of the resource files ``names`` returned until one of them
    changes (size, modification time or inode), then load afresh.

    Loaders of the glossary, the boilerplate patterns and the like used to be read once per
    process: a notebook in which a researcher edited the glossary went on with the old one,
    and the tokens it made were kept by :mod:`polthemes.derived_cache` under the new file's
    digest, so later runs reused them too. One ``stat`` per file per call.
    """

    def decorate(load: Callable[[], T]) -> Callable[[], T]:
        remembered: dict[str, object] = {}

        @functools.wraps(load)
        def current() -> T:
            stamp = tuple(_stamp(directory / name) for name in names)
            if remembered.get("stamp") != stamp or "value" not in remembered:
                remembered["value"] = load()
                remembered["stamp"] = stamp
            return remembered["value"]  # type: ignore[return-value]

        current.cache_clear = remembered.clear  # type: ignore[attr-defined]
        return current

    return decorate


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None  # missing: the loader reports it
    return status.st_size, status.st_mtime_ns, status.st_ino

