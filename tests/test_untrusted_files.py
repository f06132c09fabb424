"""Files the project does not control cannot change a result or run code.

jieba's own dictionary cache sits unchecked in the shared temporary folder; the project
builds, keys and verifies its own. A corpus folder name, a term label or an article title
goes into the intertopic map's and the theme explorer's HTML escaped, so opening either
never runs what a name smuggled in (tests/test_browser.py opens them in a browser too).
"""

from __future__ import annotations

import json
import marshal
import tempfile
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import jieba
import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes.engines.local import run_analysis
from polthemes.corpus.reader import read_corpus
from polthemes.report.explorer import theme_explorer_html
from polthemes.report.intertopic import intertopic_map_html
from polthemes.settings import AnalysisSettings
from polthemes.text.chinese import ChineseTokenizer

ZH_ID = "002_d08908587e061e7b"


def _paragraphs() -> list[str]:
    return [line.strip() for line in seed_text(ZH_ID).split("\n") if len(line.strip()) > 40]


def _reference_segmentation(keep_words, private_dir: Path) -> list[list[str]]:
    """jieba's own loading path, on a private empty temporary folder: what an honest cache gives."""
    reference = jieba.Tokenizer()
    reference.tmp_dir = str(private_dir)
    for word in sorted(keep_words):
        reference.add_word(word)
    return [reference.lcut(unicodedata.normalize("NFKC", p), HMM=True) for p in _paragraphs()]


def _segmented(tokenizer: ChineseTokenizer) -> list[list[str]]:
    return [tokenizer.segment(p) for p in _paragraphs()]


def test_a_planted_jieba_cache_in_the_shared_temp_folder_changes_nothing(tmp_path, monkeypatch):
    shared_temp = tmp_path / "tmp"
    shared_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared_temp))
    # What an attacker (or a stale tool) leaves: a dictionary in which 党委 and 书记 do not exist.
    with (shared_temp / "jieba.cache").open("wb") as handle:
        marshal.dump(({"党": 5, "委": 5, "书": 5, "记": 5}, 20), handle)
    tokenizer = ChineseTokenizer(cache_dir=tmp_path / "cache")
    expected = _reference_segmentation(tokenizer.keep_words, tmp_path / "private")
    assert _segmented(tokenizer) == expected
    assert "党委" in {w for words in expected for w in words}
    # Nor is the planted file read into the project's own cache for later runs.
    assert _segmented(ChineseTokenizer(cache_dir=tmp_path / "cache")) == expected


@pytest.mark.parametrize("damage", ["flipped bytes", "truncated", "foreign file"])
def test_a_damaged_dictionary_cache_is_rebuilt_not_loaded(tmp_path, damage, capsys):
    cache = tmp_path / "cache"
    fresh = _segmented(ChineseTokenizer(cache_dir=cache))
    (cached,) = cache.glob("jieba-prefix-*.marshal")
    data = cached.read_bytes()
    if damage == "flipped bytes":
        # Same length, one byte changed deep inside the dictionary.
        position = len(data) * 3 // 4
        data = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data = marshal.dumps(({"党": 1}, 1))
    cached.write_bytes(data)
    capsys.readouterr()
    again = _segmented(ChineseTokenizer(cache_dir=cache))
    assert again == fresh
    assert capsys.readouterr().err == f"polthemes: warning: {cached}: jieba dictionary cache failed its checksum; rebuilding it\n"
    assert cached.read_bytes() != data  # rewritten whole for the next run


def test_an_unwritable_cache_costs_a_warning_not_the_run(tmp_path, capsys):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    words = _segmented(ChineseTokenizer(cache_dir=blocked))
    assert words == _segmented(ChineseTokenizer(cache_dir=None))
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"polthemes: warning: {blocked}/jieba-prefix-") and "cannot write the jieba dictionary cache" in line
    assert blocked.read_text() == "a file where the cache folder should be"


class _Scripts(HTMLParser):
    """The text of every <script> element of a page, as a browser would split it."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def small_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    for article_id in SEED_IDS[:3]:
        (folder / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    settings = AnalysisSettings(k_values=(3,), chains=1, n_boot=0, cross_check=())
    return run_analysis(read_corpus(folder).articles, settings)


@pytest.mark.parametrize("page, heading", [(intertopic_map_html, "Intertopic map of"), (theme_explorer_html, "<h1>Theme explorer of")],
                         ids=["intertopic map", "theme explorer"])
def test_a_corpus_name_with_markup_is_shown_not_run(small_result, page, heading):
    name = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    html = page(small_result, title=f"{heading.removeprefix('<h1>')} {name}")
    assert name not in html and "alert(2)</script>" not in html
    assert f"{heading} &lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    parser = _Scripts()
    parser.feed(html)
    assert not any("alert" in script for script in parser.scripts)


def test_a_term_label_cannot_close_the_script_it_sits_in(small_result, monkeypatch):
    # The map shows every theme's likeliest terms: put the label on one of them.
    term = small_result.top_terms(1)[0][0]
    vocabulary = small_result.tables["vocabulary"].copy()
    vocabulary.loc[vocabulary.term == term, "label"] = "</script><script>alert(3)</script>"
    monkeypatch.setitem(small_result.tables, "vocabulary", vocabulary)
    html = intertopic_map_html(small_result)
    parser = _Scripts()
    parser.feed(html)
    # Still the page's own three scripts (d3, LDAvis, the data and its call), none of them injected.
    assert len(parser.scripts) == 3
    assert sum("alert(3)" in script for script in parser.scripts) == 1  # inside the data, as text
    assert not any(script.strip() == "alert(3)" for script in parser.scripts)


def test_a_term_label_or_article_title_cannot_close_the_explorers_data_script(small_result, monkeypatch):
    # The explorer shows every theme's top terms and every article's title: put markup in both.
    term = small_result.top_terms(1)[0][0]
    terms = small_result.tables["topic_terms"].copy()
    terms.loc[terms.term == term, "term_label"] = "</script><script>alert(3)</script>"
    articles = small_result.tables["article_themes"].copy()
    articles.loc[0, "title"] = "<!--<script>alert(4)</script>"
    monkeypatch.setitem(small_result.tables, "topic_terms", terms)
    monkeypatch.setitem(small_result.tables, "article_themes", articles)
    html = theme_explorer_html(small_result)
    parser = _Scripts()
    parser.feed(html)
    # Still the page's own three scripts (plotly.min.js by its src, the data, the page's code).
    assert len(parser.scripts) == 3 and parser.scripts[0] == ""
    data = parser.scripts[1]
    assert "<" not in data and ">" not in data  # written as \u003c and \u003e: nothing can end or comment out the element
    assert sum("alert(3)" in script for script in parser.scripts) == sum("alert(4)" in script for script in parser.scripts) == 1
    assert not any(script.strip() in ("alert(3)", "alert(4)") for script in parser.scripts)
    decoded = json.loads(data)
    assert "</script><script>alert(3)</script>" in decoded["themes"][0]["terms"]["label"]
    assert any("<!--<script>alert(4)</script>" in name for theme in decoded["themes"] for name in theme["articles"]["name"])
