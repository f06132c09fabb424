"""Human validation: the word- and topic-intrusion page of a run on the seed articles, and
scoring what readers saved from it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from polthemes.cli import main
from polthemes.engines.local import run_analysis
from polthemes.evaluation.intrusion import IntrusionError, intrusion_test_of, run_id, score_intrusion, write_intrusion_page
from polthemes.settings import AnalysisSettings


@pytest.fixture(scope="module")
def seeds_run(seed_report, tmp_path_factory):
    out = tmp_path_factory.mktemp("intrusion") / "results"
    settings = AnalysisSettings(k_values=(3,), chains=2, n_boot=0, cross_check=())
    return run_analysis(seed_report.articles, settings, out, corpus_name="seeds", workers=1)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items, self.sources, self.run = {}, [], None
        self._item = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.run = attrs.get("data-run")
        if tag == "fieldset":
            self._item = attrs["data-item"]
            self.items[self._item] = 0
        if tag == "input" and attrs.get("type") == "radio":
            assert attrs["name"] == self._item
            self.items[self._item] += 1
        if tag in ("script", "link", "img") and (attrs.get("src") or attrs.get("href")):
            self.sources.append(attrs.get("src") or attrs.get("href"))


def test_the_page_has_every_item_no_external_resource_and_no_answer(seeds_run, tmp_path):
    test = intrusion_test_of(seeds_run)
    page = write_intrusion_page(test, tmp_path / "page.html", title="seeds", run=run_id(seeds_run))
    text = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    assert parsed.sources == []  # offline: nothing fetched from anywhere
    assert parsed.run == run_id(seeds_run)
    assert set(parsed.items) == set(test.items["item"])
    assert all(n == len(json.loads(o)) for n, o in zip([parsed.items[i] for i in test.items["item"]], test.items.options))
    # No key in the page: nothing marks an option as the intruder or as correct.
    assert not re.search(r"intruder|correct|data-answer|checked", text.split("<script")[0], re.IGNORECASE)
    # Bilingual: Chinese and English in the options; the Chinese passages are quoted in Chinese.
    assert re.search(r"[\u4e00-\u9fff]+ · [a-z]", text)
    assert 'lang="zh"' in text and 'lang="en"' in text
    # Every theme has word-intrusion items; each intruder is one of its options and not one of the theme's top terms.
    words = test.key[test.key.task == "word"]
    assert set(words.theme) == set(range(seeds_run.k))
    top = seeds_run.top_terms(5)
    assert all(intruder not in top[theme] for theme, intruder in zip(words.theme, words.intruder))


def test_the_same_run_draws_the_same_test(seeds_run):
    assert intrusion_test_of(seeds_run).items.equals(intrusion_test_of(seeds_run).items)


def _answers(path, test, run, *, right: bool):
    rows = ["item,choice,run"]
    for item, answer, n in zip(test.key["item"], test.key.answer, test.items.options.map(lambda o: len(json.loads(o)))):
        rows.append(f"{item},{answer if right else (answer + 1) % n},{run}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_answers_are_scored_per_theme(seeds_run, tmp_path):
    test, run = intrusion_test_of(seeds_run), run_id(seeds_run)
    perfect = score_intrusion([_answers(tmp_path / "a.csv", test, run, right=True)], test, run=run)
    assert (perfect.precision == 1.0).all() and set(perfect.task) == {"word", "topic"}
    both = score_intrusion([tmp_path / "a.csv", _answers(tmp_path / "b.csv", test, run, right=False)], test, run=run)
    assert (both.precision == 0.5).all()
    assert (both.answered == 2 * perfect.answered).all()


@pytest.mark.parametrize("content, problem", [
    ("item,choice\nw00-00,1\n", "missing column"),
    ("item,choice,run\nw00-00,1,another-run\n", "answers for run 'another-run'"),
    ("item,choice,run\nzz-99,1,{run}\n", "not in this run's test"),
    ("item,choice,run\nw00-00,nine,{run}\n", "not an option number"),
    ("item,choice,run\nw00-00,17,{run}\n", "not one of the"),
])
def test_bad_answers_name_the_file_and_the_line(seeds_run, tmp_path, content, problem):
    test, run = intrusion_test_of(seeds_run), run_id(seeds_run)
    path = tmp_path / "answers.csv"
    path.write_text(content.format(run=run), encoding="utf-8")
    with pytest.raises(IntrusionError, match=re.escape(problem)) as error:
        score_intrusion([path], test, run=run)
    assert str(path) in str(error.value)


def test_validate_and_score_from_the_command_line(seeds_run, tmp_path, capsys):
    page = tmp_path / "test.html"
    assert main(["validate", str(seeds_run.folder), "--out", str(page)]) == 0
    answers = _answers(tmp_path / "answers.csv", intrusion_test_of(seeds_run), run_id(seeds_run), right=True)
    capsys.readouterr()
    assert main(["score", str(answers), "--results", str(seeds_run.folder)]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "1.00" in out
    assert main(["score", str(tmp_path / "missing.csv"), "--results", str(seeds_run.folder)]) == 2
