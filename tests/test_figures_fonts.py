"""Chinese and English on one figure: the CJK font a dependency ships covers every character drawn."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text

from conftest import SEED_IDS
from polthemes.engines.local import run_analysis
from polthemes.report.figures import theme_figures
from polthemes.report.fonts import cjk_font_family, cjk_font_path, missing_glyphs
from polthemes.settings import AnalysisSettings


@pytest.fixture(scope="module")
def seed_result(seed_report):
    return run_analysis(seed_report.articles, AnalysisSettings(k_values=(3, 4), chains=2, n_boot=3, cross_check=()))


def drawn_text(figure) -> list[Text]:
    figure.canvas.draw()  # tick labels exist only once drawn
    return [t for t in figure.findobj(Text) if t.get_text().strip() and t.get_visible()]


def test_the_font_comes_from_the_pinned_package_not_the_system():
    assert cjk_font_path().name == "NotoSansCJKsc-Regular.otf"
    assert "site-packages" in str(cjk_font_path())
    assert cjk_font_family() == "Noto Sans CJK SC"


def test_heatmap_shows_every_seed_article_on_shared_bilingual_themes(seed_result):
    figure = theme_figures(seed_result, ["theme_by_article_heatmap"])["theme_by_article_heatmap"]
    texts = drawn_text(figure)
    # Every article is named by its file's number, the start of its title and its language.
    table = seed_result.tables["article_themes"]
    assert len(table) == len(SEED_IDS)
    rows = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    for row, article in zip(rows, table.itertuples()):
        assert row.startswith(article.id.split("_")[0] + " "), row  # the seeds' content hash is left out
        assert article.id.split("_")[1] not in row
        assert article.title and article.title[:8] in row, (row, article.title)
        assert row.endswith({"en": "(English)", "zh": "(Chinese)"}[article.language]), row
    assert any("·" in label and any("\u4e00" <= c <= "\u9fff" for c in label) and any(c.isascii() and c.isalpha() for c in label)
               for label in seed_result.labels), "no theme label carries both languages"
    for text in texts:
        assert text.get_fontproperties().get_name() == "Noto Sans CJK SC", text.get_text()
        assert missing_glyphs(text.get_text()) == set(), text.get_text()


def test_every_figure_draws_only_characters_its_font_has(seed_result):
    for name, figure in theme_figures(seed_result).items():
        for text in drawn_text(figure):
            assert missing_glyphs(text.get_text()) == set(), (name, text.get_text())


def test_the_glyph_check_can_fail():
    assert missing_glyphs("党委 party") == set()
    assert missing_glyphs("𓀀") == {"𓀀"}  # an Egyptian hieroglyph: not in Noto Sans CJK


def test_prevalence_weights_articles_by_modelled_terms_and_survives_an_empty_group():
    """Prevalence is the term-weighted mean share; a source whose only article left no
    modelled term (weight 0) is drawn unweighted instead of dividing by zero."""
    import pandas as pd

    from polthemes.report.plots import plot_theme_prevalence

    themes = pd.DataFrame({
        "id": ["a", "b", "c"], "language": ["en", "en", "zh"], "source": ["X", "X", "Y"],
        "theme_0": [1.0, 0.0, 0.5], "theme_1": [0.0, 1.0, 0.5],
    })
    figure = plot_theme_prevalence(themes, ["first", "second"], weights=[3, 1, 0])
    by_language = figure.axes[0]
    # Bars are drawn theme by theme over the sorted groups (en, zh): theme 0's bars first.
    widths = [patch.get_width() for patch in by_language.patches]
    assert widths[:2] == pytest.approx([0.75, 0.5])  # en: (3*1 + 1*0) / 4; zh: unweighted
    assert widths[2:4] == pytest.approx([0.25, 0.5])


def test_the_heatmap_draws_the_presence_rule_and_what_the_intervals_allow(seed_result):
    from matplotlib.patches import Rectangle

    from polthemes.themes.shares import PRESENT_SHARE

    figure = theme_figures(seed_result, ["theme_by_article_heatmap"])["theme_by_article_heatmap"]
    borders = [p for p in figure.axes[0].patches if isinstance(p, Rectangle) and not p.get_fill()]
    shares = seed_result.tables["article_themes"].filter(like="theme_").to_numpy()
    bounds = seed_result.tables["article_theme_uncertainty"].set_index(["id", "theme"]).low_5
    ids = list(seed_result.tables["article_themes"].id)
    expected = {}
    for (row, theme), share in np.ndenumerate(shares):
        if share >= PRESENT_SHARE:
            expected[(row, theme)] = "solid" if bounds[(ids[row], theme)] >= PRESENT_SHARE else "dashed"
    drawn = {(round(p.get_y() + p.get_height() / 2), round(p.get_x() + p.get_width() / 2)): p.get_linestyle() for p in borders}
    assert drawn.keys() == expected.keys()
    assert {key: "solid" if style == "-" else "dashed" for key, style in drawn.items()} == expected
    assert any("15%" in t.get_text() for t in figure.texts)  # the rule is written on the figure


def test_three_dated_articles_are_points_with_intervals_never_a_line(seed_result):
    figure = theme_figures(seed_result, ["themes_over_time"])["themes_over_time"]
    axis = figure.axes[0]
    drawn = [line for line in axis.get_lines() if len(line.get_xdata()) > 1 and line.get_linestyle() not in ("None", "")]
    assert not drawn  # no trend line (the caps of the intervals are markers, not lines)
    dated = (seed_result.tables["article_themes"].date.astype(str).str.len() > 0).sum()
    assert 0 < dated < 12
    assert sum(len(c.get_offsets()) for c in axis.collections if c.get_offsets().size) >= dated * len(seed_result.labels)


def test_a_figure_names_a_users_file_by_its_name_without_folder():
    from polthemes.report.plots import article_name

    assert article_name("reports/report_2023_01", "", "zh") == "report_2023_01 (Chinese)"
    assert article_name("000_b5b58f93a4d00913", "Title", "en") == "000 Title (English)"


def test_a_corpus_too_large_for_a_row_each_is_drawn_as_its_distribution(seed_report):
    """An archive's corpus overview: a row per article made the 24,000-item archive a figure
    11,000 inches tall that never finished; past the per-article limit the overview counts
    articles by length, per language, and lines cut per rule, in a figure of fixed size."""
    import dataclasses

    from polthemes.corpus.records import CorpusReport
    from polthemes.report.plots import MAX_ARTICLES_FOR_ARTICLE_FIGURES, plot_corpus_overview

    copies = MAX_ARTICLES_FOR_ARTICLE_FIGURES // len(seed_report.articles) + 2
    articles = [dataclasses.replace(a, id=f"{a.id}-{n}") for n in range(copies) for a in seed_report.articles]
    figure = plot_corpus_overview(CorpusReport(articles=articles))
    assert figure.get_size_inches()[1] < 6
    kept_axis, cut_axis = figure.axes
    # Every article is counted once in the histogram, in its language's layer.
    languages = sorted({a.language for a in articles})
    assert len(kept_axis.containers) == len(languages) == 2
    for layer, code in zip(kept_axis.containers, languages):
        assert sum(bar.get_height() for bar in layer) == sum(a.language == code for a in articles)
    # Each rule's bar is the lines it cut in all; its label says in how many articles.
    rules = sorted({line.rule for a in articles for line in a.removed})
    assert rules, "the seeds have lines cut by the boilerplate rules"
    labels = [t.get_text() for t in cut_axis.get_yticklabels()]
    widths = [p.get_width() for p in cut_axis.patches]
    assert len(labels) == len(widths) == len(rules)
    for rule, label, width in zip(rules, labels, widths):
        assert label == f"{rule} ({sum(any(line.rule == rule for line in a.removed) for a in articles):,} articles)"
        assert width == sum(line.rule == rule for a in articles for line in a.removed)
    assert "too many for a row each" in figure.get_suptitle()
