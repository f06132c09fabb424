"""Figures of a named-theme run: shares per article, effects of covariates, prevalence over time.

Every estimate is drawn with its interval (the method of composition's 95%), and what the
articles cannot support is drawn hollow and grey with the reason beside it, never as a
finding. A few periods are points; a line joins periods only when there are
:data:`MIN_PERIODS_FOR_LINE` of them or more.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from polthemes.report.plots import LANGUAGE_COLOURS, article_name, styled
from polthemes.themes.effects import period_start

#: Periods below which prevalence over time is drawn as points only (no line, no trend).
MIN_PERIODS_FOR_LINE = 12
#: What figures say an interval is.
INTERVAL = "95% interval (method of composition)"
_UNSUPPORTED = "#b0b0b0"


def _absent_note(overview: pd.DataFrame) -> str:
    absent = overview[overview.status.astype(str).str.startswith("absent")]
    return ("Absent (no seed concept occurs, not fitted): " + ", ".join(absent.label)) if len(absent) else ""


def _weak_evidence(seed_share: float) -> str:
    """What a figure says beside a named theme whose evidence is weak (see named_themes.evidence)."""
    return f"weak evidence: seeds {seed_share:.1%} of it"


@styled
def plot_named_theme_shares(shares: pd.DataFrame, overview: pd.DataFrame, *, max_articles: int = 40) -> Figure:
    """One panel per fitted named theme: each article's share (median) and its interval,
    articles named by title and language, coloured by language. Above ``max_articles``
    articles the panels show the corpus mean only (``overview``)."""
    fitted = overview[overview.status == "fitted"].sort_values("theme")
    note = _absent_note(overview)
    articles = shares.drop_duplicates("id")
    if len(articles) > max_articles or fitted.empty:
        figure = Figure(figsize=(8, 0.5 * max(len(fitted), 2) + 1.6))
        axis = figure.subplots()
        y = np.arange(len(fitted))[::-1]
        axis.errorbar(fitted.mean_share, y, xerr=[fitted.mean_share - fitted.lower, fitted.upper - fitted.mean_share],
                      fmt="o", color="#333333", capsize=3)
        # An archive's corpus means carry the evidence too: a weak theme's row says so, in red.
        weak = (fitted.evidence == "weak").to_numpy() if "evidence" in fitted else np.zeros(len(fitted), bool)
        axis.set_yticks(y, [f"{row.label}\n({_weak_evidence(row.seed_share)})" if is_weak else row.label
                            for row, is_weak in zip(fitted.itertuples(), weak)])
        for tick, is_weak in zip(axis.get_yticklabels(), weak):
            if is_weak:
                tick.set_color("#8a2b2b")
        axis.set_xlim(left=0)
        axis.set_xlabel(f"mean share of an article's tokens, {INTERVAL}")
        axis.set_title(f"Named themes across {len(articles)} articles")
    else:
        columns = min(3, len(fitted))
        rows = -(-len(fitted) // columns)
        height = 0.28 * len(articles) + 1.2
        figure = Figure(figsize=(4.2 * columns + 2.2, height * rows + 1.0))
        axes = np.atleast_1d(figure.subplots(rows, columns, sharex=True, squeeze=False)).ravel()
        names = [article_name(i, t, lang) for i, t, lang in zip(articles.id, articles.title.fillna(""), articles.language)]
        y = np.arange(len(articles))[::-1]
        for axis, (_, theme) in zip(axes, fitted.iterrows()):
            part = shares[shares.theme == theme.theme].set_index("id").loc[articles.id]
            colours = [LANGUAGE_COLOURS.get(lang, "#555555") for lang in part.language]
            for yy, (_, row), colour in zip(y, part.iterrows(), colours):
                axis.plot([row.lower, row.upper], [yy, yy], color=colour, linewidth=1.6, alpha=0.6)
                axis.plot(row.share, yy, "o", color=colour, markersize=5)
            weak = ", weak evidence" if theme.get("evidence") == "weak" else ""
            axis.set_title(f"{theme.label}\n({int(theme.seed_tokens)} seed tokens, {theme.seed_share:.0%} of the theme{weak})", fontsize=9,
                           color="#8a2b2b" if weak else "black")
            axis.set_xlim(0, 1)
            axis.set_yticks(y, names if axis in axes[::columns] else [""] * len(y), fontsize=7)
        for axis in axes[len(fitted):]:
            axis.axis("off")
        for axis in axes[-columns:]:
            axis.set_xlabel("share of the article's tokens")
        figure.suptitle(f"How much of each article is each named theme: median and {INTERVAL}", fontsize=10)
    if note:
        figure.text(0.01, 0.025, note, fontsize=7, color="#8a2b2b", ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.05, 1, 0.97))
    return figure


@styled
def plot_named_theme_effects(effects: pd.DataFrame) -> Figure:
    """Per covariate, each named theme's difference in share (level minus reference) with
    its interval, and the zero line. An effect the articles cannot support is hollow and
    grey, its reason printed below; a covariate that could not be estimated is named there too."""
    estimated = effects[effects.level.fillna("").astype(str).str.len() > 0] if "level" in effects else effects.iloc[0:0]
    skipped = effects.drop(estimated.index)
    contrasts = list(dict.fromkeys(zip(estimated.get("covariate", []), estimated.get("level", []), estimated.get("reference", []))))
    figure = Figure(figsize=(max(9.0, 5.2 * max(1, len(contrasts)) + 3.0), 0.45 * max(estimated.theme.nunique() if len(estimated) else 1, 2) + 2.6))
    axes = np.atleast_1d(figure.subplots(1, max(1, len(contrasts)), squeeze=False)).ravel()
    notes = []
    for axis, (covariate, level, reference) in zip(axes, contrasts):
        part = estimated[(estimated.covariate == covariate) & (estimated.level == level)].sort_values("theme")
        y = np.arange(len(part))[::-1]
        for yy, (_, row) in zip(y, part.iterrows()):
            supported = bool(row.supported)
            colour = "#1f4e79" if supported else _UNSUPPORTED
            axis.plot([row.lower, row.upper], [yy, yy], color=colour, linewidth=2)
            axis.plot(row.estimate, yy, "o", markersize=6, color=colour, markerfacecolor=colour if supported else "white")
        axis.axvline(0, color="#444444", linewidth=0.8, linestyle="--")
        axis.set_yticks(y, part.label)
        axis.set_xlim(-1, 1)
        axis.set_xlabel(f"share in {covariate} = {level} minus {covariate} = {reference}")
        groups = f"{int(part.articles.iloc[0])} vs {int(part.reference_articles.iloc[0])} articles"
        axis.set_title(f"{covariate}: {level} vs {reference} ({groups})")
        if not part.supported.all():
            notes.append(f"{covariate}: {part.note.iloc[0]}")
    if not contrasts:
        axes[0].axis("off")
    for _, row in skipped.iterrows():
        notes.append(f"{row.covariate}: not estimated: {row.note}")
    figure.suptitle(f"Does a covariate change a named theme's share?\nDifference in share and {INTERVAL}; hollow grey: the articles cannot support it",
                    fontsize=10)
    if notes:
        figure.text(0.01, 0.025, "\n".join(notes), fontsize=7, color="#8a2b2b", ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.06 + 0.035 * len(notes), 1, 0.93))
    return figure


@styled
def plot_named_themes_over_time(periods: pd.DataFrame, *, themes: list[str] | None = None,
                                evidence: pd.DataFrame | None = None) -> Figure:
    """Each named theme's mean share of the articles of each period, with its interval.
    Fewer than :data:`MIN_PERIODS_FOR_LINE` periods are points only; more are a line in a band.
    A period with fewer articles than an estimate needs is drawn hollow. With ``evidence``
    (the ``named_themes`` table) the legend says which themes rest on weak evidence: a line
    of a theme that is mostly not its seeds must not be read as the seeds' history."""
    figure = Figure(figsize=(11, 4.4))
    axis = figure.subplots()
    dated = periods[periods.period.astype(str).str.len() > 0] if "period" in periods else periods.iloc[0:0]
    if dated.empty:
        reason = periods.note.iloc[0] if "note" in periods and len(periods) else "no dated articles"
        axis.text(0.5, 0.5, f"No named themes over time: {reason}", ha="center", va="center", transform=axis.transAxes, wrap=True)
        axis.axis("off")
        return figure
    labels = themes or list(dict.fromkeys(dated.label))
    palette = list(matplotlib.colormaps["tab10"].colors)
    names = sorted(dated.period.unique())
    x = pd.DatetimeIndex([period_start(name) for name in names])
    line = len(names) >= MIN_PERIODS_FOR_LINE
    weak_evidence = {}
    if evidence is not None and "evidence" in evidence:
        weak_evidence = {row.label: row.seed_share for row in evidence.itertuples() if row.evidence == "weak"}
    for i, label in enumerate(labels):
        part = dated[dated.label == label].set_index("period").loc[names]
        colour = palette[i % len(palette)]
        if label in weak_evidence:
            label = f"{label} ({_weak_evidence(weak_evidence[label])})"
        if line:
            axis.fill_between(x, part.lower, part.upper, color=colour, alpha=0.18, linewidth=0)
            axis.plot(x, part.estimate, color=colour, linewidth=1.3, label=label)
        weak = ~part.supported.astype(bool).to_numpy()
        if not line:
            # Few periods: one point per period, side by side so the themes' intervals do not hide each other.
            span = max((x.max() - x.min()).days, 30)
            shifted = x + pd.to_timedelta(span * 0.012 * (i - (len(labels) - 1) / 2), unit="D")
            axis.errorbar(shifted, part.estimate, yerr=[part.estimate - part.lower, part.upper - part.estimate], fmt="none",
                          ecolor=colour, capsize=3, elinewidth=1.2)
            axis.plot(shifted[~weak], part.estimate[~weak], "o", color=colour, markersize=6, label=None if weak.all() else label)
            axis.plot(shifted[weak], part.estimate[weak], "o", color=colour, markerfacecolor="white", markersize=6,
                      label=label if weak.all() else None)
        elif weak.any():
            axis.plot(x[weak], part.estimate[weak], "o", markerfacecolor="white", color=colour, markersize=4)
    axis.set_ylabel(f"mean share of an article's tokens\n({INTERVAL})")
    articles = int(dated.drop_duplicates("period").articles.sum())
    # The qualifiers on a second line: one line beside a long legend ran off the figure.
    qualifiers = ([] if line else ["too few periods for a line: points only"]) + (
        ["hollow: fewer than 3 articles in the period"] if (~dated.supported.astype(bool)).any() else [])
    axis.set_title(f"Named themes over time: {articles} dated articles in {len(names)} periods"
                   + (f"\n({'; '.join(qualifiers)})" if qualifiers else ""), fontsize=10)
    axis.set_ylim(bottom=0)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    return figure


def named_figures(run) -> dict[str, Figure]:
    """The three figures of a :class:`~polthemes.engines.named.NamedThemeRun`, by file name."""
    from polthemes import __version__

    record = run.manifest
    stamp = (f"corpus {record['corpus']['sha256'][:12]} · {len(record['named_themes']['fitted'])} named + "
             f"{record['model']['free_themes']} free themes · {record['model']['chains']} chains · seed {record['settings']['seed']} · "
             f"polthemes {__version__}")
    tables = run.tables
    return {
        "named_theme_shares": plot_named_theme_shares(tables["named_theme_shares"], tables["named_themes"], stamp=stamp),
        "named_theme_effects": plot_named_theme_effects(tables["named_theme_effects"], stamp=stamp),
        "named_themes_over_time": plot_named_themes_over_time(tables.get("named_theme_periods", pd.DataFrame()),
                                                              evidence=tables["named_themes"], stamp=stamp),
    }
