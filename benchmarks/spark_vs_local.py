"""Local engine against Spark local[2]: wall time on the whole archive, topic agreement on a sample.

Issue 7 asks for (1) local-engine vs Spark ``local[2]`` wall time on the whole Xinwen Lianbo
archive and (2) how well Spark's topics match the local engine's on a 5,000-item sample.
Both engines run here, in the same session, on the same JSON Lines input, at the same K
and seed (the baseline is the local engine itself). The local engine runs cold (no
segmentation cache, 2 workers) so that it tokenizes everything, as Spark does. Writes
``benchmarks/results/spark_vs_local.md``.

The archive lives in ``../shared/corpora/`` and is never copied into the project; the
sample is written to a temporary folder and deleted.

    .venv/bin/python benchmarks/spark_vs_local.py            # sample and whole archive
    .venv/bin/python benchmarks/spark_vs_local.py --sample-only
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE.parent.parent / "shared" / "corpora" / "xinwen_lianbo_2022_2026.jsonl.gz"
K = 10
SAMPLE = 5000


def write_sample(path: Path, n: int, seed: int = 0) -> None:
    """``n`` lines of the archive, drawn with a fixed seed, in archive order."""
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as handle:
        lines = handle.readlines()
    picked = sorted(random.Random(seed).sample(range(len(lines)), n))
    path.write_text("".join(lines[i] for i in picked), encoding="utf-8")


def run_both(corpus: Path, spark, *, optimizer: str = "em", references: bool = False) -> dict:
    from polthemes.engines.local import run_analysis
    from polthemes.corpus.reader import read_corpus
    from polthemes.modelling.matching import match_topics
    from polthemes.settings import AnalysisSettings
    from polthemes.engines.spark import run_spark_analysis

    settings = AnalysisSettings(k_values=(K,), chains=1, n_boot=0, cross_check=())
    clock = time.perf_counter()
    local = run_analysis(read_corpus(corpus).articles, settings, workers=2, cache_dir=None)
    local_s = time.perf_counter() - clock
    clock = time.perf_counter()
    remote = run_spark_analysis(corpus, settings, spark=spark, optimizer=optimizer)
    spark_s = time.perf_counter() - clock
    matches = match_topics(local.model.top_terms(10), remote.top_terms(10))
    reference = {}
    if references:
        # What "agree" means for LDA: the local engine against itself with another seed, and
        # against gensim's variational LDA (another inference method) on the same counts.
        from polthemes.modelling.backends import make_model

        other_seed = make_model("tomotopy", n_topics=K, random_state=1).fit(local.bag)
        gensim = make_model("gensim", n_topics=K, random_state=0).fit(local.bag)
        for name, model in (("local seed 0 vs seed 1", other_seed), ("local tomotopy vs gensim", gensim)):
            reference[name] = float(np.mean([o for _, _, o in match_topics(local.model.top_terms(10), model.top_terms(10))]))
    return {
        "references": reference,
        "items": local.manifest["corpus"]["articles"], "spark_items": remote.manifest["corpus"]["articles"],
        "units": (local.manifest["data"]["units"], remote.manifest["data"]["units"]),
        "terms": (local.manifest["data"]["terms"], remote.manifest["data"]["terms"]),
        "local_s": local_s, "spark_s": spark_s, "local_timings": local.timings_s, "spark_timings": remote.timings_s,
        "overlaps": [round(o, 2) for _, _, o in matches], "mean_overlap": float(np.mean([o for _, _, o in matches])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-only", action="store_true")
    parser.add_argument("--optimizer", choices=("em", "online"), default="em", help="MLlib LDA optimiser (default: em)")
    args = parser.parse_args()
    if not ARCHIVE.exists():
        print(f"The archive is not here: {ARCHIVE}\nThis benchmark needs ../shared/corpora/ beside the project.")
        return 1
    os.environ["POLTHEMES_PROGRESS"] = "0"
    from polthemes.engines.spark import java_problem, spark_session

    problem = java_problem()
    if problem:
        print(f"Spark cannot run here: {problem}")
        return 1
    spark = spark_session("local[2]", config={"spark.driver.memory": "6g"})
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "sample.jsonl"
        write_sample(sample, SAMPLE)
        rows.append(("5,000-item sample", run_both(sample, spark, optimizer=args.optimizer, references=True)))
        print(rows[-1], flush=True)
    if not args.sample_only:
        rows.append(("whole archive", run_both(ARCHIVE, spark, optimizer=args.optimizer)))
        print(rows[-1], flush=True)
    from polthemes.engines.spark import DEFAULT_MAX_ITER

    suffix_flags = (" --sample-only" if args.sample_only else "") + ("" if args.optimizer == "em" else f" --optimizer {args.optimizer}")
    lines = [
        f"# Local engine vs Spark local[2]{'' if args.optimizer == 'em' else ' (' + args.optimizer + ' LDA)'}",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Spark {spark.version}. K = {K}, seed 0, one seed, no bootstrap or cross-check; local engine cold (no cache), 2 workers; "
        f"Spark {args.optimizer} LDA, {DEFAULT_MAX_ITER[args.optimizer]} iterations (the engine's default for it). "
        f"Command: `.venv/bin/python benchmarks/spark_vs_local.py{suffix_flags}`.",
        "",
        "| corpus | items | units (local / Spark) | terms (local / Spark) | local wall | Spark wall | Spark / local | matched top-10 overlap, mean | per theme |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['items']:,} | {r['units'][0]:,} / {r['units'][1]:,} | {r['terms'][0]:,} / {r['terms'][1]:,} | "
            f"{r['local_s']:.0f} s | {r['spark_s']:.0f} s | {r['spark_s'] / r['local_s']:.2f}x | {r['mean_overlap']:.2f} | "
            f"{', '.join(f'{o:.1f}' for o in sorted(r['overlaps'], reverse=True))} |"
        )
    lines += ["", "For scale, on the sample: how well LDA agrees with itself (matched top-10 overlap, mean over themes):", ""]
    for name, r in rows:
        for what, value in r["references"].items():
            lines.append(f"- {what}: {value:.2f}")
    lines += ["", "Stage timings (s):", ""]
    for name, r in rows:
        lines.append(f"- {name}: local {{{', '.join(f'{k}: {v:.1f}' for k, v in r['local_timings'].items())}}}; "
                     f"Spark {{{', '.join(f'{k}: {v:.1f}' for k, v in r['spark_timings'].items())}}}")
    out = HERE / "results" / f"spark_vs_local{'' if args.optimizer == 'em' else '_' + args.optimizer}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    from collect_results import collect

    collect()
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
