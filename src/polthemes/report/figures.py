"""A run's figures, built from its tables alone, and saved deterministically.

Matplotlib stamps files with creation dates and random SVG ids by default; both are
pinned here so regenerating a figure from the same data gives byte-identical files.
:func:`theme_figures` draws from a :class:`~polthemes.results.Results` (a fit in memory
or a folder loaded with :func:`~polthemes.results.load_results`, the same figures either
way); the job that draws every figure of the project is :func:`polthemes.jobs.regenerate_figures`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from polthemes import __version__
from polthemes.config import FIGURES_DIR
from polthemes.files import write_bytes_atomic
from polthemes.report.plots import MAX_ARTICLES_FOR_ARTICLE_FIGURES

#: Formats written for every figure: PNG to look at, SVG to edit or print.
FIGURE_FORMATS = ("png", "svg")
_FIXED_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}


def save_figure(figure: Figure, name: str, directory: str | Path = FIGURES_DIR) -> list[Path]:
    """Write ``figure`` as ``<name>.png`` and ``<name>.svg``; return the paths written."""
    written = []
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "path"}):
        for extension in FIGURE_FORMATS:
            buffer = io.BytesIO()
            figure.savefig(buffer, format=extension, dpi=150, metadata=_FIXED_METADATA[extension])
            written.append(write_bytes_atomic(Path(directory) / f"{name}.{extension}", buffer.getvalue()))
    return written


def provenance_stamp(manifest: dict) -> str:
    """The small-print line on every figure: corpus hash, K, seed, package version."""
    return (
        f"corpus {manifest['corpus']['sha256'][:12]} · K={manifest['model']['k']} · "
        f"seed {manifest['settings']['seed']} · {manifest['model']['backend']} · polthemes {__version__}"
    )


def corpus_stamp(articles) -> str:
    """The stamp of a figure drawn before any model: corpus hash and package version."""
    from polthemes.results import corpus_hash

    return f"corpus {corpus_hash(articles)[:12]} · polthemes {__version__}"


#: The figures that show single articles (skipped above the limit).
PER_ARTICLE_FIGURES = ("tfidf_top_terms_by_article", "article_similarity", "theme_by_article_heatmap")


#: The theme figures :func:`theme_figures` can draw, in the order it draws them.
THEME_FIGURES = (
    "tfidf_top_terms_by_article", "article_similarity", "k_selection_dashboard", "theme_top_terms",
    "theme_by_article_heatmap", "theme_prevalence_by_language_and_source", "theme_cooccurrence_network",
    "themes_over_time",
)


def theme_figures(result, names: Sequence[str] | None = None) -> dict[str, Figure]:
    """The figures of a :class:`~polthemes.results.Results`, by file name.

    ``names`` picks some (all by default). Per-article figures are left out for corpora of
    more than :data:`MAX_ARTICLES_FOR_ARTICLE_FIGURES` articles.
    """
    from polthemes.report.plots import (
        plot_article_similarity,
        plot_k_selection,
        plot_theme_cooccurrence,
        plot_theme_heatmap,
        plot_theme_prevalence,
        plot_tfidf_top_terms,
        plot_themes_over_time,
        plot_topic_terms,
    )
    from polthemes.modelling.selection import MIN_STABILITY

    tables = result.tables
    stamp = provenance_stamp(result.manifest)
    # Both engines write these tables, so every figure is drawn from them alone: a Spark run
    # (which keeps no token objects) gets exactly the local engine's figures.
    languages = dict(zip(tables["article_themes"].id, tables["article_themes"].language))
    unit_terms = tables["document_topics"].groupby("id", sort=False).n_terms.sum()
    terms_per_article = [int(unit_terms.get(i, 0)) for i in tables["article_themes"].id]
    selection = result.manifest["selection"]
    warning = selection["warning"]
    labels = result.labels
    builders = {
        "tfidf_top_terms_by_article": lambda: plot_tfidf_top_terms(tables["distinctive_terms"], languages, stamp=stamp),
        "article_similarity": lambda: plot_article_similarity(tables["article_similarity"], languages, stamp=stamp),
        "k_selection_dashboard": lambda: plot_k_selection(
            tables["k_selection"], tables["k_selection_runs"], min_stability=MIN_STABILITY,
            heldout=tables.get("k_selection_heldout"), basis=selection.get("basis", ""),
            warning=" ".join(filter(None, [warning, selection["edge_note"], selection.get("stability_note", ""),
                                   selection.get("floor_note", "")])), stamp=stamp
        ),
        "theme_top_terms": lambda: plot_topic_terms(tables["topic_terms"], stamp=stamp),
        "theme_by_article_heatmap": lambda: plot_theme_heatmap(
            tables["article_themes"], tables.get("article_theme_uncertainty"), labels, warning=warning, stamp=stamp
        ),
        "theme_prevalence_by_language_and_source": lambda: plot_theme_prevalence(
            tables["article_themes"], labels, weights=terms_per_article, stamp=stamp
        ),
        "theme_cooccurrence_network": lambda: plot_theme_cooccurrence(tables["document_topics"], labels, stamp=stamp),
        "themes_over_time": lambda: plot_themes_over_time(
            tables["article_themes"], labels, uncertainty=tables.get("article_theme_uncertainty"), stamp=stamp
        ),
    }
    if tuple(builders) != THEME_FIGURES:  # draw_figures hands out THEME_FIGURES: a figure missing there is never drawn
        raise RuntimeError(f"THEME_FIGURES {THEME_FIGURES} must name the builders in order: {tuple(builders)}")
    unknown = set(names or ()) - set(builders)
    if unknown:
        raise ValueError(f"unknown figure(s) {sorted(unknown)}; known: {', '.join(builders)}")
    too_many = len(languages) > MAX_ARTICLES_FOR_ARTICLE_FIGURES
    # The Spark engine fits one given K and no article-similarity matrix: no figure for those.
    missing = {name for name, table in (("article_similarity", "article_similarity"), ("k_selection_dashboard", "k_selection_runs"))
               if table not in tables}
    return {
        name: build()
        for name, build in builders.items()
        if (names is None or name in names) and not (too_many and name in PER_ARTICLE_FIGURES) and name not in missing
    }
