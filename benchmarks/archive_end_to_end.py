"""The whole archive end to end: load, clean, tokenize, fit one K, draw the theme figures.

Issue targets (2 cores): at most 2 minutes with a cold segmentation cache, at most 45 s
with a warm one, peak memory under 2 GB, growing less than linearly with the corpus. Each
configuration runs in a fresh Python process (``--one``) so peak memory and timings are
its own; the parent writes ``benchmarks/results/archive_end_to_end.md``.

The baseline in the same run is the project itself: cold against warm cache, and each
prefix of the archive (1k / 4k / 16k / all items) against the others for the scaling
curve. The archive lives in ``../shared/corpora/`` and is never copied into the project;
prefixes are written to a temporary folder and deleted.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE.parent.parent / "shared" / "corpora" / "xinwen_lianbo_2022_2026.jsonl.gz"
SIZES = (1000, 4000, 16000, None)  # None: the whole archive
K = 10


def run_once(corpus: Path, cache_dir: Path, workers: int, figures_dir: Path) -> dict:
    """One end-to-end run in this process; returns stage timings and peak memory."""
    os.environ["POLTHEMES_PROGRESS"] = "0"
    clock = time.perf_counter()
    from polthemes.engines.local import run_analysis
    from polthemes.corpus.reader import read_corpus
    from polthemes.report.figures import save_figure, theme_figures
    from polthemes.settings import AnalysisSettings

    timings = {"import": time.perf_counter() - clock}
    clock = time.perf_counter()
    report = read_corpus(corpus)
    timings["read_clean"] = time.perf_counter() - clock
    settings = AnalysisSettings(k_values=(K,), chains=1, n_boot=0, cross_check=())
    result = run_analysis(report.articles, settings, workers=workers, cache_dir=cache_dir)
    timings.update({f"{step}": seconds for step, seconds in result.timings_s.items()})
    clock = time.perf_counter()
    for name, figure in theme_figures(result).items():
        save_figure(figure, name, figures_dir)
    timings["figures"] = time.perf_counter() - clock
    return {
        "items": len(report.articles),
        "tokens": result.manifest["data"]["tokens"],
        "iterations": result.model.n_iter_,
        "timings_s": timings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(corpus: Path, cache_dir: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as figures_dir:
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(corpus), str(cache_dir), str(workers), figures_dir],
            check=True, capture_output=True, text=True,
        ).stdout
        wall_s = time.perf_counter() - started
    record = json.loads(output.strip().splitlines()[-1])
    record["wall_s"] = wall_s
    return record


def prefix(archive: Path, n: int, folder: Path) -> Path:
    path = folder / f"first_{n}.jsonl"
    with gzip.open(archive, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8") as target:
        target.writelines(itertools.islice(source, n))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--one", nargs=4, metavar=("CORPUS", "CACHE", "WORKERS", "FIGURES"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "archive_end_to_end.md")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.one:
        corpus, cache, workers, figures = args.one
        print(json.dumps(run_once(Path(corpus), Path(cache), int(workers), Path(figures))))
        return
    if not ARCHIVE.exists():
        sys.exit(f"{ARCHIVE} is absent: this benchmark needs the Xinwen Lianbo archive in ../shared/corpora/")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for n in SIZES:
            corpus = ARCHIVE if n is None else prefix(ARCHIVE, n, scratch)
            cache = scratch / f"cache_{n}"
            for state in ("cold", "warm"):
                record = measure(corpus, cache, args.workers)
                record.update(size="all" if n is None else f"{n:,}", cache=state)
                rows.append(record)
                print(json.dumps(record), flush=True)
    write_report(rows, args.out, args.workers)


def write_report(rows: list[dict], out: Path, workers: int) -> None:
    import polthemes

    steps = ["import", "read_clean", "tokenize", "features", "k_sweep", "tables", "figures"]
    lines = [
        "# Whole archive end to end (`benchmarks/archive_end_to_end.py`)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · polthemes {polthemes.__version__} · "
        f"{workers} workers · K={K}, one seed, no bootstrap, no cross-check",
        "",
        "Load, clean, tokenize (segmentation cache cold, then warm), fit one K with the default "
        "backend, draw the theme figures. Peak memory is the main process's resident set; the "
        "segmenting workers' largest is shown beside it.",
        "",
        "| items | cache | tokens | sweeps | " + " | ".join(f"{s} s" for s in steps) + " | **wall s** | peak MB | worker peak MB |",
        "|---|---|---:|---:|" + "---:|" * len(steps) + "---:|---:|---:|",
    ]
    for r in rows:
        cells = [r["size"], r["cache"], f"{r['tokens']:,}", str(r["iterations"])]
        cells += [f"{r['timings_s'].get(s, 0):.1f}" for s in steps]
        cells += [f"**{r['wall_s']:.1f}**", f"{r['peak_rss_mb']:.0f}", f"{r['peak_rss_workers_mb']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    sys.path.insert(0, str(HERE))
    from collect_results import write_result

    write_result(out, lines)


if __name__ == "__main__":
    main()
