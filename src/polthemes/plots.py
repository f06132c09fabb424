"""Plot functions: each takes data, returns a matplotlib Figure, and never saves.

Saving (formats, deterministic metadata) is :mod:`polthemes.figures`' job, so a notebook
can show, restyle or combine these figures freely. Figures are built as bare
``matplotlib.figure.Figure`` objects, not through pyplot, so no backend or global state is
touched: the same code runs headless in the CLI and inline in a notebook.
"""

from __future__ import annotations

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from polthemes.metadata import units
from polthemes.records import CorpusReport

#: One colour per language, used by every figure so a reader learns it once.
LANGUAGE_COLOURS = {"zh": "#c0392b", "en": "#2e86c1"}


def plot_corpus_overview(report: CorpusReport) -> Figure:
    """Per article: length kept (coloured by language) and lines cut, stacked by the rule that cut them.

    Length is in words with a Chinese character counting as one (``metadata.units``), so
    Chinese and English bars are comparable. Articles run top to bottom in corpus order,
    labelled by id, so the figure reads like the table of ``polthemes inspect``.
    """
    articles = report.articles
    positions = list(range(len(articles)))[::-1]
    figure = Figure(figsize=(10, 1.6 + 0.45 * len(articles)))
    kept_axis, cut_axis = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})

    lengths = [sum(units(p) for p in a.paragraphs) for a in articles]
    kept_axis.barh(positions, lengths, color=[LANGUAGE_COLOURS.get(a.language, "grey") for a in articles])
    kept_axis.set_yticks(positions, [a.id for a in articles], fontsize=8)
    kept_axis.set_xlabel("article text kept (words; a Chinese character counts as one)")
    present = sorted({a.language for a in articles})
    kept_axis.legend(
        handles=[Patch(color=LANGUAGE_COLOURS.get(code, "grey"), label=code) for code in present],
        title="language", fontsize=8, title_fontsize=8, loc="upper right",
    )

    rules = sorted({line.rule for a in articles for line in a.removed})
    left = [0] * len(articles)
    for rule, colour in zip(rules, _rule_colours(len(rules))):
        counts = [sum(1 for line in a.removed if line.rule == rule) for a in articles]
        cut_axis.barh(positions, counts, left=left, color=colour, label=rule)
        left = [x + c for x, c in zip(left, counts)]
    cut_axis.set_xlabel("lines cut, by rule")
    cut_axis.xaxis.get_major_locator().set_params(integer=True)
    if rules:
        cut_axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, title="rule", title_fontsize=7)
    for axis in (kept_axis, cut_axis):
        axis.spines[["top", "right"]].set_visible(False)
    figure.suptitle(f"Corpus overview: {len(articles)} articles", fontsize=11)
    figure.tight_layout()
    return figure


def _rule_colours(n: int) -> list:
    """Distinct colours for the boilerplate rules: tab20's saturated ten first, then its light ten."""
    colours = matplotlib.colormaps["tab20"].colors
    palette = colours[0::2] + colours[1::2]
    return [palette[i % len(palette)] for i in range(n)]
