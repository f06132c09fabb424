"""Chinese and English on one figure: the CJK font a dependency ships covers every character drawn."""

from __future__ import annotations

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
    strings = "\n".join(t.get_text() for t in texts)
    assert all(article_id in strings for article_id in SEED_IDS)
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
