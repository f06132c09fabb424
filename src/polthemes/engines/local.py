"""The local engine: the whole modelling run behind ``polthemes fit``, in this process and its workers.

tokens -> units -> K sweep over several chains -> consensus themes -> tables -> results
folder. One function, :func:`run_analysis`, with every choice a parameter of
:class:`AnalysisSettings`; it only calls the stages below it (text, modelling, themes,
results) and returns a :class:`~polthemes.results.Results`, which it also writes to a
results folder when asked. The same inputs and settings give byte-identical CSVs and manifest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polthemes.corpus.records import Article, CorpusReport
from polthemes.derived_cache import cached, digest_of_lines, key_of
from polthemes.execution import forked_map
from polthemes.files import check_results_folder
from polthemes.modelling.backends import TopicModel, import_tomotopy, make_model
from polthemes.modelling.consensus import consensus_model, theme_support
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.selection import KSelection, sweep_k, validate_sweep
from polthemes.modelling.units import ModellingUnit, modelling_units, most_units, resolve_unit
from polthemes.progress import ProgressCounter
from polthemes.results import Results, as_written, corpus_hash, manifest, write_results
from polthemes.settings import AnalysisError, AnalysisSettings
from polthemes.text.pipeline import TokenizedCorpus, tokenize_articles
from polthemes.themes.labels import read_label_overrides, theme_labels
from polthemes.themes.passages import representative_passages
from polthemes.themes.shares import article_theme_matrix, bootstrap_article_themes, recurring_themes
from polthemes.themes.tables import (
    agreement_table,
    aligned_topic_terms_table,
    article_themes_table,
    document_topics_table,
    tfidf_tables,
    topic_terms_table,
    uncertainty_table,
    vocabulary_table,
)

logger = logging.getLogger(__name__)

ENGINE = {"name": "local"}


def run_analysis(
    articles: list[Article],
    settings: AnalysisSettings = AnalysisSettings(),
    out_dir: str | Path | None = None,
    *,
    corpus_name: str = "",
    workers: int = 1,
    cache_dir: str | Path | None = None,
    report: CorpusReport | None = None,
    tokens: TokenizedCorpus | None = None,
    params: dict | None = None,
) -> Results:
    """Model ``articles`` with ``settings``; write results to ``out_dir`` if given.

    ``workers`` processes segment Chinese and fit the K sweep; ``cache_dir`` holds the
    segmentation cache. Neither changes any result: they are how the run is carried out,
    not what it computes, so they stay out of the settings and the manifest. ``report`` is
    the corpus reading the articles came from: its skips, duplicates and warnings go into
    the manifest, so the results folder says what its model never saw. ``tokens`` are these
    articles already tokenized in ``settings.mode`` (a caller fitting several K on one corpus
    tokenizes it once); they are checked against the articles, never trusted blindly.
    ``params`` is what the manifest records of the parameters file the settings came from.
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
        tokens = tokenize_articles(articles, settings.mode, workers=workers, cache_dir=cache_dir)
    elif tokens.mode != settings.mode or [a.id for a in tokens.articles] != [a.id for a in articles]:
        raise AnalysisError(f"the tokens given are not these articles in {settings.mode} mode; tokenize them again")
    timings["tokenize"] = time.perf_counter() - clock
    clock = time.perf_counter()
    unit = resolve_unit(settings.unit, len(articles))
    units = modelling_units(tokens, unit, window_tokens=settings.window_tokens, min_terms=settings.min_unit_terms)
    if not units:
        raise AnalysisError(f"no {unit} has {settings.min_unit_terms} or more terms after tokenizing; nothing to model")
    try:
        bag = unit_counts(units, unit, settings, tokens_key=tokens.cache_key, cache_dir=cache_dir)
        seeds = settings.chain_seeds(int(bag.counts.sum()))
        validate_sweep(bag, settings.k_values, seeds, settings.backend)
    except ValueError as error:
        raise AnalysisError(f"{error} ({len(units)} {unit} units)") from None
    logger.info(f"{len(articles)} articles -> {len(units)} {unit} units, {bag.n_terms} terms, {int(bag.counts.sum())} tokens")

    timings["features"] = time.perf_counter() - clock
    clock = time.perf_counter()
    vocabulary = set(bag.vocabulary)
    texts = [[t for t in u.terms if t in vocabulary] for u in units]
    # One K is not chosen, so it needs no held-out fits; its chains still pick the most likely one.
    folds = settings.heldout_folds if len(set(settings.k_values)) > 1 else 0
    selection = sweep_k(bag, texts, settings.k_values, seeds, backend=settings.backend, workers=workers,
                        heldout_folds=min(folds, bag.n_documents), n_documents=bag.n_documents)
    timings["k_sweep"] = time.perf_counter() - clock
    k = selection.chosen_k
    # The themes the chains agree on, anchored on the most likely chain (not whichever seed came first).
    model = consensus_model(selection.model, selection.chains(), bag)
    how = "the only K given" if selection.basis == "only K" else f"chosen by {selection.basis}"
    logger.info(f"K={k} ({how}); themes: the consensus of {len(seeds)} chains, anchored on the most likely (seed {selection.best_seed})"
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

        with ProgressCounter(desc="bootstrap", total=settings.n_boot, unit="refit") as bar:
            replicates = bootstrap_article_themes(model, units, bag, refit, n_boot=settings.n_boot, seed=settings.seed,
                                                  workers=workers, done=bar.update)
        tables["article_theme_uncertainty"] = uncertainty_table(article_themes, replicates)
    timings["bootstrap"] = time.perf_counter() - clock
    if settings.n_boot:
        logger.info(f"bootstrap: {settings.n_boot} refits at K={k} in {timings['bootstrap']:.0f} s "
                    f"({workers} worker{'s' * (workers > 1)}; --bootstrap 0 skips them, and the intervals)")

    clock = time.perf_counter()
    cross_models = cross_check_models(bag, k, settings, workers=workers)
    timings["cross_check"] = time.perf_counter() - clock
    if settings.cross_check:
        fitted_on = next(iter(cross_models.values())).fitted_units_
        sampled = f" on a sample of {fitted_on} of the {len(units)} units" if fitted_on < len(units) else ""
        logger.info(f"cross-check: {', '.join(settings.cross_check)} at K={k}{sampled} in {timings['cross_check']:.0f} s "
                    "(--cross-check none skips them)")

    clock = time.perf_counter()
    # Whole-article units, none left out: the model's counts are the articles' counts.
    units_are_articles = unit == "article" and [u.article_id for u in units] == [a.id for a in tokens.articles]
    distinctive, similarity = tfidf_tables(
        tokens, vocabulary=bag.vocabulary, n=settings.top_terms, article_bag=bag if units_are_articles else None
    )
    facts = {a.id: (a.language, a.date, a.source, a.short_title) for a in articles}
    articles_table = article_themes_table(article_themes.to_numpy(), list(article_themes.index), facts)
    tables.update(
        {
            "k_selection": selection.summary.assign(chosen=lambda t: t.k == k),
            "k_selection_runs": selection.runs,
            "k_selection_heldout": selection.heldout_runs,
            "theme_support": support,
            "topic_terms": topic_terms_table(model.components_, model.vocabulary_, labels, tokens, settings.top_terms),
            "document_topics": document_topics_table(model.document_topics_, [u.article_id for u in units], [u.index for u in units],
                                                     [u.language for u in units], [len(u.terms) for u in units]),
            "article_themes": articles_table,
            "recurring_themes": recurring_themes(articles_table, labels),
            "passages": representative_passages(model, units, articles, labels),
            "backend_agreement": agreement_table(model, cross_models),
            "distinctive_terms": distinctive,
            "article_similarity": similarity,
            "vocabulary": vocabulary_table(bag.vocabulary, np.asarray(bag.counts.sum(axis=0)).ravel(), tokens),
        }
    )
    for backend, other in cross_models.items():
        tables[f"topic_terms_{backend}"] = aligned_topic_terms_table(other, model, tokens, settings.top_terms)

    timings["tables"] = time.perf_counter() - clock
    record = _manifest(articles, settings, corpus_name, unit, units, bag, selection, model, cross_models, labels,
                       report or CorpusReport(articles=list(articles)), params)
    result = Results(
        settings=settings, tables=tables, manifest=record, labels=list(labels),
        theme_terms=np.asarray(model.components_, dtype=np.float64), vocabulary=list(bag.vocabulary),
        term_counts=np.asarray(bag.counts.sum(axis=0)).ravel(), unit_lengths=np.asarray(bag.counts.sum(axis=1)).ravel(),
        unit_topics=np.asarray(model.document_topics_, dtype=np.float64),
        timings_s=timings, reading=report, tokens=tokens, units=units, bag=bag, selection=selection, model=model,
        cross_check_models=cross_models,
    )
    if out_dir is not None:
        write_results(result, Path(out_dir))
    return result


#: The cross-check backends are fitted on at most this many modelling units (a seeded sample
#: beyond it). They check which themes another algorithm finds too, which a few thousand units
#: show; on the whole archive (24,006 units) scikit-learn's batch LDA alone took 21.6 minutes.
CROSS_CHECK_MAX_UNITS = 4000


def unit_counts(units: Sequence[ModellingUnit], unit: str, settings: AnalysisSettings, *, tokens_key: str = "",
                cache_dir: str | Path | None = None) -> BagOfWords:
    """The units x terms counts of ``units`` (cut as ``unit``), kept in ``cache_dir`` under
    the key of the tokens they were cut from and every setting that shapes units and
    vocabulary, so a rerun that changes only K, seeds, chains or the backend starts from
    them (counting the archive's 24,000 units: 2-4 s; loading them: 0.01 s). Tokens that
    were not cached (no ``tokens_key``) are counted afresh. The same counts either way."""
    def count() -> BagOfWords:
        return bag_of_words([u.terms for u in units], min_count=settings.min_count, max_document_share=settings.max_document_share)

    if not tokens_key or cache_dir is None:
        return count()
    shaping = (unit, settings.window_tokens, settings.min_unit_terms, settings.min_count, settings.max_document_share)
    # The units' layout too (article, position, length of each; 24,000 lines in milliseconds):
    # counts are never taken for units other than the ones given, whatever a caller did to
    # the tokens object between tokenizing and modelling.
    layout = digest_of_lines(f"{u.article_id}\t{u.index}\t{len(u.terms)}" for u in units)
    bag, reused = cached("counts", key_of("counts", tokens_key, repr(shaping), layout), count, cache_dir)
    if reused:
        logger.info(f"{len(units)} units' counts reused from {cache_dir} (same tokens, units and vocabulary filter)")
    return bag


def cross_check_sample(n_units: int, seed: int, *, limit: int | None = None) -> np.ndarray:
    """The rows the cross-check backends are fitted on: all of them up to ``limit``
    (:data:`CROSS_CHECK_MAX_UNITS` by default), else ``limit`` drawn without replacement by
    ``seed``, in corpus order."""
    limit = CROSS_CHECK_MAX_UNITS if limit is None else limit
    if n_units <= limit:
        return np.arange(n_units)
    return np.sort(np.random.default_rng(seed).choice(n_units, size=limit, replace=False))


def cross_check_models(bag: BagOfWords, k: int, settings: AnalysisSettings, *, workers: int = 1) -> dict[str, TopicModel]:
    """The cross-check backends fitted at ``k`` on :func:`cross_check_sample`'s units (each
    model's ``fitted_units_`` says how many), each in a worker process when there are
    several (one fit each, in the order the settings name them: the same for any ``workers``)."""
    if not settings.cross_check:
        return {}
    rows = cross_check_sample(bag.n_documents, settings.seed)
    sample = bag if len(rows) == bag.n_documents else bag.rows(rows)
    fitted = forked_map(_fit_backend, list(settings.cross_check), (sample, k, settings.seed), workers=workers)
    for model in fitted:
        model.fitted_units_ = len(rows)
    return dict(zip(settings.cross_check, fitted))


def _fit_backend(context: tuple, backend: str) -> TopicModel:
    bag, k, seed = context
    return make_model(backend, n_topics=k, random_state=seed).fit(bag)


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



def _manifest(articles, settings, corpus_name, unit, units, bag, selection: KSelection, model, cross_models, labels,
              report: CorpusReport, params: dict | None) -> dict:
    chains = int((selection.runs.k == selection.chosen_k).sum())
    record = manifest(
        engine=dict(ENGINE),
        corpus={"name": corpus_name, "sha256": corpus_hash(articles), "articles": len(articles),
                "languages": dict(sorted(pd.Series([a.language for a in articles]).value_counts().items()))},
        settings=settings, seeds=selection.runs.seed, unit=unit,
        model={"backend": model.backend, "k": model.n_topics, "alpha": model.alpha_, "eta": model.eta,
               "max_iter": model.max_iter_, "n_iter": model.n_iter_, "converged": bool(model.converged_),
               "convergence": model.convergence_,
               "consensus": {"chains": chains, "reference_seed": selection.best_seed,
                             "found_by": [int(n) for n in getattr(model, "found_by_", [1] * model.n_topics)]}},
        cross_check={b: {"converged": bool(m.converged_), "convergence": m.convergence_,
                         "fitted_units": int(getattr(m, "fitted_units_", len(units)))} for b, m in cross_models.items()},
        selection={"chosen_k": selection.chosen_k, "unstable": selection.unstable, "warning": selection.warning,
                   "edge_note": selection.edge_note, "stability_note": selection.stability_note, "rule": selection.rule,
                   "basis": selection.basis, "floor": selection.floor, "floor_note": selection.floor_note,
                   "chains": chains, "reported_seed": selection.best_seed},
        data={"units": len(units), "terms": bag.n_terms, "tokens": int(bag.counts.sum())},
        reading=report.problems_record(),
        labels=labels,
        params=params,
    )
    if model.backend == "tomotopy" or "tomotopy" in cross_models:
        record["libraries"]["tomotopy_isa"] = import_tomotopy().isa  # the SIMD build that sampled
    return as_written(record)
