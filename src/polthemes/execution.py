"""How a run is carried out: worker processes and the segmentation cache, in one place.

None of this changes a result (tested: one worker or two, cold cache or warm, the tables
are byte-identical), so it stays out of :class:`~polthemes.settings.AnalysisSettings` and
the manifest. The command line, :func:`polthemes.jobs.analyse_corpus` and
:func:`polthemes.report.figures.regenerate_figures` all resolve their defaults here.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TypeVar

from polthemes.config import CACHE_DIR
from polthemes.settings import AnalysisError

C = TypeVar("C")
J = TypeVar("J")
R = TypeVar("R")


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def default_cache_dir() -> Path:
    """``$POLTHEMES_CACHE_DIR`` if set, else ``.cache/polthemes/`` in the project."""
    return Path(os.environ.get("POLTHEMES_CACHE_DIR") or CACHE_DIR)


def resolve_execution(workers: int | None = None, cache: bool | str | Path = True) -> dict:
    """``workers`` and ``cache_dir`` keyword arguments for :func:`polthemes.engines.local.run_analysis`.

    ``workers=None`` means every core; ``cache=True`` the default cache folder, ``False``
    no cache, a path that folder.
    """
    if workers is not None and workers < 1:
        raise AnalysisError(f"workers must be at least 1, got {workers}")
    if cache is True:
        cache_dir = default_cache_dir()
    elif cache is False:
        cache_dir = None
    else:
        cache_dir = Path(cache)
    return {"workers": workers or default_workers(), "cache_dir": cache_dir}


def fork_pool(workers: int, *, initializer=None, initargs=(), **pool_arguments) -> Pool | None:
    """A pool of ``workers`` forked processes, or ``None`` when one process must do.

    Forked workers inherit what the parent has loaded (jieba's dictionary, a bag of words)
    instead of unpickling it. Where a platform cannot fork, the caller works in-process.

    Every worker dies with its parent: on Linux it asks the kernel for SIGKILL when its
    parent goes (``prctl(PR_SET_PDEATHSIG)``), so a parent killed with SIGKILL leaves no
    worker fitting on under PID 1; it checks afterwards that the parent it was forked from is
    still there (the parent may have died before the ``prctl``). Workers also put SIGTERM
    back to its default, so ``Pool.terminate()`` stops them at once whatever handler the
    parent installed (the command line's turns SIGTERM into an exception). The kernel sends
    the signal when the *thread* that forked the worker ends: pools here are created by the
    thread that uses them and terminated before it ends.

    A forked child holds only the thread that forked it, and any lock another thread held at
    that moment stays locked for ever. So a worker's first step must take no lock the parent's
    other threads may hold: ``prctl`` is looked up here, in the parent (``dlopen`` and
    ``dlsym`` take the dynamic loader's lock), and the child only calls it.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    _libc_prctl()  # resolved before the fork, never in a child
    # Until a worker has put its own handlers in place it would run the parent's: a SIGTERM
    # from ``Pool.terminate()`` in that window met a handler that ignores it, and ``join``
    # waited for ever (CI, stop 24). So the signals stay blocked from before the first fork
    # until each worker has reset them; one sent meanwhile waits, and then kills the worker.
    # The pool's own threads start inside this window too, so workers they fork later to
    # replace others inherit the same mask.
    previous_mask = _block(_WORKER_SIGNALS)
    try:
        return multiprocessing.get_context("fork").Pool(
            workers, initializer=_start_worker, initargs=(os.getpid(), initializer, initargs), **pool_arguments
        )
    finally:
        _restore(previous_mask)


def forked_map(
    function: Callable[[C, J], R], jobs: Sequence[J], context: C, *, workers: int, done: Callable[[], None] | None = None
) -> list[R]:
    """``[function(context, job) for job in jobs]``, the jobs shared among ``workers`` forked
    processes; results in job order, so the answer never depends on ``workers``.

    ``context`` (a bag of words, a model, a closure) reaches each worker by the fork and is
    never pickled; only the jobs and the results are. ``function`` must be a module-level
    function (workers receive it by name). ``done`` is called once per finished job (a
    progress bar). With one worker, or where a platform cannot fork, the jobs run here.
    """
    global _forked_context
    _forked_context = context  # before the fork: each worker inherits it
    try:
        pool = fork_pool(min(workers, len(jobs))) if len(jobs) > 1 else None
        if pool is None:
            outputs = (function(context, job) for job in jobs)
        else:
            outputs = pool.imap(_call_with_context, [(function, job) for job in jobs])
        try:
            results = []
            for result in outputs:
                results.append(result)
                if done is not None:
                    done()
            return results
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
    finally:
        _forked_context = None


_forked_context = None


def _call_with_context(task):
    function, job = task
    return function(_forked_context, job)


#: The signals a worker handles differently from its parent (see :func:`_start_worker`).
_WORKER_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


def _block(signals: frozenset) -> set | None:
    """Block ``signals`` in this thread; the previous mask, or ``None`` where there are no masks."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, signals)


def _restore(mask: set | None) -> None:
    if mask is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


#: ``prctl`` option: the signal a process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int, initializer, initargs) -> None:
    """Every pool worker's first step (see :func:`fork_pool`), then the caller's initializer."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the parent stops the pool, a worker must not
    # print a traceback of its own for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Blocked since before the fork (see fork_pool); a SIGTERM already waiting kills us now.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _WORKER_SIGNALS)
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


#: ``prctl`` option: read back the signal set with :data:`_PR_SET_PDEATHSIG`.
_PR_GET_PDEATHSIG = 2
#: libc's ``prctl``, looked up once (see :func:`fork_pool`); ``False`` where there is none.
_prctl = None


def _libc_prctl():
    """libc's ``prctl`` function, or ``None`` off Linux; looked up on the first call only."""
    global _prctl
    if _prctl is None:
        _prctl = False
        if sys.platform.startswith("linux"):
            try:
                _prctl = ctypes.CDLL(None, use_errno=True).prctl
            except (OSError, AttributeError):
                pass
    return _prctl or None


def die_with_parent(parent: int) -> None:
    """Have this process killed when its parent ``parent`` dies (Linux; elsewhere only the
    check), and exit at once if it is gone already."""
    prctl = _libc_prctl()
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def death_signal() -> int:
    """The signal this process gets when its parent dies (0: none, or not on Linux)."""
    prctl = _libc_prctl()
    if prctl is None:
        return 0
    value = ctypes.c_int()
    prctl(_PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0)
    return value.value


#: Test hook: ``POLTHEMES_TEST_PAUSE_AT=PHASE`` makes a run pause at that phase.
PAUSE_ENVIRONMENT = "POLTHEMES_TEST_PAUSE_AT"
#: The phases :func:`pause_point` knows, where they are.
PAUSE_PHASES = {
    "tokenize": "polthemes.text.segmentation._segment_batch, in each worker segmenting paragraphs (two or more workers, paragraphs not in the cache)",
    "sweep": "polthemes.modelling.selection._fit_and_score, in each worker (or in the process itself with one worker), before a fit",
    "write": "polthemes.files.write_results_folder, after the staging folder is written, before the swap",
}


def pause_point(phase: str) -> None:
    """Pause here if ``$POLTHEMES_TEST_PAUSE_AT`` names ``phase`` (a test hook, off by default).

    For the fault tests, which kill a run at a chosen phase (:data:`PAUSE_PHASES`): the
    process prints ``polthemes: test pause at PHASE (pid N)`` to standard error and sleeps
    ``$POLTHEMES_TEST_PAUSE_S`` seconds (default 60). Read here and nowhere else; unset, it
    costs one dictionary look-up.
    """
    if os.environ.get(PAUSE_ENVIRONMENT) != phase:
        return
    print(f"polthemes: test pause at {phase} (pid {os.getpid()})", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("POLTHEMES_TEST_PAUSE_S", "60")))
