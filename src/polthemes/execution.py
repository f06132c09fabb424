"""How a run is carried out: worker processes and the segmentation cache, in one place.

None of this changes a result (tested: one worker or two, cold cache or warm, the tables
are byte-identical), so it stays out of :class:`~polthemes.settings.AnalysisSettings` and
the manifest. The command line, :func:`polthemes.analysis.analyse_corpus` and
:func:`polthemes.figures.regenerate_figures` all resolve their defaults here.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.pool import Pool
from pathlib import Path

from polthemes.config import CACHE_DIR
from polthemes.settings import AnalysisError


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
    """``workers`` and ``cache_dir`` keyword arguments for :func:`polthemes.analysis.run_analysis`.

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


def fork_pool(workers: int, **pool_arguments) -> Pool | None:
    """A pool of ``workers`` forked processes, or ``None`` when one process must do.

    Forked workers inherit what the parent has loaded (jieba's dictionary, a bag of words)
    instead of unpickling it. Where a platform cannot fork, the caller works in-process.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(workers, **pool_arguments)
