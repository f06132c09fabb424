"""Preprocessing throughput on the Xinwen Lianbo archive, against bare ``jieba.lcut``.

Issue targets (2 cores): the project's tokenizing costs at most 1.3x bare ``jieba.lcut`` on
the same text, and two workers are at least 1.7x faster than one. The baseline runs in the
same process on exactly the Chinese paragraphs the project tokenizes (after cleaning), with
jieba's dictionary loaded before the clock starts; the project's one-off setup (its jieba
dictionary with the glossary, CC-CEDICT, stopword lists) is timed separately. Results go
to ``benchmarks/results/preprocessing_throughput.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE.parent.parent / "shared" / "corpora" / "xinwen_lianbo_2022_2026.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "preprocessing_throughput.md")
    args = parser.parse_args()
    if not ARCHIVE.exists():
        raise SystemExit(f"{ARCHIVE} is absent: this benchmark needs the Xinwen Lianbo archive in ../shared/corpora/")
    os.environ["POLTHEMES_PROGRESS"] = "0"

    import jieba

    from polthemes.corpus.reader import read_corpus
    from polthemes.text.pipeline import TokenPipeline

    clock = time.perf_counter()
    articles = read_corpus(ARCHIVE).articles[: args.limit]
    read_s = time.perf_counter() - clock
    paragraphs = [p for a in articles for p, lang in zip(a.paragraphs, a.paragraph_languages) if lang == "zh"]
    size_mb = sum(len(p.encode("utf-8")) for p in paragraphs) / 1e6

    jieba.initialize()
    clock = time.perf_counter()
    for paragraph in paragraphs:
        jieba.lcut(paragraph)
    bare_s = time.perf_counter() - clock

    clock = time.perf_counter()
    pipeline = TokenPipeline().fit(articles)
    setup_s = time.perf_counter() - clock
    timings = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        runs = (("1 worker, no cache", 1, None), ("2 workers, no cache", 2, None),
                ("2 workers, cold cache", 2, cache_dir), ("2 workers, warm cache", 2, cache_dir))
        for label, workers, cache in runs:
            clock = time.perf_counter()
            pipeline.transform(articles, workers=workers, cache_dir=cache)
            timings[label] = time.perf_counter() - clock

    rows = [("bare `jieba.lcut` (baseline, 1 process)", bare_s)] + list(timings.items())
    lines = [
        "# Preprocessing throughput (`benchmarks/preprocessing_throughput.py`)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.machine()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {len(articles):,} items, {len(paragraphs):,} Chinese paragraphs, "
        f"{size_mb:.1f} MB of Chinese text (UTF-8)",
        "",
        f"Reading and cleaning (decode, metadata, boilerplate, language): {read_s:.1f} s "
        f"({len(articles) / read_s:,.0f} items/s). Project tokenizer setup (jieba with the glossary, "
        f"CC-CEDICT, stopwords; once per run): {setup_s:.1f} s.",
        "",
        "| tokenizing | s | MB/s | items/s | x bare jieba |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, seconds in rows:
        lines.append(f"| {label} | {seconds:.1f} | {size_mb / seconds:.2f} | {len(articles) / seconds:,.0f} | {seconds / bare_s:.2f} |")
    speedup = timings["1 worker, no cache"] / timings["2 workers, no cache"]
    lines += ["", f"Speed-up from 1 to 2 workers: **{speedup:.2f}x**."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print("\n".join(lines))
    sys.path.insert(0, str(HERE))
    from collect_results import collect

    collect()


if __name__ == "__main__":
    main()
