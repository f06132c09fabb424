"""Plot functions: each takes data, returns a matplotlib Figure, and never saves.

Saving (formats, deterministic metadata) is :mod:`polthemes.figures`' job, so a notebook
can show, restyle or combine these figures freely.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless by default; notebooks switch to their inline backend themselves

from matplotlib.figure import Figure  # noqa: E402

from polthemes.records import CorpusReport  # noqa: E402

#: One colour per language, used by every figure so a reader learns it once.
LANGUAGE_COLOURS = {"zh": "#c0392b", "en": "#2e86c1"}


def plot_corpus_overview(report: CorpusReport) -> Figure:
    """Per article: paragraphs kept (bar, coloured by language) and lines cut as boilerplate.

    Articles run top to bottom in corpus order, labelled by id, so the figure reads like
    the table of ``polthemes inspect``.
    """
    articles = report.articles
    labels = [a.id for a in articles]
    positions = list(range(len(articles)))[::-1]
    figure = Figure(figsize=(8, 1.2 + 0.45 * len(articles)))
    kept_axis, cut_axis = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})

    colours = [LANGUAGE_COLOURS.get(a.language, "grey") for a in articles]
    kept_axis.barh(positions, [a.n_characters for a in articles], color=colours)
    kept_axis.set_yticks(positions, labels, fontsize=8)
    kept_axis.set_xlabel("characters of article text kept")
    for language, colour in LANGUAGE_COLOURS.items():
        kept_axis.barh([], [], color=colour, label=language)
    kept_axis.legend(title="language", fontsize=8, title_fontsize=8, loc="lower right")

    cut_axis.barh(positions, [len(a.removed) for a in articles], color="#7f8c8d")
    cut_axis.set_xlabel("lines cut (boilerplate, metadata, headline)")
    for axis in (kept_axis, cut_axis):
        axis.spines[["top", "right"]].set_visible(False)
    figure.suptitle(f"Corpus overview: {len(articles)} articles", fontsize=11)
    figure.tight_layout()
    return figure
