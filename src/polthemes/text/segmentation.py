"""Chinese segmentation at archive scale: an on-disk cache, then worker processes.

jieba is the one slow step between a corpus and its terms (about 90 seconds for the 24,000
Xinwen Lianbo items on one core), and its output depends only on the paragraph and on the
dictionary. So segmentations are cached on disk, keyed by the paragraph's text, in a
database named by a fingerprint of everything that shapes segmentation: jieba's version,
the words added to its dictionary (glossary Chinese forms and ``userdict_zh.txt``) and
:data:`SEGMENTATION_VERSION`. Editing the glossary or the user dictionary therefore starts
a fresh cache (adding a word to jieba shifts the probabilities of every route, so any
paragraph may segment differently), while editing stopword lists, single-character or
measure-word lists, or the concept mapping reuses it: those filters run after the cache,
on every run. What is not cached is segmented by worker processes, in order, so the output
is identical whatever the number of workers.

The cache is optional, and a broken one never stops a run. A cache file that is not a
database, or a damaged one (truncated, overwritten), is reported in one warning line, set
aside as ``segments-....sqlite.broken-YYYYmmdd-HHMMSS`` (with its journal, if any: the file
is the project's own, in its cache folder) and rebuilt. A cache folder that cannot be made
or a database that cannot be opened, read or written (disk full, read-only, locked for a
minute by another run) is reported the same way, and the run goes on without a cache; so
does a run whose cache fails in the middle. Results are the same either way.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from polthemes.execution import fork_pool, pause_point
from polthemes.messages import warn
from polthemes.text.chinese import ChineseTokenizer

T = TypeVar("T")

#: Bump when the segmentation code changes its output (normalisation, HMM setting).
#: 2: traditional characters are converted to simplified before segmenting.
SEGMENTATION_VERSION = 2
#: Paragraphs per task sent to a worker: large enough to amortise the round trip.
TASK_PARAGRAPHS = 400
#: Separates words in a cached row; control characters never survive corpus reading.
_WORD_SEPARATOR = "\x1f"


def segmentation_fingerprint(tokenizer: ChineseTokenizer) -> str:
    """A digest of everything that decides how jieba cuts a paragraph (not what is kept)."""
    digest = hashlib.sha256()
    digest.update(f"v{SEGMENTATION_VERSION}\0jieba {metadata.version('jieba')}\0opencc {metadata.version('opencc')}\0".encode())
    for word in sorted(tokenizer.keep_words):
        digest.update(word.encode("utf-8") + b"\0")
    return digest.hexdigest()[:20]


#: SQLite's answers for a file that is not a database or a damaged one.
_DAMAGED = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


class SegmentationCache:
    """Paragraph text -> jieba words, in one SQLite file per segmentation fingerprint.

    SQLite makes every write a transaction, so an interrupted run never leaves a half
    written entry, and two runs sharing the cache wait for each other instead of clashing.
    A cache that cannot be used is reported with ``warn`` and switched off (:attr:`enabled`
    false: every look-up misses, nothing is stored); a damaged file is set aside and
    rebuilt first (see the module notes).
    """

    def __init__(self, directory: str | Path, fingerprint: str, *, warn=warn) -> None:
        self.path = Path(directory) / f"segments-{fingerprint}.sqlite"
        self.hits = 0
        self.misses = 0
        self._warn = warn
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._warn(f"{self.path.parent}: cannot make the segmentation cache folder ({error.strerror or error}); "
                       "going on without a cache")
            return
        try:
            self._db = self._open()
        except sqlite3.Error as error:
            if _error_name(error) not in _DAMAGED:
                self._give_up(error, "cannot open")
                return
            try:
                broken = self._set_aside()
            except OSError as rename_error:
                self._warn(f"{self.path}: segmentation cache is damaged ({error}) and cannot be set aside "
                           f"({rename_error.strerror or rename_error}); going on without a cache")
                self.close()
                return
            self._warn(f"{self.path}: segmentation cache is damaged ({error}); set aside as {broken.name}, rebuilding it")
            try:
                self._db = self._open()
            except sqlite3.Error as again:
                self._give_up(again, "cannot rebuild")

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _open(self) -> sqlite3.Connection:
        """Open the database, make the table, and check the file (a damaged page or a file
        cut short shows here, not halfway through a run)."""
        db = self._connect()
        try:
            db.execute("CREATE TABLE IF NOT EXISTS segments (key BLOB PRIMARY KEY, words TEXT NOT NULL)")
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                error = sqlite3.DatabaseError(f"quick_check: {verdict}")
                error.sqlite_errorname = "SQLITE_CORRUPT"
                raise error
        except BaseException:
            db.close()
            raise
        return db

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60)

    def _set_aside(self) -> Path:
        """Rename the damaged file (and its journal) to ``<name>.broken-<time>``; return the new path."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        broken = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while os.path.lexists(broken):
            broken = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
            n += 1
        os.rename(self.path, broken)
        for suffix in ("-journal", "-wal", "-shm"):
            companion = Path(f"{self.path}{suffix}")
            if companion.is_file() and not companion.is_symlink():
                os.rename(companion, f"{broken}{suffix}")  # a stale journal would be replayed into the new file
        return broken

    def _give_up(self, error: BaseException, doing: str) -> None:
        self._warn(f"{self.path}: {doing} the segmentation cache ({error}); going on without a cache")
        self.close()

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha1(text.encode("utf-8")).digest()

    def get_many(self, texts: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The cached segmentations among ``texts`` (none once the cache is off)."""
        found: dict[str, tuple[str, ...]] = {}
        if self._db is not None:
            by_key = {self.key(text): text for text in texts}
            keys = list(by_key)
            try:
                for start in range(0, len(keys), 500):
                    batch = keys[start : start + 500]
                    rows = self._db.execute(
                        f"SELECT key, words FROM segments WHERE key IN ({','.join('?' * len(batch))})", batch
                    )
                    for key, words in rows:
                        found[by_key[key]] = tuple(words.split(_WORD_SEPARATOR)) if words else ()
            except sqlite3.Error as error:
                self._give_up(error, "cannot read")
                found = {}
        self.hits += len(found)
        self.misses += len(texts) - len(found)
        return found

    def put_many(self, segmented: dict[str, tuple[str, ...]]) -> None:
        if self._db is None:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO segments (key, words) VALUES (?, ?)",
                    [(self.key(text), _WORD_SEPARATOR.join(words)) for text, words in segmented.items()],
                )
        except sqlite3.Error as error:
            self._give_up(error, "cannot write")

    def close(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None


def _error_name(error: BaseException) -> str:
    return getattr(error, "sqlite_errorname", "") or ""


class ParallelSegmenter:
    """Segments batches of paragraphs with the cache and a pool of worker processes.

    Use as a context manager (the pool lives inside it). :meth:`segment_chunks` keeps the
    workers busy on the next chunks while the caller maps the current one.
    """

    def __init__(self, tokenizer: ChineseTokenizer, *, workers: int = 1, cache_dir: str | Path | None = None) -> None:
        self.tokenizer = tokenizer
        self.workers = workers
        self.cache = SegmentationCache(cache_dir, segmentation_fingerprint(tokenizer)) if cache_dir else None
        self._pool = None

    def __enter__(self) -> ParallelSegmenter:
        self.tokenizer.segment("预热")  # load jieba's dictionary once, before any fork
        self._pool = fork_pool(self.workers, initializer=_set_worker_tokenizer, initargs=(self.tokenizer,))
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        if self.cache is not None:
            self.cache.close()

    def segment_chunks(
        self, chunks: Iterable[T], texts_of: Callable[[T], Sequence[str]]
    ) -> Iterator[tuple[T, dict[str, tuple[str, ...]]]]:
        """``(chunk, text -> jieba words)`` for each chunk, in order, where ``texts_of(chunk)``
        names the paragraphs to segment. Up to ``workers`` chunks are segmented ahead."""
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, self._start(texts_of(chunk))))
            if len(pending) > (self.workers if self._pool is not None else 0):
                chunk_done, job = pending.popleft()
                yield chunk_done, self._finish(*job)
        while pending:
            chunk_done, job = pending.popleft()
            yield chunk_done, self._finish(*job)

    def _start(self, chunk: Sequence[str]):
        texts = list(dict.fromkeys(chunk))
        known = self.cache.get_many(texts) if self.cache is not None else {}
        missing = [text for text in texts if text not in known]
        if self._pool is None or not missing:
            return known, missing, None
        batches = [missing[i : i + TASK_PARAGRAPHS] for i in range(0, len(missing), TASK_PARAGRAPHS)]
        return known, missing, self._pool.map_async(_segment_batch, batches)

    def _finish(self, known, missing, job) -> dict[str, tuple[str, ...]]:
        if job is None:
            words = [tuple(self.tokenizer.segment(text)) for text in missing]
        else:
            words = [segmented for batch in job.get() for segmented in batch]
        fresh = dict(zip(missing, words))
        if self.cache is not None and fresh:
            self.cache.put_many(fresh)
        known.update(fresh)
        return known


_worker_tokenizer: ChineseTokenizer | None = None


def _set_worker_tokenizer(tokenizer: ChineseTokenizer) -> None:
    global _worker_tokenizer
    _worker_tokenizer = tokenizer


def _segment_batch(texts: list[str]) -> list[tuple[str, ...]]:
    pause_point("tokenize")
    return [tuple(_worker_tokenizer.segment(text)) for text in texts]

