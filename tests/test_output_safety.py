"""``--out`` and the segmentation cache (issue 18): refuse what must not be replaced, before any
work; swap a results folder in atomically; report output and cache faults in one line.

Refusals are tried on a copy of a project's layout (``conftest.fake_project``), never on
the real checkout: today's code deleted what it was given.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

import polthemes.results
import polthemes.files as outputs
from conftest import (
    FAST_FIT,
    SMALL_CORPUS_IDS,
    copy_seeds,
    fake_project,
    polthemes_command,
    polthemes_environment,
    read_only,
    seed_bytes,
    tree_snapshot,
)
from polthemes.engines.local import run_analysis
from polthemes.results import write_results
from polthemes.cli import main
from polthemes.settings import AnalysisSettings

MARKER = ".polthemes-results"
RESULT_FILES = {
    MARKER, "article_similarity.csv", "article_themes.csv", "backend_agreement.csv", "distinctive_terms.csv",
    "document_topics.csv", "k_selection.csv", "k_selection_runs.csv", "k_selection_heldout.csv", "manifest.json", "model_tomotopy.bin",
    "passages.csv", "recurring_themes.csv", "theme_support.csv", "topic_terms.csv",
    "vocabulary.csv", "theme_terms.npy", "unit_lengths.npy", "unit_topics.npy",
}


def no_tokenizing(monkeypatch) -> None:
    """Fail the test if a run gets as far as tokenizing: refusals must come before any work."""
    from polthemes.text import pipeline
    from polthemes.text.pipeline import TokenPipeline

    def refuse(*args, **kwargs):
        raise AssertionError("the run started tokenizing before refusing its output folder")

    monkeypatch.setattr(TokenPipeline, "transform", refuse)
    monkeypatch.setattr(pipeline, "cached", refuse)  # tokens kept by an earlier test count too


# --- Refusals, before any work --------------------------------------------------------------


def _file(tmp_path, corpus, project):
    path = tmp_path / "notes.txt"
    path.write_bytes(seed_bytes(SMALL_CORPUS_IDS[0]))
    return path


def _own_folder(tmp_path, corpus, project):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "draft.txt").write_bytes(seed_bytes(SMALL_CORPUS_IDS[1]))
    (folder / "manifest.json").write_text('{"mine": true}\n', encoding="utf-8")  # a manifest of the user's own
    return folder


def _results_of_results(tmp_path, corpus, project):
    # `polthemes fit .` aimed at results/ itself, which holds the results of each corpus.
    seeds = project / "results" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / MARKER).write_text(outputs.MARKER_TEXT if hasattr(outputs, "MARKER_TEXT") else "x", encoding="utf-8")
    (seeds / "topic_terms.csv").write_text("theme,label\n0,a\n", encoding="utf-8")
    return project / "results"


def _results_with_a_note_of_the_users(tmp_path, corpus, project):
    # An earlier results folder into which the researcher saved a note of their own.
    folder = tmp_path / "results_with_note"
    folder.mkdir()
    (folder / MARKER).write_text(outputs.MARKER_TEXT + "files:\ntopic_terms.csv\n", encoding="utf-8")
    (folder / "topic_terms.csv").write_text("theme,label\n0,a\n", encoding="utf-8")
    (folder / "my_notes.txt").write_bytes(seed_bytes(SMALL_CORPUS_IDS[1]))
    return folder


def _marked_folder_with_a_notebook(tmp_path, corpus, project):
    # A marker without an inventory (a run killed while writing): only polthemes' kinds of file pass.
    folder = tmp_path / "marked"
    folder.mkdir()
    (folder / MARKER).write_text(outputs.MARKER_TEXT, encoding="utf-8")
    (folder / "analysis.ipynb").write_text("{}\n", encoding="utf-8")
    return folder


REFUSED = {
    "a results folder holding a file of the user's": (
        _results_with_a_note_of_the_users,
        "{out}: holds files or folders polthemes did not write (my_notes.txt), so it is left alone: "
        "move them out, or give a folder of its own",
    ),
    "a marked folder without inventory holding a notebook": (
        _marked_folder_with_a_notebook,
        "{out}: holds files or folders polthemes did not write (analysis.ipynb), so it is left alone: "
        "move them out, or give a folder of its own",
    ),
    "an existing file": (_file, "{out}: exists and is not a folder; give a folder for the results"),
    "a folder of the user's own": (
        _own_folder,
        "{out}: is a folder that polthemes did not write (no .polthemes-results marker), so it is left alone: "
        "give a new or empty folder, or an earlier results folder",
    ),
    "results/ holding the results of each corpus": (
        _results_of_results,
        "{out}: is a folder that polthemes did not write (no .polthemes-results marker), so it is left alone: "
        "give a new or empty folder, or an earlier results folder",
    ),
    "the corpus": (lambda t, c, p: c, "{out}: is the corpus; a results folder is replaced whole, so give it a folder of its own"),
    "a folder holding the corpus": (
        lambda t, c, p: c.parent, "{out}: holds the corpus {corpus}; a results folder is replaced whole, so give it a folder of its own"
    ),
    "a folder inside the corpus": (
        lambda t, c, p: c / "results", "{out}: lies inside the corpus folder {corpus}; its tables would be read as articles next time"
    ),
    "data/": (
        lambda t, c, p: p / "data",
        "{out}: holds data/raw/, the articles as scraped; a results folder is replaced whole, so give it a folder of its own",
    ),
    "data/raw/ itself": (lambda t, c, p: p / "data" / "raw", "{out}: data/raw/ is read-only input; write derived files elsewhere"),
    "a folder in data/raw/": (lambda t, c, p: p / "data" / "raw" / "out", "{out}: data/raw/ is read-only input; write derived files elsewhere"),
    "the project root": (
        lambda t, c, p: p,
        "{out}: is the project (src/, data/raw/, notebooks/); a results folder is replaced whole, so give it a folder of its own",
    ),
    "an ancestor of the project": (
        lambda t, c, p: p.parent,
        "{out}: holds the project (src/, data/raw/, notebooks/); a results folder is replaced whole, so give it a folder of its own",
    ),
    "a path through a file": (
        lambda t, c, p: _file(t, c, p) / "results", "{out}: cannot be created: {tmp}/notes.txt is not a folder"
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_fit_refuses_an_output_it_must_not_replace_before_any_work(case, tmp_path, monkeypatch, capsys):
    """Each of these was deleted or moved aside by today's code, after the whole run."""
    make, problem = REFUSED[case]
    project = fake_project(tmp_path / "checkout" / "project", monkeypatch)
    corpus = copy_seeds(tmp_path / "work" / "corpus")
    out = make(tmp_path, corpus, project)
    before = tree_snapshot(tmp_path)
    no_tokenizing(monkeypatch)
    assert main(["fit", str(corpus), "--out", str(out), *FAST_FIT]) == 2
    expected = "polthemes: error: " + problem.format(out=out, corpus=corpus, tmp=tmp_path) + "\n"
    assert capsys.readouterr().err == expected
    assert tree_snapshot(tmp_path) == before  # nothing removed, moved aside or left behind


def test_figures_refuse_the_corpus_a_file_and_a_folder_not_ours(tmp_path, monkeypatch, capsys):
    """The figures folder only receives files, so any folder will do but the corpus, data/raw/
    or a file; the results folder behind the figures follows the rules of ``fit --out``."""
    from polthemes.jobs import regenerate_figures

    project = fake_project(tmp_path / "project", monkeypatch)
    corpus = copy_seeds(tmp_path / "corpus")
    notes = _file(tmp_path, corpus, project)
    own = _own_folder(tmp_path, corpus, project)
    before = tree_snapshot(tmp_path)
    no_tokenizing(monkeypatch)
    for argv, problem in [
        (["--out", str(corpus)], f"{corpus}: is inside the corpus {corpus}; write figures elsewhere"),
        (["--out", str(notes)], f"{notes}: exists and is not a folder; give a folder for the figures"),
        (["--out", str(project / "data" / "raw")], f"{project / 'data' / 'raw'}: data/raw/ is read-only input; write derived files elsewhere"),
    ]:
        assert main(["figures", "--corpus", str(corpus), *argv, "--quiet"]) == 2
        assert capsys.readouterr().err == f"polthemes: error: {problem}\n"
    with pytest.raises(outputs.OutputFolderError, match="is a folder that polthemes did not write"):
        regenerate_figures(corpus, tmp_path / "figures", results_dir=own)
    assert tree_snapshot(tmp_path) == before


def test_a_read_only_location_is_refused_up_front(tmp_path, monkeypatch, capsys):
    corpus = copy_seeds(tmp_path / "corpus")
    locked = tmp_path / "locked"
    locked.mkdir()
    read_only(monkeypatch, locked)
    no_tokenizing(monkeypatch)
    out = locked / "results"
    assert main(["fit", str(corpus), "--out", str(out), *FAST_FIT]) == 2
    assert capsys.readouterr().err == f"polthemes: error: {out}: cannot write there: Permission denied ({locked})\n"
    assert list(locked.iterdir()) == []


# --- The writer -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(seed_report):
    """Two results that differ (K 2-3 and K 2-4) on the small corpus, computed once."""
    articles = [a for a in seed_report.articles if a.id in SMALL_CORPUS_IDS]
    fast = dict(chains=2, n_boot=0, cross_check=())
    return [run_analysis(articles, AnalysisSettings(k_values=k, **fast), corpus_name="corpus") for k in ((2, 3), (2, 3, 4))]


def written(results, tmp_path_factory) -> list[dict]:
    """What each result looks like once written."""
    snapshots = []
    for result in results:
        folder = tmp_path_factory.mktemp("reference") / "out"
        write_results(result, folder)
        snapshots.append(tree_snapshot(folder))
    return snapshots


@pytest.fixture(scope="module")
def references(results, tmp_path_factory):
    return written(results, tmp_path_factory)


def test_results_folder_carries_the_marker_and_replaces_only_its_own(results, references, tmp_path):
    out = tmp_path / "out"
    write_results(results[0], out)
    assert set(references[0]) == RESULT_FILES
    marker = (out / MARKER).read_text(encoding="utf-8")
    assert marker.startswith("polthemes results folder\n")
    # The marker lists what the run wrote, so a file added later is known not to be ours.
    assert marker.split("files:\n")[1].splitlines() == sorted(name for name in RESULT_FILES if name != MARKER)
    write_results(results[1], out)  # a results folder of an earlier run: replaced whole
    assert tree_snapshot(out) == references[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or retired folder left
    empty = tmp_path / "empty"
    empty.mkdir()
    write_results(results[0], empty)  # an empty folder will do
    assert tree_snapshot(empty) == references[0]
    # A folder written before the marker existed: manifest, tables and model, nothing else.
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name, data in references[0].items():
        if name != MARKER:
            (legacy / name).write_bytes(data)
    write_results(results[1], legacy)
    assert tree_snapshot(legacy) == references[1]


#: The steps of a write that a spy watches: each file written, each rename and removal.
SPIED = [(os, "replace"), (os, "rename"), (os, "rmdir"), (outputs.shutil, "rmtree"),
         (polthemes.results, "write_text_atomic"), (polthemes.results, "write_bytes_atomic")]


def spy_on_every_step(monkeypatch, out: Path, allowed: list[dict], crash_at: int | None = None, check_each_step: bool = True) -> list[str]:
    """Before and after every step of the write, ``out`` must be one of the ``allowed``
    complete folders; with ``crash_at``, that step raises instead of running."""
    steps: list[str] = []

    def check(when):
        if not check_each_step:
            return
        assert out.is_dir(), f"{out} is missing {when}"
        assert tree_snapshot(out) in allowed, f"{out} is not a complete result {when}"

    def spied(owner, name, real):
        def step(*args, **kwargs):
            steps.append(f"{name}{tuple(str(a) for a in args[:2])}")
            check(f"before step {len(steps)}, {steps[-1]}")
            if crash_at is not None and len(steps) == crash_at:
                raise KeyboardInterrupt(f"killed at step {crash_at}")
            result = real(*args, **kwargs)
            check(f"after step {len(steps)}, {steps[-1]}")
            return result

        return step

    for owner, name in SPIED:
        monkeypatch.setattr(owner, name, spied(owner, name, getattr(owner, name)))
    return steps


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "fallback-two-renames"])
def test_the_target_holds_a_complete_result_at_every_step(exchange, results, references, tmp_path, monkeypatch):
    """A run stopped at any step of the write leaves the old folder or the new one, whole.

    With ``renameat2`` this holds before and after every step. Without it the two renames
    leave a moment with no folder (the documented gap for a kill); an exception there (a
    SIGTERM) puts the old folder back, so after a crash at any step the folder is whole.
    Leftovers of a crash are cleared by the next write."""
    if not exchange:
        monkeypatch.setattr(outputs, "_renameat2", lambda source, target, flags: False, raising=False)
    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        write_results(results[0], out)
        steps = spy_on_every_step(patch, out, references, check_each_step=exchange)
        write_results(results[1], out)
    assert any(step.startswith("rename") for step in steps) != exchange  # the swap that was meant
    assert tree_snapshot(out) == references[1]
    for crash_at in range(1, len(steps) + 1):
        write_results(results[0], out)  # also clears what the previous crash left
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], steps[crash_at - 2]
        with monkeypatch.context() as patch:
            spy_on_every_step(patch, out, references, crash_at=crash_at, check_each_step=exchange)
            with pytest.raises(KeyboardInterrupt):
                write_results(results[1], out)
        assert tree_snapshot(out) in references, steps[crash_at - 1]


def test_a_run_never_removes_another_runs_staging_folder(results, references, tmp_path, monkeypatch):
    """A second run that writes the same ``--out`` while the first is half way through its
    write leaves the first run's staging folder alone; today both used ``.out.staging``."""
    out = tmp_path / "out"
    write_results(results[0], out)
    real = polthemes.results.write_text_atomic
    calls = []

    def write_text(path, text):
        calls.append(path)
        if len(calls) == 3:  # the first run has written two tables: the second run writes whole
            monkeypatch.setattr(polthemes.results, "write_text_atomic", real)
            write_results(results[0], out)
            assert tree_snapshot(out) == references[0]
        return real(path, text)

    monkeypatch.setattr(polthemes.results, "write_text_atomic", write_text)
    write_results(results[1], out)
    assert tree_snapshot(out) == references[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftovers_of_killed_runs_are_removed_only_when_ours(results, references, tmp_path):
    out = tmp_path / "out"
    write_results(results[0], out)
    killed = tmp_path / ".out.staging-k1ll3d"  # a run killed while writing: marker, part of the tables
    killed.mkdir()
    (killed / MARKER).write_bytes(references[0][MARKER])
    (killed / "topic_terms.csv").write_bytes(references[0]["topic_terms.csv"])
    (tmp_path / ".out.staging-empty").mkdir()  # killed between making the folder and the marker
    users = tmp_path / ".out.retired"  # today's code moved a user's folder here
    users.mkdir()
    (users / "draft.txt").write_bytes(seed_bytes(SMALL_CORPUS_IDS[0]))
    write_results(results[1], out)
    assert tree_snapshot(out) == references[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.retired", "out"]
    assert (users / "draft.txt").read_bytes() == seed_bytes(SMALL_CORPUS_IDS[0])


def test_a_full_disk_is_one_line_and_leaves_the_old_results(results, references, tmp_path, monkeypatch, capsys):
    """``write`` failing with ENOSPC on the third file: one line naming the folder, the old
    results untouched, no staging folder left."""
    corpus = copy_seeds(tmp_path / "corpus")
    out = tmp_path / "out"
    write_results(results[0], out)
    real_fdopen = os.fdopen
    opened = []

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def fdopen(descriptor, *args, **kwargs):
        handle = real_fdopen(descriptor, *args, **kwargs)
        if isinstance(descriptor, int) and "/.out.staging" in os.readlink(f"/proc/self/fd/{descriptor}"):
            opened.append(descriptor)
            if len(opened) >= 3:
                return FullDisk(handle)
        return handle

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(["fit", str(corpus), "--out", str(out), "--workers", "1", "--no-cache", *FAST_FIT]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"polthemes: error: {out}: cannot write the results: No space left on device; {out} is left as it was"
    assert not any("Traceback" in line for line in err)
    assert tree_snapshot(out) == references[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]


def test_two_concurrent_fits_on_one_out_both_succeed(tmp_path, references):
    """Both runs write at once (each pauses two seconds between writing and swapping, where
    today's shared ``.out.staging`` was removed under the other); the last swap wins."""
    corpus = copy_seeds(tmp_path / "corpus")
    out = tmp_path / "out"
    environment = polthemes_environment(tmp_path / "cache", POLTHEMES_TEST_PAUSE_AT="write", POLTHEMES_TEST_PAUSE_S="2")
    command = polthemes_command("fit", str(corpus), "--out", str(out), "--workers", "1", *FAST_FIT)
    runs = [subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    finished = [run.communicate(timeout=120) for run in runs]
    for run, (_, err) in zip(runs, finished):
        assert run.returncode == 0, err
        assert "polthemes: test pause at write" in err  # both really wrote at once
    assert tree_snapshot(out) == references[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "corpus", "out"]


# --- Worker processes -------------------------------------------------------------------------


def _death_signal_and_sigterm_handler():
    import signal

    from polthemes.execution import death_signal

    return death_signal(), signal.getsignal(signal.SIGTERM)


def test_pool_workers_die_with_their_parent(monkeypatch):
    """Every forked pool asks the kernel to SIGKILL its workers when the parent dies, and its
    workers do not inherit the parent's SIGTERM handler (``Pool.terminate`` must stop them)."""
    import ctypes
    import signal

    from polthemes.execution import fork_pool

    from polthemes.execution import death_signal

    # A worker must look nothing up in libc: ``dlopen``/``dlsym`` take the loader's lock,
    # which another thread of the parent may hold at the fork (the child would wait for ever).
    death_signal()  # the parent has looked prctl up
    def no_dlopen_here(*args, **kwargs):
        raise OSError("dlopen called in a forked worker")

    monkeypatch.setattr(ctypes, "CDLL", no_dlopen_here)
    previous = signal.signal(signal.SIGTERM, lambda *a: None)
    try:
        pool = fork_pool(2)
        try:
            # A worker that deadlocks must fail the test, not hang the suite.
            answer = pool.apply_async(_death_signal_and_sigterm_handler).get(timeout=60)
            assert answer == (signal.SIGKILL, signal.SIG_DFL)
        finally:
            pool.terminate()
            pool.join()
    finally:
        signal.signal(signal.SIGTERM, previous)


#: A parent whose SIGTERM handler ignores the signal stops a pool at once, although every
#: worker is still starting (each sleeps half a second right after the fork, before it could
#: reset its handlers). Before the signals were blocked across the fork, a SIGTERM sent in
#: that window met the parent's handler and ``Pool.terminate`` waited for ever.
SLOW_STARTING_WORKERS = """
import multiprocessing, os, signal, sys, threading, time
from polthemes.execution import fork_pool

signal.signal(signal.SIGTERM, lambda *a: None)
os.register_at_fork(after_in_child=lambda: time.sleep(0.5))
pool = fork_pool(2)
stopper = threading.Thread(target=lambda: (pool.terminate(), pool.join()), daemon=True)
stopper.start()
stopper.join(30)
if stopper.is_alive():
    for worker in multiprocessing.active_children():
        os.kill(worker.pid, signal.SIGKILL)
    sys.exit("the pool's workers ignored Pool.terminate() for 30 s")
print("stopped")
"""


def test_a_pool_stops_while_its_workers_are_still_starting(tmp_path):
    import sys

    environment = polthemes_environment(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-c", SLOW_STARTING_WORKERS], env=environment, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, "stopped"), run.stderr


# --- The segmentation cache -------------------------------------------------------------------


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLTHEMES_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def corpus_and_terms(tmp_path_factory):
    """The small corpus and what ``polthemes terms`` prints for it without a cache."""
    import contextlib
    import io

    corpus = copy_seeds(tmp_path_factory.mktemp("cache-corpus") / "corpus")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["terms", str(corpus), "--no-cache", "--workers", "1"]) == 0
    return corpus, printed.getvalue()


def terms(corpus, capsys) -> tuple[str, list[str]]:
    capsys.readouterr()
    assert main(["terms", str(corpus), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    return out, [line for line in err.splitlines() if line.startswith("polthemes:")]


def filled_cache(corpus, cache_dir, capsys) -> Path:
    """The segmentation database of a cache that ``terms`` filled; the tokens kept beside it
    are removed, so the next run segments again and meets whatever is done to the database."""
    out, warnings = terms(corpus, capsys)
    assert warnings == []
    (database,) = cache_dir.glob("segments-*.sqlite")
    forget_tokens(cache_dir)
    return database


def forget_tokens(cache_dir: Path) -> None:
    for kept in cache_dir.glob("tokens-*.pickle"):
        kept.unlink()


def test_a_cache_file_of_garbage_is_set_aside_and_rebuilt(corpus_and_terms, cache_dir, capsys):
    corpus, expected = corpus_and_terms
    database = filled_cache(corpus, cache_dir, capsys)
    garbage = seed_bytes(SMALL_CORPUS_IDS[1])[:3000]  # text, not a database
    database.write_bytes(garbage)
    out, warnings = terms(corpus, capsys)
    assert out == expected
    (broken,) = cache_dir.glob("*.broken-*")
    assert warnings == [
        f"polthemes: warning: {database}: segmentation cache is damaged (file is not a database); set aside as {broken.name}, rebuilding it"
    ]
    assert broken.read_bytes() == garbage and broken.name.startswith(f"{database.name}.broken-")
    forget_tokens(cache_dir)
    assert terms(corpus, capsys) == (expected, [])  # the rebuilt cache is used, silently
    assert sqlite3.connect(database).execute("SELECT count(*) FROM segments").fetchone()[0] > 0


def test_a_cache_file_cut_in_half_is_set_aside_and_rebuilt(corpus_and_terms, cache_dir, capsys):
    corpus, expected = corpus_and_terms
    database = filled_cache(corpus, cache_dir, capsys)
    size = database.stat().st_size
    assert size >= 4 * 4096  # several pages, so half of it cuts the table's pages
    with open(database, "r+b") as handle:
        handle.truncate(size // 2)
    out, warnings = terms(corpus, capsys)
    assert out == expected
    (broken,) = cache_dir.glob("*.broken-*")
    assert warnings == [
        f"polthemes: warning: {database}: segmentation cache is damaged (database disk image is malformed); "
        f"set aside as {broken.name}, rebuilding it"
    ]
    assert terms(corpus, capsys) == (expected, [])


def test_a_cache_folder_that_is_a_file_means_no_cache(corpus_and_terms, tmp_path, monkeypatch, capsys):
    corpus, expected = corpus_and_terms
    in_the_way = tmp_path / "cache"
    in_the_way.write_bytes(seed_bytes(SMALL_CORPUS_IDS[0]))
    monkeypatch.setenv("POLTHEMES_CACHE_DIR", str(in_the_way))
    out, warnings = terms(corpus, capsys)
    assert out == expected
    # Four caches live there (the reading, jieba's dictionary, the segmentations, the tokens):
    # each says it goes without.
    assert len(warnings) == 4
    assert warnings[0].startswith(f"polthemes: warning: {in_the_way}/reading-")
    assert warnings[0].endswith(": cannot keep the reading for the next run (File exists); going on without")
    assert warnings[1].startswith(f"polthemes: warning: {in_the_way}/jieba-prefix-")
    assert warnings[1].endswith(": cannot write the jieba dictionary cache (File exists); going on without it")
    assert warnings[2] == (
        f"polthemes: warning: {in_the_way}: cannot make the segmentation cache folder (File exists); going on without a cache"
    )
    assert warnings[3].startswith(f"polthemes: warning: {in_the_way}/tokens-")
    assert warnings[3].endswith(": cannot keep the tokens for the next run (File exists); going on without")
    assert in_the_way.read_bytes() == seed_bytes(SMALL_CORPUS_IDS[0])  # the user's file, untouched


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        # The disk fills up after the table is made: SQLite's own answer when it cannot grow.
        ("PRAGMA max_page_count = 2", "database or disk is full"),
        # A cache the process may read but not write.
        ("PRAGMA query_only = 1", "attempt to write a readonly database"),
    ],
    ids=["full", "unwritable"],
)
def test_a_cache_write_failing_mid_run_switches_the_cache_off(limit, message, corpus_and_terms, cache_dir, capsys, monkeypatch):
    corpus, expected = corpus_and_terms
    real_connect = sqlite3.connect

    def connect(path, *args, **kwargs):
        db = real_connect(path, *args, **kwargs)
        db.execute("CREATE TABLE IF NOT EXISTS segments (key BLOB PRIMARY KEY, words TEXT NOT NULL)")
        db.execute(limit)
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)
    out, warnings = terms(corpus, capsys)
    assert out == expected
    (database,) = cache_dir.glob("segments-*.sqlite")
    assert warnings == [f"polthemes: warning: {database}: cannot write the segmentation cache ({message}); going on without a cache"]
    assert not list(cache_dir.glob("*.broken-*"))  # nothing wrong with the file: kept


def test_fit_with_a_damaged_cache_gives_the_tables_of_a_run_without_one(tmp_path, cache_dir, capsys):
    corpus = copy_seeds(tmp_path / "corpus")
    assert main(["fit", str(corpus), "--out", str(tmp_path / "plain"), "--no-cache", "--workers", "1", *FAST_FIT]) == 0
    assert main(["terms", str(corpus), "--workers", "1"]) == 0  # fills the cache
    (database,) = cache_dir.glob("segments-*.sqlite")
    forget_tokens(cache_dir)
    database.write_bytes(b"\0" * 100 + seed_bytes(SMALL_CORPUS_IDS[2])[:5000])
    capsys.readouterr()
    assert main(["fit", str(corpus), "--out", str(tmp_path / "cached"), "--workers", "2", *FAST_FIT]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("polthemes: warning")]
    assert len(warnings) == 1 and "segmentation cache is damaged (file is not a database)" in warnings[0]
    plain, cached = tree_snapshot(tmp_path / "plain"), tree_snapshot(tmp_path / "cached")
    tables = [name for name in plain if name.endswith(".csv") or name == "manifest.json"]
    assert len(tables) == 14 and {name: cached[name] for name in tables} == {name: plain[name] for name in tables}


def test_a_cache_file_that_cannot_be_opened_means_no_cache(corpus_and_terms, cache_dir, capsys):
    """A folder where the database should be: SQLite cannot open it, and it is not a damaged
    file of ours to set aside, so it stays and the run goes on without a cache."""
    corpus, expected = corpus_and_terms
    database = filled_cache(corpus, cache_dir, capsys)
    database.unlink()
    database.mkdir()
    out, warnings = terms(corpus, capsys)
    assert out == expected
    assert warnings == [
        f"polthemes: warning: {database}: cannot open the segmentation cache (unable to open database file); going on without a cache"
    ]
    assert database.is_dir() and not list(cache_dir.glob("*.broken-*"))
