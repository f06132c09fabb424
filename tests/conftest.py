"""Fixtures shared by the tests: the real seed articles, and crafted bad inputs built from them.

Tests never read ``../shared/``: a researcher's clone has only ``data/raw/``. Crafted inputs
are made from the seed text itself (re-encoded, truncated, duplicated) so they stay real text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from polthemes import read_corpus
from polthemes.config import RAW_DIR
from polthemes.corpus.records import Article, CorpusReport

#: The five founding articles, by id.
SEED_IDS = (
    "000_b5b58f93a4d00913",
    "001_8f0852614ca12649",
    "002_d08908587e061e7b",
    "003_8b995b79f267ea23",
    "004_9f2977c42318f10c",
)


@pytest.fixture(scope="session", autouse=True)
def quiet_and_private_cache(tmp_path_factory):
    """No progress bars in test output, and a segmentation cache of the session's own, so
    the tests neither read nor fill the project's ``.cache/``."""
    patch = pytest.MonkeyPatch()
    patch.setenv("POLTHEMES_PROGRESS", "0")
    patch.setenv("POLTHEMES_CACHE_DIR", str(tmp_path_factory.mktemp("segmentation-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def seed_report() -> CorpusReport:
    """``data/raw/`` read once for the whole session (the reader never mutates it)."""
    return read_corpus(RAW_DIR)


@pytest.fixture(scope="session")
def seeds(seed_report: CorpusReport) -> dict[str, Article]:
    return {article.id: article for article in seed_report.articles}


def seed_bytes(article_id: str) -> bytes:
    return (RAW_DIR / f"{article_id}.txt").read_bytes()


def seed_text(article_id: str) -> str:
    return seed_bytes(article_id).decode("utf-8")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """An empty folder to craft a corpus in."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


# --- Output and fault tests (tests/test_output_safety.py, tests/test_faults.py) ---------------

#: The quickest ``polthemes fit`` that still sweeps K with two seeds.
FAST_FIT = ("--k", "2,3", "--seeds", "2", "--bootstrap", "0", "--cross-check", "none", "--quiet")
#: Two English seeds and one Chinese: both tokenizers, jieba included.
SMALL_CORPUS_IDS = (SEED_IDS[0], SEED_IDS[2], SEED_IDS[3])


def copy_seeds(folder: Path, ids=SMALL_CORPUS_IDS) -> Path:
    """A corpus folder holding copies of the seed articles ``ids``."""
    folder.mkdir(parents=True, exist_ok=True)
    for article_id in ids:
        (folder / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    return folder


def tree_snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (relative, hidden ones too) -> its bytes, ``None`` for a folder."""
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def fake_project(root: Path, monkeypatch) -> Path:
    """A copy of a project's layout (src/, notebooks/, data/raw/ with a seed) at ``root``,
    made the project the output checks protect, so that a test of a refusal can never harm
    the real checkout even where the code under test fails to refuse."""
    (root / "src" / "polthemes").mkdir(parents=True)
    (root / "src" / "polthemes" / "__init__.py").write_text('"""polthemes"""\n', encoding="utf-8")
    (root / "notebooks").mkdir()
    (root / "notebooks" / "01_read.ipynb").write_text("{}\n", encoding="utf-8")
    copy_seeds(root / "data" / "raw", ids=SEED_IDS[:1])
    import polthemes.files

    monkeypatch.setattr(polthemes.files, "RAW_DIR", root / "data" / "raw")
    monkeypatch.setattr(polthemes.files, "PROJECT_ROOT", root, raising=False)
    return root


def read_only(monkeypatch, folder: Path) -> None:
    """Make creating anything inside ``folder`` fail as a read-only folder does for an
    ordinary user (EACCES). Tests run as root, whom chmod does not stop, so the refusal is
    put where the kernel would answer: at ``mkdir``, and at ``open`` with ``O_CREAT`` or
    ``O_TMPFILE``."""
    import errno
    import os

    folder = Path(folder).resolve()
    real_mkdir, real_open = os.mkdir, os.open

    def inside(path, dir_fd=None) -> bool:
        return dir_fd is None and folder in Path(os.path.abspath(path)).parents

    def mkdir(path, mode=0o777, *, dir_fd=None):
        if inside(path, dir_fd):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_mkdir(path, mode, dir_fd=dir_fd)

    def open_(path, flags, mode=0o777, *, dir_fd=None):
        tmpfile = getattr(os, "O_TMPFILE", 0)  # an unnamed file in the folder the path names
        unnamed = tmpfile and flags & tmpfile == tmpfile and dir_fd is None and Path(os.path.abspath(path)) == folder
        if unnamed or (flags & os.O_CREAT and inside(path, dir_fd)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)


def child_processes(pid: int) -> set[int]:
    """The live descendants of process ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            state = process_state(int(entry.name))
            if state is not None and state[0] != "Z":
                parents[int(entry.name)] = state[1]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def process_state(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process, ``None`` once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets
    return fields[0], int(fields[1])


def is_alive(pid: int) -> bool:
    """Running or sleeping (a zombie is dead: only its exit status is left)."""
    state = process_state(pid)
    return state is not None and state[0] not in "ZX"


def polthemes_command(*args: str) -> list[str]:
    """``python -m polthemes ARGS`` with this interpreter."""
    import sys

    return [sys.executable, "-m", "polthemes", *args]


def polthemes_environment(cache_dir: Path, **variables: str) -> dict[str, str]:
    """The environment for a ``polthemes`` subprocess: the package these tests import, no
    progress bars, a private segmentation cache, and ``variables``."""
    import os

    import polthemes

    source = str(Path(polthemes.__file__).resolve().parents[1])
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [source, environment.get("PYTHONPATH", "")]))
    environment.update(POLTHEMES_PROGRESS="0", POLTHEMES_CACHE_DIR=str(cache_dir), **variables)
    return environment
