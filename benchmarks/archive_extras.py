"""What the extras cost on the Xinwen Lianbo archive: the bootstrap and the cross-check backends.

With the default settings a run adds, after its K sweep, ``n_boot`` (20) bootstrap refits for
the intervals and one fit of each cross-check backend (gensim, scikit-learn, NMF). On the
archive they used to dominate a run: each refit was a whole tomotopy chain plus tomotopy's Gibbs
inference of all 24,000 units (about 1.7 ms a document however few its iterations), one after
another. This benchmark measures, in one process and one run:

1. **one bootstrap replicate, the old way against the new**, on the same two draws: the draw's
   units counted again with ``bag_of_words`` + refit + ``transform`` (tomotopy's inference), as
   the project did, against the draw sliced from the count matrix (``BagOfWords.rows``) +
   refit + ``fold_in`` (EM under the replicate's topics). The refits are identical (same bag,
   same seed), so the difference is the counting and the re-estimation; the mean absolute
   difference of the two replicates' article shares says how far the estimates are apart.
2. **a default run at one K**: ``run_analysis`` with the default ``n_boot`` and cross-check
   backends (fitted on ``CROSS_CHECK_MAX_UNITS`` sampled units), no held-out folds (one K),
   ``workers`` processes and a warm cache (the reading and the tokens reused), with each
   step's time: what a user now pays for the extras. Before the sample, the cross-check on
   all 24,006 units took 1,294.6 s (21.6 min; scikit-learn's batch LDA), measured by this
   benchmark at commit 414adeb.

The archive lives in ``../shared/corpora/`` and is never copied into the project; the cache is a
temporary folder, filled by the first step and deleted at the end. Writes
``benchmarks/results/archive_extras.md``.

    python benchmarks/archive_extras.py            # about 15 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE.parent.parent / "shared" / "corpora" / "xinwen_lianbo_2022_2026.jsonl.gz"
K = 10
#: Replicates timed each way in part 1 (each about a minute the old way).
COMPARED_REPLICATES = 2


def replicate_old_and_new(result, draws) -> list[dict]:
    """Time one replicate each way on each draw (see the module notes, part 1)."""
    from polthemes.modelling.backends import make_model
    from polthemes.modelling.features import bag_of_words
    from polthemes.modelling.matching import align_topics
    from polthemes.modelling.units import roll_up

    units, bag, model = result.units, result.bag, result.model
    rows = []
    for picked in draws:
        row = {}
        clock = time.perf_counter()
        counted = bag_of_words([units[i].terms for i in picked], vocabulary=bag.vocabulary)
        row["old_count_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        sliced = bag.rows(picked)
        row["new_slice_s"] = time.perf_counter() - clock
        assert (counted.counts != sliced.counts).nnz == 0, "the sliced draw differs from the counted one"
        clock = time.perf_counter()
        replicate = make_model("tomotopy", n_topics=model.components_.shape[0], random_state=result.selection.best_seed).fit(sliced)
        row["refit_s"] = time.perf_counter() - clock
        row["sweeps"] = int(replicate.n_iter_)
        order = align_topics(model.components_, replicate.components_)
        clock = time.perf_counter()
        inferred = replicate.transform(bag)[:, order]
        row["old_infer_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        folded = replicate.fold_in(bag)[:, order]
        row["new_fold_in_s"] = time.perf_counter() - clock
        old_shares, _ = roll_up(inferred, units)
        new_shares, _ = roll_up(folded, units)
        row["share_difference"] = float(np.abs(old_shares - new_shares).mean())
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "archive_extras.md")
    args = parser.parse_args(argv)
    if not ARCHIVE.exists():
        print(f"the archive is absent ({ARCHIVE}): this benchmark needs ../shared/corpora/ beside the project", file=sys.stderr)
        return 2
    os.environ.setdefault("POLTHEMES_PROGRESS", "0")
    from polthemes.corpus.reader import read_corpus_cached
    from polthemes.engines.local import run_analysis
    from polthemes.settings import AnalysisSettings

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_extras_") as cache:
        report = read_corpus_cached(ARCHIVE, cache)
        articles = report.articles
        clock = time.perf_counter()
        bare = run_analysis(articles, AnalysisSettings(k_values=(K,), n_boot=0, cross_check=(), heldout_folds=0),
                            workers=args.workers, cache_dir=cache)
        bare_s = time.perf_counter() - clock
        rng = np.random.default_rng(AnalysisSettings().seed)
        draws = [rng.integers(0, len(bare.units), size=len(bare.units)) for _ in range(COMPARED_REPLICATES)]
        compared = replicate_old_and_new(bare, draws)
        clock = time.perf_counter()
        default = run_analysis(articles, AnalysisSettings(k_values=(K,), heldout_folds=0), workers=args.workers, cache_dir=cache)
        default_s = time.perf_counter() - clock
    total_s = time.perf_counter() - started
    write_report(args, bare, bare_s, compared, default, default_s, total_s)
    print(args.out.read_text())
    return 0


def write_report(args, bare, bare_s, compared, default, default_s, total_s) -> None:
    import polthemes

    settings = default.settings
    mean = {key: float(np.mean([row[key] for row in compared])) for key in compared[0]}
    old = mean["old_count_s"] + mean["refit_s"] + mean["old_infer_s"]
    new = mean["new_slice_s"] + mean["refit_s"] + mean["new_fold_in_s"]
    timings = default.timings_s
    extras = timings.get("bootstrap", 0) + timings.get("cross_check", 0)
    fitted_units = min(entry["fitted_units"] for entry in default.manifest["cross_check"].values())
    lines = [
        "# What the extras cost on the archive (`benchmarks/archive_extras.py`)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"polthemes {polthemes.__version__} · {args.workers} workers · `python benchmarks/archive_extras.py` · "
        f"{total_s / 60:.1f} min in all · peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
        "",
        f"The whole archive ({len(bare.units):,} units, {int(bare.bag.counts.sum()):,} tokens), K = {K}.",
        "",
        f"## One bootstrap replicate, old and new (mean of {len(compared)} draws, one process)",
        "",
        "| step | old: count again + Gibbs inference | new: slice + fold-in |",
        "|---|---:|---:|",
        f"| the draw's bag | {mean['old_count_s']:.1f} s (`bag_of_words`) | {mean['new_slice_s']:.2f} s (`BagOfWords.rows`) |",
        f"| refit (identical bag and seed; {', '.join(str(r['sweeps']) for r in compared)} sweeps) | {mean['refit_s']:.1f} s | {mean['refit_s']:.1f} s |",
        f"| re-estimate every unit's mixture | {mean['old_infer_s']:.1f} s (`transform`) | {mean['new_fold_in_s']:.1f} s (`fold_in`) |",
        f"| **a replicate** | **{old:.1f} s** | **{new:.1f} s** ({old / new:.1f}x faster) |",
        f"| {settings.n_boot} replicates, one after another as before / in {args.workers} workers now | "
        f"{settings.n_boot * old / 60:.1f} min (estimated) | {timings.get('bootstrap', 0) / 60:.1f} min (measured below) |",
        "",
        f"Mean absolute difference between the two ways' article shares: {mean['share_difference']:.4f} "
        "(one replicate's Gibbs inference is a single sample; fold-in has no sampling noise).",
        "",
        f"## A default run at one K ({settings.n_boot} bootstrap refits in {args.workers} workers; cross-check "
        f"{', '.join(settings.cross_check)} on {fitted_units:,} of the {len(default.units):,} units; reading and tokens reused)",
        "",
        "| step | s |",
        "|---|---:|",
    ]
    lines += [f"| {step} | {seconds:.1f} |" for step, seconds in timings.items()]
    lines += [
        f"| **run** | **{default_s:.1f}** |",
        "",
        f"The same run without the extras (`--bootstrap 0 --cross-check none`): {bare_s:.1f} s, the first of "
        f"this benchmark's runs (it also read and tokenized the archive into the empty cache: "
        f"tokenize {bare.timings_s.get('tokenize', 0):.1f} s). The extras took {extras:.1f} s "
        f"({extras / default_s:.0%} of the default run).",
        "",
    ]
    from collect_results import write_result

    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_result(args.out, lines)  # atomically, then benchmarks/RESULTS.md


if __name__ == "__main__":
    raise SystemExit(main())
