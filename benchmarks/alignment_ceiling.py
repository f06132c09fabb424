"""How far can a word-by-word mapping lift the token-level share? The ceiling, measured.

Issue 15 asks that a Chinese document put >= 0.75 of its in-space token mass on terms its own
translation contains (``benchmarks/alignment_dev.py`` measures 0.653). This benchmark asks
what the misses are, on the same 65 WMT21 pairs (``../shared/corpora/``, read-only), with the
project's default tokens:

1. **Where each Chinese token lands.** On a term of its translation; else on a term of
   another CC-CEDICT sense of the same word that the translation does contain (a sense
   choice made per document, by an oracle that reads the translation, would have caught it);
   else on nothing any sense of the word reaches (paraphrase: 表示 "to state" where the
   English says "said"). The first two together are the ceiling of any sense choice.
2. **Merging synonyms instead.** The other way up is a coarser space: one term for the
   senses a Chinese word of the corpus offers among its first three (影响 influence /
   effect / impact), joined in order of the word's frequency into groups of at most
   ``cap`` terms. That lifts the share, but it lifts the share on *every other* document
   (chance) as much: the measure rewards coarseness, so the benchmark reports the margin
   over chance beside it, and retrieval top-1.

Writes ``benchmarks/results/alignment_ceiling.md`` and regenerates ``benchmarks/RESULTS.md``;
when the development set is absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEV_SET = HERE.parent.parent / "shared" / "corpora" / "parallel_dev_wmt21_zhen.jsonl.gz"
COMMAND = ".venv/bin/python benchmarks/alignment_ceiling.py"
#: How many leading senses of a word may be merged, and the largest groups tried.
MERGED_SENSES, MERGE_CAPS = 3, (2, 3, 6)


@dataclass(frozen=True)
class Landing:
    """Shares of a Chinese document's in-space token mass, by where each token lands
    (means over the documents, as :func:`polthemes.evaluation.alignment.pair_token_shares`)."""

    on_translation: float
    on_another_sense: float
    nowhere: float
    top_misses: list[tuple[str, str, int]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "alignment_ceiling.md")
    args = parser.parse_args()
    if not DEV_SET.exists():
        print(f"{DEV_SET} is absent: this benchmark needs the parallel development set in ../shared/corpora/; nothing measured")
        return
    os.environ.setdefault("POLTHEMES_PROGRESS", "0")
    from polthemes.corpus.reader import read_corpus
    from polthemes.evaluation.alignment import document_pairs
    from polthemes.execution import resolve_execution
    from polthemes.text.pipeline import TokenPipeline, tokenize_articles

    started = time.perf_counter()
    articles = read_corpus(DEV_SET).articles
    pairs = document_pairs(articles)
    execution = resolve_execution(2, cache=True)
    tokens = tokenize_articles(articles, **execution)
    pipeline = TokenPipeline("crosslingual", dictionary_cache=execution["cache_dir"]).fit(articles)
    landing = landings(articles, tokens, pairs, pipeline)
    rows = [measure(tokens, pairs, "concept space (the project's)", 0)]
    for cap in MERGE_CAPS:
        merged = merge_co_glosses(tokens, pipeline.concept_mapper, senses=MERGED_SENSES, cap=cap)
        rows.append(measure(merged, pairs, f"synonyms merged, groups of <= {cap}", cap))
    write_report(args.out, landing, rows, time.perf_counter() - started)


def landings(articles, tokens, pairs, pipeline) -> Landing:
    """Where each in-space Chinese token of a pair lands (see the module docstring, 1)."""
    from polthemes.text.concepts import STOPWORD, stem_key

    mapper = pipeline.concept_mapper
    by_id = {article.id: article for article in tokens.articles}
    texts = {article.id: article for article in articles}
    unmapped = set(tokens.unmapped)
    shares: list[Counter[str]] = []
    misses: Counter[tuple[str, str]] = Counter()
    for zh_id, en_id in zip(pairs.zh, pairs.en):
        translation = set(by_id[en_id].terms)
        counts: Counter[str] = Counter()
        terms: list[str] = []
        for paragraph in texts[zh_id].paragraphs:
            for term, word, _, origin in pipeline.tokenize(paragraph, "zh"):
                if origin == STOPWORD or not term:
                    continue
                terms.append(term)
                if term in unmapped:
                    continue
                if term in translation:
                    counts["on_translation"] += 1
                    continue
                senses = {stem_key(piece) for gloss in mapper.gloss_candidates(word) if gloss
                          for piece in (gloss, *gloss.split("_"))}
                if senses & translation:
                    counts["on_another_sense"] += 1
                else:
                    counts["nowhere"] += 1
                    misses[word, term] += 1
        if terms != by_id[zh_id].terms:
            raise RuntimeError(f"{zh_id}: tokenizing paragraph by paragraph differs from the corpus's tokens")
        total = sum(counts.values()) or 1
        shares.append(Counter({where: n / total for where, n in counts.items()}))

    def mean(where: str) -> float:
        return sum(share[where] for share in shares) / len(shares)

    return Landing(
        mean("on_translation"), mean("on_another_sense"), mean("nowhere"),
        [(word, term, n) for (word, term), n in misses.most_common(12)],
    )


def merge_co_glosses(tokens, mapper, *, senses: int, cap: int):
    """``tokens`` with every term replaced by its group's: the terms a Chinese word's first
    ``senses`` one-word senses reach are one group, joined from the commonest word down and
    never beyond ``cap`` terms (unbounded joining chains 'firm' to 'enterprise' to 'resolute')."""
    from polthemes.text.concepts import stem_key
    from polthemes.text.pipeline import TokenizedArticle

    mass: Counter[str] = Counter(term for article in tokens.articles for term in article.terms)
    parent: dict[str, str] = {}
    size: Counter[str] = Counter()

    def root(term: str) -> str:
        while parent.get(term, term) != term:
            term = parent[term]
        return term

    words = Counter({(word, term): n for term, forms in tokens.surfaces.items() for word, n in forms.get("zh", {}).items()})
    for (word, term), _ in sorted(words.items(), key=lambda item: (-item[1], item[0])):
        for gloss in mapper.gloss_candidates(word)[:senses]:
            other = stem_key(gloss) if gloss and "_" not in gloss else ""
            if not other or other == term or not mass[other]:
                continue
            a, b = root(term), root(other)
            if a == b or size.get(a, 1) + size.get(b, 1) > cap:
                continue
            if (mass[a], b) < (mass[b], a):
                a, b = b, a
            parent[b] = a
            size[a] = size.get(a, 1) + size.get(b, 1)
    articles = [
        TokenizedArticle(article.id, article.language, tuple(tuple(root(t) for t in paragraph) for paragraph in article.paragraphs))
        for article in tokens.articles
    ]
    return replace(tokens, articles=articles)


def measure(tokens, pairs, mapping: str, cap: int) -> dict:
    from polthemes.evaluation.alignment import concept_space_distances, pair_token_shares, retrieval_scores

    shares = pair_token_shares(tokens, pairs)
    distance = concept_space_distances(tokens, pairs)
    zh_en, en_zh = retrieval_scores(distance), retrieval_scores(distance.T)
    return {
        "mapping": mapping, "cap": cap, "terms": len({t for a in tokens.articles for t in a.terms}),
        "own": shares["zh->en"].own_mean, "other": shares["zh->en"].other_mean,
        "own_en": shares["en->zh"].own_mean, "other_en": shares["en->zh"].other_mean,
        "top1": zh_en.top1, "top1_en": en_zh.top1,
    }


def write_report(out: Path, landing: Landing, rows: list[dict], elapsed_s: float) -> None:
    import polthemes

    f = "{:.3f}".format
    ceiling = landing.on_translation + landing.on_another_sense
    lines = [
        "# How far a word-by-word mapping can lift the token share (`benchmarks/alignment_ceiling.py`)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · polthemes {polthemes.__version__} · `{COMMAND}` ({elapsed_s:.0f} s)",
        "",
        "The 65 development pairs, the project's default tokens. Where a Chinese document's in-space token mass lands:",
        "",
        "| on a term its translation contains | on another sense of the word that the translation contains | on nothing any sense reaches |",
        "|---:|---:|---:|",
        f"| {f(landing.on_translation)} | {f(landing.on_another_sense)} | {f(landing.nowhere)} |",
        "",
        f"A sense choice that read each translation (an oracle) would reach **{f(ceiling)}**; a real one, choosing "
        f"without the translation, less. The {f(landing.nowhere)} is paraphrase no sense of the word reaches; its "
        "commonest words: " + ", ".join(f"{w} `{t}` ({n})" for w, t, n in landing.top_misses) + ".",
        "",
        f"Merging the terms of a word's first {MERGED_SENSES} senses into one (a coarser space), against chance "
        "(the mean share on every other document of the other language) and retrieval:",
        "",
        "| space | terms | zh→en share | chance | margin | en→zh share | chance | margin | top-1 zh→en | en→zh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mapping']} | {r['terms']:,} | {f(r['own'])} | {f(r['other'])} | {f(r['own'] - r['other'])} | "
            f"{f(r['own_en'])} | {f(r['other_en'])} | {f(r['own_en'] - r['other_en'])} | {f(r['top1'])} | {f(r['top1_en'])} |"
        )
    base = rows[0]
    margins = ", ".join(f"{f(r['own'] - r['other'])} (share {f(r['own'])}) at groups of <= {r['cap']}" for r in rows[1:])
    best = max(rows[1:], key=lambda r: r["own"] - r["other"])
    needed = (0.75 - landing.on_translation) / landing.on_another_sense if landing.on_another_sense else float("nan")
    lines += [
        "",
        f"Reading: merging lifts the share, but chance rises with it. The margin over chance moves from the project's "
        f"{f(base['own'] - base['other'])} to {margins}. At best the margin gains "
        f"{f((best['own'] - best['other']) - (base['own'] - base['other']))} while the share gains {f(best['own'] - base['own'])}: most of the rise is "
        f"coarseness, not alignment, and the best margin's share ({f(best['own'])}) is "
        + ("still short of 0.75, so the project does not merge. " if best["own"] < 0.75 else "0.75 or more: worth adopting. ")
        + "A share of 0.75 needs a per-document sense "
        f"choice that recovers {f(needed)} of what the oracle recovers, without reading the translation.",
    ]
    sys.path.insert(0, str(HERE))
    from collect_results import write_result

    write_result(out, lines)


if __name__ == "__main__":
    main()
