"""``polthemes fit`` killed at each phase (issue 18): the previous results stay whole, no worker
outlives the run, and the next run is the same as a clean one.

Each run is a real ``python -m polthemes fit`` process with two workers, on three seed
articles, over a folder that holds the complete results of an earlier run (with other K,
so that an old folder and a new one cannot be mistaken for each other). It is stopped by
SIGKILL or SIGTERM while tokenizing, during the K sweep, or while writing its results. The
phase is hit deterministically by the test hook ``POLTHEMES_TEST_PAUSE_AT=PHASE``
(:func:`polthemes.execution.pause_point`), which prints a line and sleeps there. While
tokenizing and during the sweep the pause is inside the workers (segmenting a batch of
Chinese paragraphs with an empty cache; fitting a model), so they are busy when the
parent dies, as they would be in a real run: an idle pool worker ends by itself when the
parent's end of its task pipe closes, a busy one ran on under PID 1 until its task ended.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import child_processes, copy_seeds, is_alive, polthemes_command, polthemes_environment, tree_snapshot

RUN = ("--k", "2,3,4", "--seeds", "2", "--bootstrap", "0", "--cross-check", "none", "--workers", "2", "--quiet")
EARLIER_RUN = ("--k", "2,3", "--seeds", "2", "--bootstrap", "0", "--cross-check", "none", "--workers", "2", "--quiet")
#: Seconds a worker may outlive its parent.
WORKER_GRACE_S = 1.0

#: Real processes, stopped and run again: each test runs two ``polthemes fit`` processes end to end.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The corpus, a clean run's folder and an earlier run's folder (to copy into ``--out``)."""
    root = tmp_path_factory.mktemp("faults")
    corpus = copy_seeds(root / "corpus")
    environment = polthemes_environment(root / "cache")
    for name, arguments in (("clean", RUN), ("earlier", EARLIER_RUN)):
        subprocess.run(polthemes_command("fit", str(corpus), "--out", str(root / name), *arguments),
                       env=environment, check=True, capture_output=True, timeout=300)
    return corpus, root / "clean", root / "earlier"


def _ctrl_c_at_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def wait_for(process, lines: queue.Queue, wanted: str, seen: list[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail(f"the run ended (status {process.wait()}) before {wanted!r}:\n" + "\n".join(seen))
        seen.append(line)
        if line.startswith(wanted):
            return
    pytest.fail(f"no {wanted!r} within {timeout_s} s:\n" + "\n".join(seen))


@pytest.mark.parametrize("phase", ["tokenize", "sweep", "write"])
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_stopped_run_leaves_the_earlier_results_and_no_workers(stop, phase, runs, tmp_path):
    corpus, clean, earlier = runs
    out = tmp_path / "work" / "out"
    shutil.copytree(earlier, out)
    before = tree_snapshot(out)
    command = polthemes_command("fit", str(corpus), "--out", str(out), *RUN)
    # A cache of its own, empty: Chinese paragraphs go to the workers, which pause there.
    environment = polthemes_environment(tmp_path / "cache", POLTHEMES_TEST_PAUSE_AT=phase)
    # Started as from a terminal, with Ctrl-C at its default: a suite run in the background
    # (nohup, `cmd &`) inherits SIGINT ignored, and a process that ignores it would rightly
    # ignore the test's Ctrl-C too.
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_ctrl_c_at_default)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stderr, lines), daemon=True).start()
    seen: list[str] = []
    try:
        wait_for(process, lines, f"polthemes: test pause at {phase}", seen)
        workers = child_processes(process.pid)
        assert len(workers) == (0 if phase == "write" else 2), seen  # the pools are there (and gone when writing)
        os.kill(process.pid, stop)
        if stop == signal.SIGINT:  # Ctrl-C in a terminal reaches the whole process group
            for pid in workers:
                os.kill(pid, stop)
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    ended = time.monotonic()
    while any(is_alive(pid) for pid in workers) and time.monotonic() - ended < WORKER_GRACE_S:
        time.sleep(0.02)
    assert [pid for pid in workers if is_alive(pid)] == [], f"workers outlived the {stop.name}ed run"

    if stop in (signal.SIGTERM, signal.SIGINT):
        assert status == (143 if stop == signal.SIGTERM else 130)
        deadline = time.monotonic() + 10
        while (not seen or seen[-1] is not None) and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=0.1))
            except queue.Empty:
                pass
        printed = [line for line in seen if line is not None]
        assert printed[-1] == (
            "polthemes: stopped by SIGTERM" if stop == signal.SIGTERM
            else "polthemes: interrupted; earlier results are left as they were"
        )
        assert not any("Traceback" in line for line in printed), printed
    else:
        assert status == -signal.SIGKILL
    assert tree_snapshot(out) == before  # the earlier results, whole and untouched
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name != "out")
    if stop == signal.SIGKILL and phase == "write":
        assert len(leftovers) == 1 and leftovers[0].startswith(".out.staging-")  # what the killed run left
    else:
        assert leftovers == []  # SIGTERM and Ctrl-C clean up; before the write there is nothing to clean

    again = subprocess.run(command, env=polthemes_environment(tmp_path / "cache"), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert tree_snapshot(out) == tree_snapshot(clean)  # every table, the manifest, the model, the marker
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # a killed run's staging folder is cleared
