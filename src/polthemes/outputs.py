"""Writing outputs atomically: a reader never sees half a file, a crash never leaves one.

Everything the project writes goes through here: write to a temporary file in the
target folder, then rename it over the target (atomic on POSIX and Windows).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from polthemes.config import RAW_DIR


class ReadOnlyInputError(PermissionError):
    """Something tried to write into data/raw/, which holds the articles as scraped."""


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and a rename; return the path."""
    path = Path(path)
    _refuse_raw(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """UTF-8 text version of :func:`write_bytes_atomic` (newlines written as ``\\n``)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def check_output_location(path: str | Path) -> None:
    """Raise :class:`ReadOnlyInputError` before any work if ``path`` lies inside data/raw/."""
    _refuse_raw(Path(path))


def _refuse_raw(path: Path) -> None:
    resolved = path.resolve()
    if resolved == RAW_DIR.resolve() or RAW_DIR.resolve() in resolved.parents:
        raise ReadOnlyInputError(f"{path}: data/raw/ is read-only input; write derived files elsewhere")


def replace_folder(staging: str | Path, target: str | Path) -> Path:
    """Put the finished folder ``staging`` in place of ``target`` (two renames, then cleanup)."""
    staging, target = Path(staging), Path(target)
    _refuse_raw(target)
    retired = target.with_name(f".{target.name}.retired")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
    return target


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
