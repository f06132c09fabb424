"""The K rule and the chains on corpora with known structure: is the answer one a reviewer can trust?

Issue 15 asks that the project's defaults give one answer whatever the first seed, a K that
fits the corpus, and themes that recover known structure. Measured here, each with the
project's defaults (bootstrap and cross-check left out: they change neither K nor themes):

- **seeds** (``data/raw/``): the chosen K and the consensus themes for several first seeds,
  and how closely any two first seeds' themes match (top-10 overlap, matched one to one);
- **BBC News** (``../shared/corpora/bbc_news_2004_2005.jsonl.gz``, five labels): the K the
  rule chooses, and NMI / ARI of each article's argmax theme against its label at that K and
  at K = 5, for the consensus and for every single chain; beside them, in the same run, the
  baselines a user would otherwise reach for: TF-IDF + scikit-learn NMF and plain tomotopy
  LDA, both on lower-cased word tokens;
- **translation pairs** (``../shared/corpora/parallel_dev_wmt21_zhen.jsonl.gz``): the K the
  rule chooses and theme-space top-1 of finding the translation (Hellinger) at that K;
- **planted topics**: the 20,000-document corpus of ``lda_time_to_quality.py`` (K = 20), fitted
  the default way at K = 20 (chains, the most likely one, the consensus): recovery.

Writes ``benchmarks/results/k_rule.md`` and regenerates ``benchmarks/RESULTS.md``; a corpus
that is absent is said and skipped. ``--only`` runs some parts.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "corpora"
BBC = SHARED / "bbc_news_2004_2005.jsonl.gz"
DEV_SET = SHARED / "parallel_dev_wmt21_zhen.jsonl.gz"
FIRST_SEEDS = (20260721, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000)
BASELINE_SEEDS = (1, 2, 3)
PARTS = ("seeds", "bbc", "dev", "planted")
COMMAND = ".venv/bin/python benchmarks/k_rule.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "k_rule.md")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="+", choices=PARTS, default=PARTS)
    parser.add_argument("--first-seeds", type=int, default=len(FIRST_SEEDS), help="how many first seeds the seeds part tries")
    args = parser.parse_args()
    os.environ.setdefault("POLTHEMES_PROGRESS", "0")
    sys.path.insert(0, str(HERE))
    from polthemes.execution import resolve_execution

    execution = resolve_execution(args.workers, cache=True)
    started = time.perf_counter()
    # A part not run now keeps its section from the file as it was: --only re-measures
    # some parts without losing the others (each section says when it was measured).
    earlier = earlier_sections(args.out)
    sections: list[str] = []
    for part in PARTS:
        if part in args.only:
            clock = time.perf_counter()
            lines = {"seeds": seeds_part, "bbc": bbc_part, "dev": dev_part, "planted": planted_part}[part](execution, args)
            sections += lines + ["", f"({part}: {time.perf_counter() - clock:.0f} s, measured {datetime.now(timezone.utc):%Y-%m-%d})", ""]
            print(f"{part} done in {time.perf_counter() - clock:.0f} s", file=sys.stderr, flush=True)
        elif part in earlier:
            sections += earlier[part]
    write(sections, args, time.perf_counter() - started)


def earlier_sections(path: Path) -> dict[str, list[str]]:
    """The sections of an earlier result file, by part: each ends with its "(part: N s ...)" line."""
    import re

    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    sections, current = {}, []
    for line in lines[start:]:
        current.append(line)
        if match := re.fullmatch(r"\((seeds|bbc|dev|planted): \d+ s.*\)", line):
            sections[match[1]] = current + [""]
            current = []
        elif not line and not current[:-1]:
            current = []  # blank lines between sections
    return sections


def _settings(**changes):
    from polthemes.settings import AnalysisSettings

    return AnalysisSettings(n_boot=0, cross_check=(), **changes)


def _summary_table(selection) -> list[str]:
    lines = ["| K | stability | held-out (± SE) | NPMI | chosen |", "|---:|---:|---:|---:|---|"]
    for row in selection.summary.itertuples():
        lines.append(f"| {row.k} | {row.stability:.3f} | {row.heldout:.3f} ± {row.heldout_se:.3f} | {row.npmi:.3f} | "
                     f"{'**chosen**' if row.k == selection.chosen_k else ''} |")
    return lines


def seeds_part(execution, args) -> list[str]:
    from polthemes.engines.local import run_analysis
    from polthemes.config import RAW_DIR
    from polthemes.corpus.reader import read_corpus
    from polthemes.modelling.matching import match_topics

    articles = read_corpus(RAW_DIR).articles
    tokens = None
    runs = {}
    for seed in FIRST_SEEDS[: args.first_seeds]:
        result = run_analysis(articles, _settings(seed=seed), tokens=tokens, **execution)
        tokens = result.tokens
        runs[seed] = result
        print(f"seeds, first seed {seed}: K={result.selection.chosen_k}", file=sys.stderr, flush=True)
    lines = [
        "## The five seed articles: one answer whatever the first seed?", "",
        f"Default settings, {len(runs)} first seeds; chains per K: {len(next(iter(runs.values())).selection.chains())}.", "",
        "| first seed | chosen K | by | stability at K | themes: found by (of the chains) |", "|---:|---:|---|---:|---|",
    ]
    for seed, result in runs.items():
        selection = result.selection
        stability = float(selection.summary.set_index("k").stability[selection.chosen_k])
        found = ", ".join(str(n) for n in result.tables["theme_support"].found_by)
        lines.append(f"| {seed} | {selection.chosen_k} | {selection.basis} | {stability:.3f} | {found} |")
    ks = {r.selection.chosen_k for r in runs.values()}
    overlaps = []
    for a, b in itertools.combinations(runs, 2):
        if runs[a].model.n_topics == runs[b].model.n_topics:
            overlaps += [o for _, _, o in match_topics(runs[a].model.top_terms(10), runs[b].model.top_terms(10))]
    lines += ["", f"Chosen K: {sorted(ks)} ({'the same for every first seed' if len(ks) == 1 else 'NOT the same'}). "
              f"Consensus themes of any two first seeds with the same K, matched one to one: lowest top-10 overlap "
              f"**{min(overlaps):.2f}**, mean {np.mean(overlaps):.2f} (target: >= 0.8 between any two).", ""]
    lines += ["K-selection evidence for the first seed:", ""] + _summary_table(runs[FIRST_SEEDS[0]].selection)
    return lines


def _labels(path: Path) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {record["id"]: record["label"] for record in map(json.loads, handle)}


def _argmax_scores(article_themes, labels: dict[str, str]) -> tuple[float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = [labels[i] for i in article_themes.id]
    guess = article_themes.filter(like="theme_").to_numpy().argmax(axis=1)
    return normalized_mutual_info_score(truth, guess), adjusted_rand_score(truth, guess)


def bbc_part(execution, args) -> list[str]:
    if not BBC.exists():
        return ["## BBC News", "", f"{BBC} is absent: not measured."]
    from polthemes.engines.local import run_analysis
    from polthemes.corpus.reader import read_corpus
    from polthemes.themes import article_theme_matrix

    labels = _labels(BBC)
    articles = read_corpus(BBC).articles
    chosen = run_analysis(articles, _settings(), **execution)
    fixed = run_analysis(articles, _settings(k_values=(5,)), tokens=chosen.tokens, **execution)
    rows = []
    for name, result in (("rule's K", chosen), ("K = 5", fixed)):
        nmi, ari = _argmax_scores(result.tables["article_themes"], labels)
        chains = []
        for chain in result.selection.chains():
            frame = article_theme_matrix(chain, result.units, [f"theme_{k}" for k in range(chain.n_topics)]).reset_index()
            chains.append(_argmax_scores(frame, labels)[0])
        rows.append((name, result.selection.chosen_k, nmi, ari, chains))
    lines = [
        "## BBC News (five labels): does the rule's K fit, and do the themes recover the labels?", "",
        f"{len(articles):,} articles read ({len(labels):,} records; exact copies counted once), article units, default "
        f"settings: the rule chose **K = {chosen.selection.chosen_k}** by {chosen.selection.basis} "
        f"({len(chosen.selection.chains())} chains per K). NMI / ARI of each article's argmax theme against its label:", "",
        "| run | K | NMI (consensus) | ARI | NMI of each chain |", "|---|---:|---:|---:|---|",
    ]
    for name, k, nmi, ari, chains in rows:
        lines.append(f"| {name} | {k} | **{nmi:.3f}** | {ari:.3f} | {', '.join(f'{x:.3f}' for x in chains)} |")
    lines += ["", "Baselines in the same run, K = 5, on lower-cased word tokens (scikit-learn's English stopwords, terms in "
              "2 or more and at most half of the articles):", "", "| baseline | seed | NMI | ARI |", "|---|---:|---:|---:|"]
    for name, seed, nmi, ari in baselines(articles, labels):
        lines.append(f"| {name} | {seed} | {nmi:.3f} | {ari:.3f} |")
    lines += ["", "K-selection evidence:", ""] + _summary_table(chosen.selection)
    return lines


def baselines(articles, labels) -> list[tuple[str, int, float, float]]:
    """TF-IDF + NMF and plain tomotopy LDA at K = 5 on lower-cased tokens: what a user would try first."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from polthemes.modelling.backends import import_tomotopy

    truth = [labels[a.id] for a in articles]
    vectorizer = CountVectorizer(lowercase=True, stop_words="english", min_df=2, max_df=0.5)
    counts = vectorizer.fit_transform([a.text for a in articles])
    out = []
    for seed in BASELINE_SEEDS:
        weights = TfidfTransformer().fit_transform(counts)
        guess = NMF(n_components=5, init="nndsvda", max_iter=1000, random_state=seed).fit_transform(weights).argmax(axis=1)
        out.append(("TF-IDF + NMF", seed, normalized_mutual_info_score(truth, guess), adjusted_rand_score(truth, guess)))
    tp = import_tomotopy()
    vocabulary = vectorizer.get_feature_names_out()
    rows = counts.tocsr()
    for seed in BASELINE_SEEDS:
        model = tp.LDAModel(k=5, alpha=0.2, eta=0.01, seed=seed)
        kept = []
        for i in range(rows.shape[0]):
            start, end = rows.indptr[i], rows.indptr[i + 1]
            words = [vocabulary[j] for j, n in zip(rows.indices[start:end], rows.data[start:end]) for _ in range(n)]
            if words:
                model.add_doc(words)
                kept.append(i)
        model.train(1000, workers=1, parallel=tp.ParallelScheme.NONE)
        guess = np.array([doc.get_topic_dist() for doc in model.docs]).argmax(axis=1)
        kept_truth = [truth[i] for i in kept]
        out.append(("plain tomotopy LDA, 1,000 sweeps", seed, normalized_mutual_info_score(kept_truth, guess),
                    adjusted_rand_score(kept_truth, guess)))
    return out


def dev_part(execution, args) -> list[str]:
    if not DEV_SET.exists():
        return ["## Translation pairs", "", f"{DEV_SET} is absent: not measured."]
    from polthemes.evaluation.alignment import document_pairs, retrieval_scores, theme_space_distances
    from polthemes.engines.local import run_analysis
    from polthemes.corpus.reader import read_corpus

    articles = read_corpus(DEV_SET).articles
    result = run_analysis(articles, _settings(), **execution)
    pairs = document_pairs(articles)
    distance = theme_space_distances(result.tables["article_themes"], pairs, "hellinger")
    zh_en, en_zh = retrieval_scores(distance), retrieval_scores(distance.T)
    selection = result.selection
    lines = [
        "## 65 Chinese-English translation pairs: a K that keeps the translations together?", "",
        f"Default settings ({len(result.units):,} paragraph units of {len(articles)} documents): the rule chose "
        f"**K = {selection.chosen_k}** by {selection.basis}{' (flagged UNSTABLE)' if selection.unstable else ''}, "
        f"floor {selection.floor}. Theme-space top-1 of finding the translation (Hellinger): zh→en **{zh_en.top1:.3f}**, "
        f"en→zh **{en_zh.top1:.3f}** (target >= 0.85 both).", "",
    ]
    return lines + _summary_table(selection)


def planted_part(execution, args) -> list[str]:
    from lda_time_to_quality import CorpusParameters, draw_corpus

    from polthemes.config import DEFAULT_SEED as SEED
    from polthemes.modelling.consensus import consensus_model
    from polthemes.modelling.selection import sweep_k
    from polthemes.settings import AnalysisSettings
    from polthemes.modelling.synthetic import topic_recovery

    PARAMETERS = CorpusParameters()
    topics, bag = draw_corpus(20_000, PARAMETERS, SEED)
    texts = [bag.document_terms(i) for i in range(bag.n_documents)]
    seeds = AnalysisSettings(seed=SEED).chain_seeds(int(bag.counts.sum()))
    clock = time.perf_counter()
    selection = sweep_k(bag, texts, [PARAMETERS.n_topics], seeds, workers=execution["workers"])
    consensus = consensus_model(selection.model, selection.chains(), bag)
    elapsed = time.perf_counter() - clock
    chains = [topic_recovery(chain.components_, topics) for chain in selection.chains()]
    reported = topic_recovery(consensus.components_, topics)
    return [
        "## Planted topics: 20,000 documents, K = 20", "",
        f"The corpus of `lda_time_to_quality.py` (seed {SEED}), fitted the default way at K = 20: {len(seeds)} chains "
        f"(seeds {seeds[0]}..{seeds[-1]}), consensus anchored on the most likely; {elapsed:.0f} s with "
        f"{execution['workers']} workers. Recovery (mean matched cosine to the planted topics):", "",
        f"- reported (consensus): **{reported:.4f}** (target >= 0.99)",
        f"- each chain: {', '.join(f'{x:.4f}' for x in chains)}; the most likely chain (seed {selection.best_seed}): "
        f"{chains[[int(s) for s in selection.runs.seed].index(selection.best_seed)]:.4f}",
    ]


def write(sections: list[str], args, elapsed_s: float) -> None:
    from collect_results import write_result

    import polthemes

    head = [
        "# The K rule and the chains on corpora with known structure (`benchmarks/k_rule.py`)", "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.machine()} · {os.cpu_count()} cores · Python "
        f"{platform.python_version()} · polthemes {polthemes.__version__} · {args.workers} workers · `{COMMAND}"
        f"{' --only ' + ' '.join(args.only) if tuple(args.only) != PARTS else ''}` ({elapsed_s:.0f} s)", "",
    ]
    write_result(args.out, head + sections)


if __name__ == "__main__":
    main()
