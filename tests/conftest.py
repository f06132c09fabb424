"""Fixtures shared by the tests: the real seed articles, and crafted bad inputs built from them.

The seeds the tests read are their own copies, ``tests/fixtures/seeds/`` (byte for byte the
five founding articles of ``data/raw/``): ``data/raw/`` is the researcher's corpus, which
they are invited to add articles to, and no test may depend on what it holds. Tests never
read ``../shared/``. Crafted inputs are made from the seed text itself (re-encoded,
truncated, duplicated) so they stay real text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from polthemes import read_corpus
from polthemes.config import PROJECT_ROOT, RAW_DIR, RESOURCES_DIR
from polthemes.corpus.records import Article, CorpusReport

#: The tests' own copy of the five founding articles (``cp data/raw/*.txt``).
SEEDS_DIR = Path(__file__).resolve().parent / "fixtures" / "seeds"

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
    """The seed articles (:data:`SEEDS_DIR`) read once for the whole session (the reader never
    mutates it)."""
    return read_corpus(SEEDS_DIR)


@pytest.fixture(scope="session")
def seeds(seed_report: CorpusReport) -> dict[str, Article]:
    return {article.id: article for article in seed_report.articles}


def seed_bytes(article_id: str) -> bytes:
    return (SEEDS_DIR / f"{article_id}.txt").read_bytes()


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


# --- The project's own inputs, and the outputs committed from them ------------------------

#: SHA-256 of each founding article: what ``data/raw/`` held when the committed figures and
#: notebook outputs were made, and what :data:`SEEDS_DIR` holds.
SEED_SHA256 = {
    "000_b5b58f93a4d00913.txt": "4e5fb886248cf9ea3813cf3100ba89250812d9289932d0fe35576199de51f5b9",
    "001_8f0852614ca12649.txt": "36a0f05cb562ace0dbc088bdcf3dc0565d995b64c3a2a5b5a33fc3358e9929e9",
    "002_d08908587e061e7b.txt": "65db54044270bf2eb398a2ba92d503f49c6786cfd5541f4039c1f0bced26819a",
    "003_8b995b79f267ea23.txt": "56221bc0ceea005f3c735953446cc5a1997f2e874705b1bd257eae283c2811f6",
    "004_9f2977c42318f10c.txt": "5ea3470424e9898f94be39d63b6c64143516095a752e5bcd133aff4abb5a88f2",
}


def folder_sha256(folder: Path) -> dict[str, str]:
    """Name -> SHA-256 of every file in ``folder`` a reader would look at (hidden entries,
    such as a notebook's checkpoints, are not read and not counted)."""
    import hashlib

    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "(folder)"
        for path in sorted(Path(folder).iterdir())
        if not path.name.startswith(".")
    }


def data_raw_changes() -> str | None:
    """How ``data/raw/`` differs from the five founding articles, or ``None`` if it holds
    exactly them (the researcher is invited to add articles there)."""
    if not RAW_DIR.is_dir():
        return f"{RAW_DIR} is missing"
    found = folder_sha256(RAW_DIR)
    added = sorted(set(found) - set(SEED_SHA256))
    removed = sorted(set(SEED_SHA256) - set(found))
    changed = sorted(name for name in set(found) & set(SEED_SHA256) if found[name] != SEED_SHA256[name])
    parts = [f"{label} {', '.join(names)}" for label, names in (("added", added), ("removed", removed), ("changed", changed)) if names]
    return "; ".join(parts) or None


def resources_changes() -> str | None:
    """How ``src/polthemes/resources/`` (glossary, stopwords, labels ...) differs from the
    committed version, as git sees it, or ``None`` if it is the committed one."""
    import subprocess

    try:
        status = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=all", "--", str(RESOURCES_DIR)],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot ask git whether they are the committed ones ({error})"
    if status.returncode != 0:
        return f"cannot ask git whether they are the committed ones ({status.stderr.strip() or status.returncode})"
    return ", ".join(line[3:] for line in status.stdout.splitlines()) or None


def skip_unless_committed_inputs(outputs: str, remedy: str) -> None:
    """Skip a comparison with committed ``outputs`` when the inputs they were made from (the
    five seeds in ``data/raw/``, the committed resource files) were changed in this checkout:
    the committed outputs then rightly differ from what the code makes now, and ``remedy``
    (``make figures``) refreshes them. On an unchanged checkout, as CI runs, the comparison runs."""
    raw = data_raw_changes()
    if raw:
        pytest.skip(f"data/raw/ was changed by the user ({raw}), so the committed {outputs} (made from the five "
                    f"founding articles) cannot match it; `{remedy}` regenerates them from your corpus")
    resources = resources_changes()
    if resources:
        pytest.skip(f"the resource files differ from the committed ones ({resources}), so the committed {outputs} "
                    f"cannot match them; `{remedy}` regenerates them with your resources")
    params = params_changes()
    if params:
        pytest.skip(f"params.toml differs from the committed one ({params}), so the committed {outputs} "
                    f"cannot match it; `{remedy}` regenerates them with your parameters")


def params_changes() -> str | None:
    """How ``params.toml`` differs from the committed version, as git sees it, or ``None``."""
    import subprocess

    try:
        status = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--", "params.toml"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return (status.stdout.strip() or None) if status.returncode == 0 else None


# --- The full default analysis of the seeds, fitted once ------------------------------------


@pytest.fixture(scope="session")
def default_analysis(seed_report):
    """The seeds' full default analysis, as ``make figures`` fits it (K 2-10, 64 chains per
    K, held-out folds, bootstrap, the cross-check backends; every core and the cache): the
    suite's most expensive computation, fitted once and shared by every test that needs it.
    Tests that check behaviour the default run does not need use small settings instead."""
    from polthemes.engines.local import run_analysis
    from polthemes.execution import resolve_execution
    from polthemes.settings import AnalysisSettings

    return run_analysis(seed_report.articles, AnalysisSettings(), corpus_name="seeds", report=seed_report,
                        **resolve_execution(None, True))


def reuse_default_analysis(monkeypatch, result) -> list:
    """Make :func:`polthemes.engines.local.run_analysis` return ``result`` (writing it where
    asked) when called as ``result`` was fitted: the same articles, the default settings, the
    same corpus name and reading report. Any other call fits as usual. Returns the list of
    calls answered from ``result``, so a test can say that its code asked for exactly that run."""
    import polthemes.engines.local as local
    from polthemes.results import corpus_hash, write_results
    from polthemes.settings import AnalysisSettings

    real = local.run_analysis
    reused = []

    def run_analysis(articles, settings=AnalysisSettings(), out_dir=None, *, corpus_name="", report=None, **execution):
        same = (
            settings == result.settings
            and corpus_hash(articles) == result.manifest["corpus"]["sha256"]
            and corpus_name == result.manifest["corpus"]["name"]
            and (report or CorpusReport(articles=list(articles))).problems_record() == result.manifest["reading"]
        )
        if not same:
            return real(articles, settings, out_dir, corpus_name=corpus_name, report=report, **execution)
        if out_dir is not None:
            write_results(result, Path(out_dir))
        reused.append(corpus_name)
        return result

    monkeypatch.setattr(local, "run_analysis", run_analysis)
    return reused
