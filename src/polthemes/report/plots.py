"""Plot functions: each takes data, returns a matplotlib Figure, and never saves.

Saving (formats, deterministic metadata) is :mod:`polthemes.report.figures`' job, so a notebook
can show, restyle or combine these figures freely. Figures are built as bare
``matplotlib.figure.Figure`` objects, not through pyplot, so no backend or global state is
touched: the same code runs headless in the CLI and inline in a notebook. Every figure is
drawn in the CJK font a dependency ships (:mod:`polthemes.report.fonts`) and carries a small
reproducibility stamp (corpus hash, K, seed, package version) when one is given.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from polthemes.report.fonts import cjk_font_family
from polthemes.corpus.metadata import units
from polthemes.corpus.records import CorpusReport
from polthemes.themes.shares import PRESENT_SHARE

#: One colour per language, used by every figure so a reader learns it once.
LANGUAGE_COLOURS = {"zh": "#c0392b", "en": "#2e86c1"}
LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}


def styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure with the project's style (CJK font first), then stamp it.

    Every plot function takes a keyword ``stamp``: the provenance line drawn in small print
    in the bottom-right corner.
    """

    @functools.wraps(plot)
    def wrapper(*args, stamp: str = "", **kwargs) -> Figure:
        with matplotlib.rc_context(_style()):
            figure = plot(*args, **kwargs)
            if stamp:
                figure.text(0.995, 0.004, stamp, ha="right", va="bottom", fontsize=6, color="#888888")
        return figure

    return wrapper


def _style() -> dict:
    return {
        "font.family": [cjk_font_family(), "DejaVu Sans"],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,  # Noto Sans CJK has no U+2212 minus sign
    }


def _colours(n: int) -> list:
    """Distinct colours: tab20's saturated ten first, then its light ten."""
    colours = matplotlib.colormaps["tab20"].colors
    palette = colours[0::2] + colours[1::2]
    return [palette[i % len(palette)] for i in range(n)]


def _grid(n: int, columns: int) -> tuple[int, int]:
    columns = max(1, min(columns, n))
    return math.ceil(n / columns), columns


# --- corpus -------------------------------------------------------------------------------


#: Figures with a row, column or panel per article are drawn only up to this many articles;
#: an archive is read through its themes and distributions, not article by article (a row
#: each for the 24,000 items of an archive was a figure 11,000 inches tall).
MAX_ARTICLES_FOR_ARTICLE_FIGURES = 40


@styled
def plot_corpus_overview(report: CorpusReport) -> Figure:
    """Per article: length kept (coloured by language) and lines cut, stacked by the rule that cut them.

    Length is in words with a Chinese character counting as one (``metadata.units``), so
    Chinese and English bars are comparable. Articles run top to bottom in corpus order,
    labelled by id, so the figure reads like the table of ``polthemes inspect``. Beyond
    :data:`MAX_ARTICLES_FOR_ARTICLE_FIGURES` articles the same two panels summarise the
    corpus instead: how many articles keep how much text, per language, and the lines
    each rule cut in all.
    """
    articles = report.articles
    lengths = [sum(units(p) for p in a.paragraphs) for a in articles]
    rules = sorted({line.rule for a in articles for line in a.removed})
    if len(articles) > MAX_ARTICLES_FOR_ARTICLE_FIGURES:
        return _corpus_distribution(articles, lengths, rules)
    positions = list(range(len(articles)))[::-1]
    figure = Figure(figsize=(10, 1.6 + 0.45 * len(articles)))
    kept_axis, cut_axis = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})

    kept_axis.barh(positions, lengths, color=[LANGUAGE_COLOURS.get(a.language, "grey") for a in articles])
    kept_axis.set_yticks(positions, [a.id for a in articles], fontsize=8)
    kept_axis.set_xlabel("article text kept (words; a Chinese character counts as one)")
    present = sorted({a.language for a in articles})
    kept_axis.legend(
        handles=[Patch(color=LANGUAGE_COLOURS.get(code, "grey"), label=code) for code in present],
        title="language", fontsize=8, title_fontsize=8, loc="upper right",
    )

    left = [0] * len(articles)
    for rule, colour in zip(rules, _colours(len(rules))):
        counts = [sum(1 for line in a.removed if line.rule == rule) for a in articles]
        cut_axis.barh(positions, counts, left=left, color=colour, label=rule)
        left = [x + c for x, c in zip(left, counts)]
    cut_axis.set_xlabel("lines cut, by rule")
    cut_axis.xaxis.get_major_locator().set_params(integer=True)
    if rules:
        cut_axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, title="rule", title_fontsize=7)
    figure.suptitle(f"Corpus overview: {len(articles)} articles", fontsize=11)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


def _corpus_distribution(articles, lengths: list[int], rules: list[str]) -> Figure:
    """:func:`plot_corpus_overview` for a corpus too large for a row per article: a histogram
    of the text kept per article (log-spaced bins, one colour per language, stacked) and,
    per rule, the lines it cut in all and in how many articles."""
    figure = Figure(figsize=(10, 4.2))
    kept_axis, cut_axis = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    present = sorted({a.language for a in articles})
    # Log-spaced bins from the shortest article to the longest; an article left empty counts as one word.
    shortest = max(1, min(lengths))
    edges = np.unique(np.geomspace(shortest, max(shortest + 1, max(lengths)), 31).round(6))
    by_language = [[max(1, n) for n, a in zip(lengths, articles) if a.language == code] for code in present]
    kept_axis.hist(by_language, bins=edges, stacked=True, label=present,
                   color=[LANGUAGE_COLOURS.get(code, "grey") for code in present])
    kept_axis.set_xscale("log")
    kept_axis.set_xlabel("article text kept (words; a Chinese character counts as one; log scale)")
    kept_axis.set_ylabel("articles")
    kept_axis.legend(title="language", fontsize=8, title_fontsize=8, loc="upper right")
    if rules:
        lines = [sum(1 for a in articles for line in a.removed if line.rule == rule) for rule in rules]
        touched = [sum(1 for a in articles if any(line.rule == rule for line in a.removed)) for rule in rules]
        positions = list(range(len(rules)))[::-1]
        cut_axis.barh(positions, lines, color=_colours(len(rules)))
        cut_axis.set_yticks(positions, [f"{rule} ({n:,} articles)" for rule, n in zip(rules, touched)], fontsize=7)
        cut_axis.xaxis.get_major_locator().set_params(integer=True)
    else:
        cut_axis.text(0.5, 0.5, "no line was cut", ha="center", va="center", transform=cut_axis.transAxes)
        cut_axis.set_yticks([])
    cut_axis.set_xlabel("lines cut in all, by rule")
    figure.suptitle(f"Corpus overview: {len(articles):,} articles (too many for a row each: their distribution)", fontsize=11)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


# --- TF-IDF -------------------------------------------------------------------------------


@styled
def plot_tfidf_top_terms(distinctive: pd.DataFrame, languages: dict[str, str], *, n: int = 10, columns: int = 3) -> Figure:
    """Small multiples: each article's ``n`` most distinctive terms by TF-IDF, labelled in both languages."""
    ids = list(dict.fromkeys(distinctive.id))
    figure = _ranked_bar_panels(
        [distinctive[distinctive.id == i] for i in ids],
        value="tfidf", label="label", n=n, columns=columns,
        titles=[f"{i} ({languages.get(i, '?')})" for i in ids],
        colours=[LANGUAGE_COLOURS.get(languages.get(i, ""), "grey") for i in ids],
    )
    figure.suptitle("Most distinctive terms of each article (TF-IDF)", fontsize=11)
    figure.supxlabel("TF-IDF weight", fontsize=8)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


def _ranked_bar_panels(
    groups: Sequence[pd.DataFrame], *, value: str, label: str, n: int, columns: int, titles: Sequence[str], colours: Sequence
) -> Figure:
    """One panel per group: its first ``n`` rows by ``rank`` as horizontal bars, best on top."""
    rows, columns = _grid(len(groups), columns)
    figure = Figure(figsize=(4.3 * columns, 0.28 * n * rows + 0.9 * rows + 0.6))
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for axis, group, title, colour in zip(axes, groups, titles, colours):
        top = group.sort_values("rank").head(n)
        positions = np.arange(len(top))[::-1]
        axis.barh(positions, top[value], color=colour)
        axis.set_yticks(positions, top[label], fontsize=7.5)
        axis.set_title(title, fontsize=8.5)
        axis.tick_params(axis="x", labelsize=7)
    for axis in axes[len(groups):]:
        axis.set_visible(False)
    return figure


@styled
def plot_article_similarity(similarity: pd.DataFrame, languages: dict[str, str]) -> Figure:
    """Cosine similarity of the articles' TF-IDF vectors in the shared space (ids x ids)."""
    ids = list(similarity["id"]) if "id" in similarity.columns else list(similarity.index)
    matrix = similarity.drop(columns=["id"], errors="ignore").to_numpy(dtype=float)
    size = 1.6 + 0.75 * len(ids)
    figure = Figure(figsize=(size + 1.4, size))
    axis = figure.subplots()
    image = axis.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    labels = [f"{i} ({languages.get(i, '?')})" for i in ids]
    axis.set_xticks(range(len(ids)), labels, rotation=40, ha="right", fontsize=7.5)
    axis.set_yticks(range(len(ids)), labels, fontsize=7.5)
    for (r, c), value in np.ndenumerate(matrix):
        axis.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=7, color="white" if value > 0.6 else "black")
    figure.colorbar(image, ax=axis, shrink=0.8, label="cosine similarity")
    axis.set_title("Article similarity (TF-IDF over shared concept terms)")
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


# --- choosing K ---------------------------------------------------------------------------


@styled
def plot_k_selection(
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    min_stability: float,
    heldout: pd.DataFrame | None = None,
    basis: str = "",
    warning: str = "",
) -> Figure:
    """The evidence of the K rule against K, the chosen K marked: stability across chains
    (what decides when some K is reproduced), held-out likelihood with its standard error
    over folds (what decides when none is), NPMI coherence and topic diversity (shown, not
    deciding). Grey points are single chains (or folds)."""
    chosen = int(summary.loc[summary.chosen.astype(bool), "k"].iloc[0])
    figure = Figure(figsize=(12, 3.5 if not warning else 4.0))
    axes = figure.subplots(1, 4)
    decided = {"stability": "decides" if basis == "stability" else "", "heldout": "decides" if basis == "held-out likelihood" else ""}
    panels = [
        ("stability", "stability across chains (top-10 overlap)"),
        ("heldout", "held-out log-likelihood per token"),
        ("npmi", "NPMI coherence (shown, not deciding)"),
        ("diversity", "topic diversity (unique top-25 share)"),
    ]
    for axis, (column, title) in zip(axes, panels):
        if column not in summary.columns or summary[column].isna().all():
            axis.text(0.5, 0.5, "not measured", ha="center", va="center", transform=axis.transAxes, color="#7f8c8d")
        else:
            points = heldout if column == "heldout" else runs
            if points is not None and column in points.columns and len(points):
                axis.scatter(points.k, points[column], s=8, color="#bbbbbb", label="one fold" if column == "heldout" else "one chain", zorder=2)
            if column == "heldout" and "heldout_se" in summary.columns:
                axis.errorbar(summary.k, summary[column], yerr=summary.heldout_se.fillna(0), marker="o", color="#34495e",
                              capsize=2, zorder=3, label="mean ± 1 SE")
            else:
                axis.plot(summary.k, summary[column], marker="o", color="#34495e", zorder=3, label="mean")
        axis.axvline(chosen, color="#c0392b", linestyle="--", linewidth=1, label=f"chosen K={chosen}")
        if column == "stability":
            axis.axhline(min_stability, color="#e67e22", linewidth=1, linestyle=":", label=f"reproduced ≥ {min_stability}")
        if column == "npmi":
            axis.axhline(0, color="#7f8c8d", linewidth=0.8)
            if summary.npmi.notna().any() and (summary.npmi < 0).all():
                axis.text(0.5, 0.04, "mean negative at every K", ha="center", transform=axis.transAxes, color="#c0392b", fontsize=7.5)
        suffix = f" — {decided[column]}" if decided.get(column) else ""
        axis.set_title(title + suffix, fontsize=8.5, color="#c0392b" if suffix else "black")
        axis.set_xlabel("K (number of themes)")
        axis.xaxis.get_major_locator().set_params(integer=True)
    axes[0].legend(fontsize=7, loc="lower left")
    axes[1].legend(fontsize=7, loc="lower right")
    figure.suptitle("Choosing K: stability across chains, held-out fit, coherence, diversity", fontsize=11)
    if warning:
        figure.text(0.5, 0.885, warning, ha="center", color="#c0392b", fontsize=8.5, weight="bold", wrap=True)
    figure.tight_layout(rect=(0, 0.02, 1, 0.87 if warning else 1))
    return figure


# --- themes -------------------------------------------------------------------------------


#: FREX terms shown under each theme panel's title (the table keeps as many as top terms).
FREX_IN_TITLE = 6


@styled
def plot_topic_terms(topic_terms: pd.DataFrame, *, n: int = 10, columns: int = 3) -> Figure:
    """One panel per theme: its top terms by weight, labelled in both languages, and under
    the panel's title its top FREX terms (frequent in the theme *and* exclusive to it), the
    two lists stm's ``labelTopics`` gives."""
    themes = sorted(topic_terms.theme.unique())
    titles = []
    for k in themes:
        title = f"theme {k}"
        if "frex_term_label" in topic_terms.columns:
            frex = topic_terms[topic_terms.theme == k].sort_values("rank").frex_term_label.head(FREX_IN_TITLE)
            title += "\nFREX: " + _wrap_words(", ".join(label.split(" · ")[0] for label in frex), 48)
        titles.append(title)
    figure = _ranked_bar_panels(
        [topic_terms[topic_terms.theme == k] for k in themes],
        value="weight", label="term_label", n=n, columns=columns, titles=titles, colours=_colours(len(themes)),
    )
    figure.suptitle("Themes: top terms (probability within the theme); FREX terms under each title", fontsize=11)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


@styled
def plot_theme_heatmap(
    article_themes: pd.DataFrame, uncertainty: pd.DataFrame | None, labels: Sequence[str], *, warning: str = "",
    present_share: float = PRESENT_SHARE,
) -> Figure:
    """Articles x themes: share of each article's tokens per theme, with its bootstrap 5-95%
    interval, and the rule that makes a theme *present* in an article drawn on the cells:
    a solid border where the share and its whole interval reach ``present_share``, a dashed
    one where the share does but the interval reaches below (the data allow either answer),
    none where the share falls short. Articles are named by their short titles."""
    from matplotlib.patches import Rectangle

    shares = article_themes.filter(like="theme_").to_numpy(dtype=float)
    ids = list(article_themes.id)
    languages = list(article_themes.language)
    titles = list(article_themes.title) if "title" in article_themes.columns else [""] * len(ids)
    figure = Figure(figsize=(4.2 + 1.9 * len(labels), 2.3 + 0.62 * len(ids) + (0.3 if warning else 0)))
    axis = figure.subplots()
    image = axis.imshow(shares, cmap="YlOrRd", vmin=0, vmax=max(0.5, float(shares.max())), aspect="auto")
    interval = {}
    if uncertainty is not None and not uncertainty.empty:
        interval = {(r.id, int(r.theme)): (r.low_5, r.high_95) for r in uncertainty.itertuples()}
    for (r, c), value in np.ndenumerate(shares):
        text = f"{value:.2f}"
        low = None
        if (ids[r], c) in interval:
            low, high = interval[(ids[r], c)]
            text += f"\n[{low:.2f}–{high:.2f}]"
        axis.text(c, r, text, ha="center", va="center", fontsize=7, color="white" if value > 0.45 else "black")
        if value >= present_share:
            sure = low is None or low >= present_share
            axis.add_patch(Rectangle((c - 0.47, r - 0.45), 0.94, 0.9, fill=False, edgecolor="#2c3e50",
                                     linewidth=2.0 if sure else 1.2, linestyle="-" if sure else "--"))
    axis.set_xticks(range(len(labels)), [_wrap(label) for label in labels], fontsize=7.5)
    names = [article_name(i, t, l) for i, t, l in zip(ids, titles, languages)]
    axis.set_yticks(range(len(ids)), names, fontsize=7.5)
    for tick, language in zip(axis.get_yticklabels(), languages):
        tick.set_color(LANGUAGE_COLOURS.get(language, "black"))
    axis.xaxis.tick_top()
    figure.colorbar(image, ax=axis, shrink=0.8, label="share of the article's tokens")
    figure.suptitle("Themes across articles (bootstrap 5–95% interval in brackets)", fontsize=11)
    rule = f"Bordered: the theme is present (share ≥ {present_share:.0%}, the rule of recurring_themes.csv); " + (
        f"solid: its whole interval is ≥ {present_share:.0%} too; dashed: the interval reaches below, "
        "so the data allow either answer." if interval else "this run has no bootstrap intervals to say how sure that is.")
    figure.text(0.5, 0.075 if warning else 0.035, rule, ha="center", va="bottom", fontsize=7.5, color="#2c3e50", wrap=True)
    if warning:
        figure.text(0.5, 0.035, warning, ha="center", va="bottom", color="#c0392b", fontsize=8, weight="bold")
    figure.tight_layout(rect=(0, 0.11 if warning else 0.07, 1, 0.97))
    return figure


def article_name(article_id: str, title: str, language: str) -> str:
    """How a figure names an article: its id (a file's name, without its folder and without a
    trailing content hash such as the seeds' ``_b5b58f93a4d00913``, cut to 24 columns), its
    short title and its language."""
    from polthemes.corpus.records import shorten_to_width

    short_id = shorten_to_width(_HASH_SUFFIX.sub("", article_id.rsplit("/", 1)[-1]) or article_id, 24)
    name = f"{short_id} {title}".strip() if title and title != short_id else short_id
    return f"{name} ({LANGUAGE_NAMES.get(language, language)})"


#: A trailing content hash in an article id: it tells a reader nothing.
_HASH_SUFFIX = re.compile(r"_[0-9a-f]{8,}$")


def _weighted_mean(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row mean weighted by ``weights``; unweighted when a group has no weight at all (its
    articles left no modelled term), rather than dividing by zero."""
    return np.average(rows, axis=0, weights=weights if weights.sum() > 0 else None)


@styled
def plot_theme_prevalence(article_themes: pd.DataFrame, labels: Sequence[str], *, weights: Sequence[float] | None = None) -> Figure:
    """Mean theme share by language and by source (articles weighted by ``weights``, e.g. the
    terms of each article's modelling units, so a long article counts for more than a headline)."""
    shares = article_themes.filter(like="theme_").to_numpy(dtype=float)
    weights = np.ones(len(shares)) if weights is None else np.asarray(weights, dtype=float)
    figure = Figure(figsize=(11, 3.2 + 0.25 * len(labels)))
    by_language, by_source = figure.subplots(1, 2)
    for axis, column, title in ((by_language, "language", "by language"), (by_source, "source", "by source")):
        groups = article_themes[column].fillna("").replace("", "(not stated)")
        names = sorted(groups.unique())
        means = np.array([_weighted_mean(shares[(groups == g).to_numpy()], weights[(groups == g).to_numpy()]) for g in names])
        left = np.zeros(len(names))
        for k, (label, colour) in enumerate(zip(labels, _colours(len(labels)))):
            axis.barh(range(len(names)), means[:, k], left=left, color=colour, label=_wrap(label, 40))
            left += means[:, k]
        counts = groups.value_counts()
        axis.set_yticks(range(len(names)), [f"{LANGUAGE_NAMES.get(n, n)} (n={counts[n]})" for n in names], fontsize=8)
        axis.set_xlim(0, 1)
        axis.set_title(f"Theme prevalence {title}")
        axis.set_xlabel("mean share of tokens")
    by_source.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


#: Where along an edge of the co-occurrence network its count is written (0: one end).
EDGE_LABEL_AT = 0.3


@styled
def plot_theme_cooccurrence(document_topics: pd.DataFrame, labels: Sequence[str], *, threshold: float = 0.2) -> Figure:
    """Network of themes: nodes sized by prevalence, edges by how often two themes share a unit.

    Two themes co-occur in a modelling unit when both take at least ``threshold`` of it;
    edge width is the number of such units, node area the theme's mean share.
    """
    shares = document_topics.filter(like="theme_").to_numpy(dtype=float)
    present = shares >= threshold
    k = shares.shape[1]
    counts = present.T.astype(int) @ present.astype(int)
    angles = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    xy = np.c_[np.cos(angles), np.sin(angles)]
    figure = Figure(figsize=(8.5, 6.5))
    axis = figure.subplots()
    top = max(1, max((counts[i, j] for i in range(k) for j in range(i + 1, k)), default=1))
    for i in range(k):
        for j in range(i + 1, k):
            if counts[i, j]:
                axis.plot(*xy[[i, j]].T, color="#7f8c8d", linewidth=0.5 + 6 * counts[i, j] / top, alpha=0.6, zorder=1)
                # Not at the middle, where every chord of the ring crosses the others: a third
                # of the way from one end, so the labels of one node's edges fan out with them.
                start, end = (i, j) if (i + j) % 2 else (j, i)
                at = xy[start] + EDGE_LABEL_AT * (xy[end] - xy[start])
                axis.text(*at, str(counts[i, j]), fontsize=7, color="#555555", ha="center", va="center", zorder=3,
                          bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    prevalence = shares.mean(axis=0)
    axis.scatter(*xy.T, s=4000 * prevalence, color=_colours(k), zorder=2, edgecolor="white")
    for i, label in enumerate(labels):
        x, y = xy[i] * 1.22
        # Labels sit outside the ring, anchored away from their node so they never cover it.
        ha = "left" if x > 0.3 else "right" if x < -0.3 else "center"
        va = "bottom" if y > 0.3 else "top" if y < -0.3 else "center"
        axis.text(x, y, f"{i}: {_wrap(label, 24)}", ha=ha, va=va, fontsize=7.5)
    axis.set_xlim(-2.2, 2.2)
    axis.set_ylim(-1.7, 1.7)
    axis.set_aspect("equal")
    axis.axis("off")
    axis.set_title(f"Theme co-occurrence: units where both themes take ≥ {threshold:.0%} (edge label = units)")
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


@styled
def plot_themes_over_time(
    article_themes: pd.DataFrame, labels: Sequence[str], *, frequency: str = "MS", uncertainty: pd.DataFrame | None = None
) -> Figure:
    """Theme shares of dated articles over time: monthly means for an archive; for a few
    articles, one point each with its bootstrap 5-95% interval (``uncertainty``) and no line."""
    dated = article_themes[article_themes.date.fillna("").astype(str).str.len() > 0].copy()
    figure = Figure(figsize=(11, 4.2))
    axis = figure.subplots()
    if dated.empty:
        axis.text(0.5, 0.5, "no article states a date", ha="center", va="center", transform=axis.transAxes)
        axis.axis("off")
        return figure
    dated["date"] = pd.to_datetime(dated.date)
    columns = [c for c in dated.columns if c.startswith("theme_")]
    few = dated.date.nunique() < 12
    series = dated.set_index("date")[columns].sort_index() if few else dated.set_index("date")[columns].resample(frequency).mean().dropna()
    for column, label, colour in zip(columns, labels, _colours(len(columns))):
        if few:
            # A handful of dated articles is no series: each is a point, and no line joins
            # them (a line through three articles would draw a trend nobody measured).
            axis.scatter(series.index, series[column], s=28, color=colour, label=_wrap(label, 40), zorder=3)
            if uncertainty is not None and not uncertainty.empty:
                theme = int(column.removeprefix("theme_"))
                bounds = uncertainty[uncertainty.theme == theme].set_index("id")
                known = dated.sort_values("date")
                known = known[known.id.isin(bounds.index)]
                low = bounds.loc[known.id, "low_5"].to_numpy()
                high = bounds.loc[known.id, "high_95"].to_numpy()
                values = known[column].to_numpy()
                axis.errorbar(known.date, values, yerr=[np.maximum(values - low, 0), np.maximum(high - values, 0)],
                              fmt="none", ecolor=colour, elinewidth=1, capsize=3, alpha=0.7, zorder=2)
        else:
            axis.plot(series.index, series[column], linewidth=1.2, color=colour, label=_wrap(label, 40))
    axis.set_ylabel("share of tokens" + (" (one point per article, 5–95% interval)" if few else " (monthly mean)"))
    title = f"Themes over time ({len(dated)} dated articles"
    axis.set_title(title + (": too few dates for a trend, points only)" if few else ")"))
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


def _wrap_words(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _wrap(label: str, width: int = 18) -> str:
    """Break a bilingual label at its separators so it fits under a heatmap column."""
    parts = label.replace(" / ", " /\n").split("\n")
    return "\n".join(part if len(part) <= width + 8 else part[: width + 7] + "…" for part in parts)
