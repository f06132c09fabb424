"""Writing outputs atomically: a reader never sees half a file, a crash never leaves one.

Everything the project writes goes through here: write to a temporary file in the
target folder, then rename it over the target (atomic on POSIX and Windows).

Results folders
---------------
A results folder (what ``polthemes fit`` writes) is replaced whole on every run, so the
project must never replace a folder it did not write. Every results folder therefore holds
a small marker file, :data:`RESULTS_MARKER` (``.polthemes-results``), with a fixed first
line. :func:`check_results_folder` accepts as ``--out`` only a missing folder, an empty
one, or one that carries the marker (or, written before the marker existed, holds nothing
but a polthemes ``manifest.json``, CSV tables, the model and ``parquet/``); it refuses,
before any work, an existing file, any other folder, the corpus or a folder that holds or
lies inside it, and anything that holds ``data/raw/`` or the project. A dedicated file
rather than a key in ``manifest.json``: a user's folder may well have a ``manifest.json``
of its own, but not a file that says in words that polthemes wrote the folder.

:func:`write_results_folder` is the one writer of results folders (both engines use it).
Each run writes into a staging folder of its own (``.NAME.staging-XXXXXXXX`` beside the
target, from :func:`tempfile.mkdtemp`, locked with ``flock`` while the run lives), then
swaps it with the old folder in one step: on Linux ``renameat2(RENAME_EXCHANGE)``, through
ctypes, so the target path always names a complete folder, old or new, whatever moment a
run is killed. A symlink flip would give the same guarantee only by making ``--out`` a
symlink to versioned folders, which changes what users see and what ``shutil`` and
notebooks find there; the exchange keeps ``--out`` a plain folder. Where
``renameat2`` is missing (not Linux, old C library, a filesystem without it) the swap
falls back to two renames, with a moment in between when the target is absent; a run
killed in that moment leaves the old folder as ``.NAME.retired-XXXXXXXX``, and the next
write puts it back before anything else. The old folder, after the swap, is removed only
if it carries the marker (or is empty). Leftovers of killed runs are removed on the next
write to the same target, only when no live run holds their lock and only when they carry
the marker or are empty: never a folder the project did not create.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from polthemes.config import PROJECT_ROOT, RAW_DIR
from polthemes.execution import pause_point
from polthemes.messages import warn

try:
    import fcntl
except ImportError:  # not POSIX: no locks, so leftovers of killed runs are left in place
    fcntl = None

#: The file that marks a folder as a results folder written by polthemes.
RESULTS_MARKER = ".polthemes-results"
MARKER_TEXT = (
    "polthemes results folder\n"
    "Written by polthemes; the next run that writes here replaces this folder whole.\n"
)
#: What a results folder holds besides CSV tables (legacy folders are recognised by these).
_RESULT_FILES = frozenset({"manifest.json", "model_tomotopy.bin", "theme_terms.npy", "unit_lengths.npy", "unit_topics.npy", RESULTS_MARKER})
_RESULT_FOLDERS = frozenset({"parquet"})


class ReadOnlyInputError(PermissionError):
    """Something tried to write into data/raw/, which holds the articles as scraped."""


class OutputFolderError(ValueError):
    """An output location that must not or cannot be written; the message is ``PATH: PROBLEM``."""


class ResultsFolderError(ValueError):
    """A folder that is not a results folder, or one whose files cannot be read; ``PATH: PROBLEM``."""


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


# --- Checks before any work -------------------------------------------------------------

_OWN_FOLDER = "a results folder is replaced whole, so give it a folder of its own"


def check_results_folder(out: str | Path, *, corpus=None) -> Path:
    """Raise, before any work, if ``out`` must not be replaced by a results folder; return it.

    ``corpus`` is the corpus path (or paths, globs, URIs for Spark) when known. Raises
    :class:`ReadOnlyInputError` inside data/raw/ and :class:`OutputFolderError` (one line,
    ``PATH: PROBLEM``) for an existing file, a non-empty folder without the
    :data:`RESULTS_MARKER`, the corpus or a folder holding it or inside it, a folder that
    holds data/raw/ or the project, and a location where nothing can be created.
    """
    out = Path(out)
    _refuse_raw(out)
    _refuse_protected(out, _OWN_FOLDER)
    resolved = out.resolve()
    for corpus_path in _local_corpus_paths(corpus):
        if resolved == corpus_path:
            raise OutputFolderError(f"{out}: is the corpus; {_OWN_FOLDER}")
        if resolved in corpus_path.parents:
            raise OutputFolderError(f"{out}: holds the corpus {corpus_path}; {_OWN_FOLDER}")
        if corpus_path.is_dir() and corpus_path in resolved.parents:
            raise OutputFolderError(f"{out}: lies inside the corpus folder {corpus_path}; its tables would be read as articles next time")
    if os.path.lexists(resolved):
        if not resolved.is_dir():
            raise OutputFolderError(f"{out}: exists and is not a folder; give a folder for the results")
        problem = _not_replaceable(resolved)
        if problem:
            raise OutputFolderError(f"{out}: {problem}")
    _check_can_create(out, resolved.parent)
    return out


def check_figures_folder(directory: str | Path, *, corpus=None) -> Path:
    """Raise, before any work, if figures must not be written into ``directory``; return it.

    Figures only add files to their folder (nothing there is removed), so any folder will
    do except data/raw/ (:class:`ReadOnlyInputError`), the corpus or a folder inside it, an
    existing file, or a location where nothing can be created (:class:`OutputFolderError`).
    """
    directory = Path(directory)
    _refuse_raw(directory)
    resolved = directory.resolve()
    for corpus_path in _local_corpus_paths(corpus):
        if resolved == corpus_path or (corpus_path.is_dir() and corpus_path in resolved.parents):
            raise OutputFolderError(f"{directory}: is inside the corpus {corpus_path}; write figures elsewhere")
    if os.path.lexists(resolved) and not resolved.is_dir():
        raise OutputFolderError(f"{directory}: exists and is not a folder; give a folder for the figures")
    _check_can_create(directory, resolved if resolved.is_dir() else resolved.parent)
    return directory


def is_results_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is a results folder polthemes wrote (see the module notes)."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    marker = folder / RESULTS_MARKER
    if marker.is_file() and not marker.is_symlink():
        try:
            with open(marker, "rb") as handle:
                return handle.read(len(MARKER_TEXT)).decode("utf-8", "replace") == MARKER_TEXT
        except OSError:
            return False
    return _is_legacy_results_folder(folder)


def _is_legacy_results_folder(folder: Path) -> bool:
    """A results folder written before the marker: a polthemes manifest, and nothing but the
    files polthemes writes."""
    try:
        entries = list(folder.iterdir())
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or not {"polthemes", "corpus", "settings", "model"} <= set(manifest):
        return False
    return all(_is_result_entry(entry) for entry in entries)


def _not_replaceable(folder: Path) -> str:
    """Why the existing folder ``folder`` must not be replaced, or '' when it may be."""
    try:
        entries = list(folder.iterdir())
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if not entries:
        return ""
    if not is_results_folder(folder):
        return (f"is a folder that polthemes did not write (no {RESULTS_MARKER} marker), so it is left alone: "
                "give a new or empty folder, or an earlier results folder")
    inventory = _marker_inventory(folder)
    if inventory is None:  # no list of what the run wrote: judge by the kinds of file polthemes writes
        foreign = sorted(e.name for e in entries if not _is_result_entry(e))
    else:
        foreign = sorted(e.name for e in entries if e.name != RESULTS_MARKER and e.name not in inventory)
    if foreign:
        return (f"holds files or folders polthemes did not write ({', '.join(foreign)}), so it is left alone: "
                "move them out, or give a folder of its own")
    return ""


def _is_result_entry(entry: Path) -> bool:
    """Whether ``entry`` is of a kind polthemes writes into a results folder."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return entry.name in _RESULT_FOLDERS
    return entry.name in _RESULT_FILES or entry.suffix == ".csv"


def _refuse_protected(path: Path, advice: str) -> None:
    resolved = path.resolve()
    for protected, what in ((PROJECT_ROOT, "the project (src/, data/raw/, notebooks/)"), (RAW_DIR, "data/raw/, the articles as scraped")):
        protected = protected.resolve()
        if resolved == protected:
            raise OutputFolderError(f"{path}: is {what}; {advice}")
        if resolved in protected.parents:
            raise OutputFolderError(f"{path}: holds {what}; {advice}")


def _local_corpus_paths(corpus) -> list[Path]:
    """The local files and folders a corpus argument names (URIs other than file:// skipped)."""
    if corpus is None:
        return []
    items = [corpus] if isinstance(corpus, (str, Path)) else list(corpus)
    paths = []
    for item in items:
        text = str(item)
        if text.startswith("file://"):
            text = text[len("file://"):]
        elif "://" in text:
            continue
        for glob_character in "*?[":
            if glob_character in text:  # a glob: the folder it searches
                text = str(Path(text[: text.index(glob_character)] + "x").parent)
        paths.append(Path(text).resolve())
    return paths


def _check_can_create(shown: Path, folder: Path) -> None:
    """Raise :class:`OutputFolderError` if nothing can be created in ``folder`` (or, when it is
    missing, in its nearest existing parent): a read-only or full location, a file in the way."""
    existing = folder
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputFolderError(f"{shown}: cannot be created: {existing} is not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):  # unnamed (O_TMPFILE) on Linux: nothing left if killed
            pass
    except OSError as error:
        raise OutputFolderError(f"{shown}: cannot write there: {error.strerror or error} ({existing})") from None


# --- The writer -------------------------------------------------------------------------


def write_results_folder(out: str | Path, write: Callable[[Path], None], *, corpus=None) -> list[Path]:
    """Write a results folder: ``write(staging)`` fills a fresh staging folder, which then
    takes the place of ``out`` in one atomic swap; return the files now in ``out``.

    ``out`` is checked again (:func:`check_results_folder`), as things may have changed
    during a long run. An :class:`OSError` while writing or swapping (disk full, read-only
    location) becomes one :class:`OutputFolderError` naming ``out``; ``out`` is then left
    as it was. Set ``POLTHEMES_TEST_PAUSE_AT=write`` to pause between the writing and the
    swap (see :func:`polthemes.execution.pause_point`).
    """
    out = check_results_folder(out, corpus=corpus)
    target = out.resolve()  # a symlinked --out: the folder it points to is swapped, beside itself
    staging = lock = old = None
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _clean_leftovers(target)
            staging, lock = _new_staging(target)
        except OSError as error:
            raise OutputFolderError(f"{out}: cannot write there: {_reason(error)}") from None
        try:
            write(staging)
            _write_marker(staging, inventory=True)
            sync_tree(staging)  # on disk before it is swapped in: a power cut must not leave empty tables
        except OSError as error:
            raise OutputFolderError(f"{out}: cannot write the results: {_reason(error)}; {out} is left as it was") from None
        pause_point("write")
        try:
            old = _swap_in(staging, target, out)
        except OSError as error:
            raise OutputFolderError(f"{out}: cannot put the new results in place: {_reason(error)}; {out} is left as it was") from None
    finally:
        if lock is not None:
            os.close(lock)
        # The staging path now holds the old folder (after the swap) or the unfinished new one.
        for leftover in filter(None, (staging, old)):
            _remove_if_ours(leftover)
    return sorted(out.iterdir())


def sync_tree(folder: Path) -> None:
    """``fsync`` every file and folder under ``folder`` (and the folder itself): a rename is
    atomic against a crash of the process, only a synced file is safe against one of the
    machine."""
    for path in sorted(folder.rglob("*")) + [folder]:
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue
        descriptor = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


_INVENTORY_HEADER = "files:\n"


def _write_marker(folder: Path, *, inventory: bool = False) -> None:
    """The marker; with ``inventory``, followed by every entry the run wrote, so that a file a
    user later puts into the folder is known not to be ours (and the folder is left alone)."""
    text = MARKER_TEXT
    if inventory:
        names = sorted(entry.name for entry in folder.iterdir() if entry.name != RESULTS_MARKER)
        text += _INVENTORY_HEADER + "".join(f"{name}\n" for name in names)
    write_text_atomic(folder / RESULTS_MARKER, text)


def _marker_inventory(folder: Path) -> set[str] | None:
    """The entries the marker of ``folder`` says the run wrote; ``None`` for a marker without
    an inventory (a run killed while writing, or a folder written before inventories)."""
    try:
        text = (folder / RESULTS_MARKER).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not text.startswith(MARKER_TEXT + _INVENTORY_HEADER):
        return None
    return set(text[len(MARKER_TEXT + _INVENTORY_HEADER):].splitlines())


def _reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"{reason} ({error.filename})" if error.filename else reason


def _new_staging(target: Path) -> tuple[Path, int]:
    """A staging folder of this run's own, locked (``flock``) while it lives, with the marker."""
    for _ in range(10):
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
        lock = os.open(staging, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(lock), os.stat(staging)):
                break
        except FileNotFoundError:
            pass
        os.close(lock)  # another run's cleanup took it between mkdtemp and flock: try again
    else:
        raise OSError(errno.EBUSY, "could not create a staging folder", str(target.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700 folders; results are ordinary folders
        _write_marker(staging)
    except BaseException:
        os.close(lock)
        _remove_if_ours(staging)
        raise
    return staging, lock


def _swap_in(staging: Path, target: Path, shown: Path) -> Path | None:
    """Put ``staging`` at ``target``; return where the old folder now is (``None`` if none)."""
    for _ in range(10):
        if os.path.lexists(target):
            problem = "exists and is not a folder" if target.is_symlink() or not target.is_dir() else _not_replaceable(target)
            if problem:
                raise OutputFolderError(f"{shown}: {problem} (it changed during the run); the new results are not written")
            if _renameat2(staging, target, _RENAME_EXCHANGE):
                if not (is_results_folder(staging) or _is_empty(staging)):
                    _renameat2(staging, target, _RENAME_EXCHANGE)  # swapped in something else meanwhile: undo
                    raise OutputFolderError(f"{shown}: changed during the run; the new results are not written")
                return staging
            retired = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.retired-"))
            try:
                os.rename(target, retired)  # replaces the empty folder just made
            except FileNotFoundError:
                os.rmdir(retired)
                continue
            try:
                os.rename(staging, target)
            except BaseException:
                os.rename(retired, target)
                raise
            return retired
        try:
            if _renameat2(staging, target, _RENAME_NOREPLACE):
                return None
            os.rename(staging, target)  # no renameat2: replaces at most an empty folder made meanwhile
            return None
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    raise OSError(errno.EBUSY, "the folder kept changing during the swap", str(target))


def _clean_leftovers(target: Path) -> None:
    """Remove what killed runs left beside ``target`` (their staging and retired folders),
    only where no live run holds the lock and the folder is ours; put back an old folder a
    fallback swap was killed in the middle of."""
    prefixes = (f".{target.name}.staging", f".{target.name}.retired")
    if fcntl is None:
        return
    try:
        candidates = sorted(p for p in target.parent.iterdir() if p.name.startswith(prefixes))
    except OSError:
        return
    for leftover in candidates:
        if leftover.is_symlink() or not leftover.is_dir():
            continue
        try:
            lock = os.open(leftover, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live run's staging folder
            if not os.path.lexists(target) and leftover.name.startswith(prefixes[1]) and is_results_folder(leftover):
                try:
                    os.rename(leftover, target)
                    continue
                except OSError:
                    pass
            _remove_if_ours(leftover)
        finally:
            os.close(lock)


def _remove_if_ours(folder: Path) -> None:
    """Remove ``folder`` if it is a results folder or empty; anything else stays."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return
        if _is_empty(folder):
            os.rmdir(folder)
        elif is_results_folder(folder):
            shutil.rmtree(folder, onerror=_ignore_missing)
    except FileNotFoundError:
        pass
    except OSError as error:
        warn(f"{folder}: could not remove this old results folder ({_reason(error)})")


def _ignore_missing(function, path, exc_info) -> None:
    if not isinstance(exc_info[1], FileNotFoundError):  # another run's cleanup got there first
        raise exc_info[1]


def _is_empty(folder: Path) -> bool:
    try:
        return next(os.scandir(folder), None) is None
    except OSError:
        return False


# --- renameat2 --------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_renameat2_function = None


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """``renameat2(source, target, flags)``; ``False`` where the system or filesystem lacks it."""
    global _renameat2_function
    if _renameat2_function is None:
        _renameat2_function = _load_renameat2()
    if _renameat2_function is False:
        return False
    if _renameat2_function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # no such system call, or this filesystem does not support the flag
    raise OSError(code, os.strerror(code), str(source), None, str(target))


def _load_renameat2():
    if not sys.platform.startswith("linux"):
        return False
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and newer
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

