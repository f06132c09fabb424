"""The intertopic map numbers themes as the tables and figures do, from 0."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from polthemes.corpus.reader import read_corpus
from polthemes.engines.local import run_analysis
from polthemes.report.intertopic import ZERO_BASED_TOPIC_EDITS, intertopic_map_html, zero_based_topics
from polthemes.settings import AnalysisSettings

from conftest import SEED_IDS, seed_bytes


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("corpus")
    for article_id in SEED_IDS[:3]:
        (folder / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    result = run_analysis(read_corpus(folder).articles, AnalysisSettings(k_values=(3,), chains=1, n_boot=0, cross_check=()))
    return intertopic_map_html(result)


def test_the_page_numbers_themes_from_zero_like_the_tables(page):
    data, _ = json.JSONDecoder().raw_decode(page, page.index('{"mdsDat"'))
    assert sorted(data["mdsDat"]["topics"]) == [0, 1, 2]
    assert sorted(set(data["tinfo"]["Category"]) - {"Default"}) == ["Topic0", "Topic1", "Topic2"]


def test_the_page_script_selects_and_steps_through_themes_zero_to_k_minus_one(page):
    # "Next Topic" stops at K - 1 (it went to K, a theme that does not exist), typing 0
    # selects theme 0 (0 meant "none"), and an empty box means no theme.
    assert "Math.min(K - 1, +value_old + 1)" in page and "Math.min(K, +value_old + 1)" not in page
    assert "value_new >= 0" in page and "Math.max(1, value_new)" not in page
    assert "vis_state.topic > 0" not in page and "topic: -1," in page


def test_another_ldavis_script_is_refused_not_half_edited():
    script = resources.files("pyLDAvis").joinpath("js").joinpath("ldavis.v3.0.0.js").read_text(encoding="utf-8")
    assert zero_based_topics(script) != script
    old, _, _ = ZERO_BASED_TOPIC_EDITS[4]
    with pytest.raises(RuntimeError, match="not the one the intertopic map was adapted to"):
        zero_based_topics(script.replace(old, "something else"))
