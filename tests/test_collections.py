"""JSON Lines and CSV collections (plain or gzip), metadata.csv, and corpus-level boilerplate."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes import read_corpus
from polthemes.corpus.metadata import MetadataFileError


def _records() -> list[dict]:
    """The seeds as an archive would hold them: body text plus given metadata."""
    return [
        {"id": f"item{i}", "title": f"Given title {i}", "date": "2022/01/0" + str(i + 1), "source": "Test Daily",
         "url": f"https://example.org/{i}", "text": seed_text(article_id)}
        for i, article_id in enumerate(SEED_IDS)
    ]


def test_given_title_that_repeats_the_page_headline_cuts_both_copies(corpus_dir):
    record = {"id": "x", "title": "掌上“微阵地” “美篇”聚力量", "text": seed_text(SEED_IDS[2])}
    _write_jsonl(corpus_dir / "one.jsonl", [json.dumps(record, ensure_ascii=False)])
    article = read_corpus(corpus_dir / "one.jsonl").articles[0]
    assert [(line.line_no, line.rule) for line in article.removed] == [
        (1, "navigation"), (3, "duplicate_headline"), (5, "metadata"), (7, "duplicate_headline")
    ]


def _write_jsonl(path: Path, lines: list[str]) -> None:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)


@pytest.mark.parametrize("name", ["archive.jsonl", "archive.jsonl.gz"])
def test_jsonl_collection_gives_one_article_per_record_with_given_metadata(corpus_dir, name):
    _write_jsonl(corpus_dir / name, [json.dumps(r, ensure_ascii=False) for r in _records()])
    report = read_corpus(corpus_dir / name)
    assert [a.id for a in report.articles] == [f"item{i}" for i in range(5)]
    first = report.articles[2]
    assert (first.title, first.date, first.source, first.url) == (
        "Given title 2", "2022-01-03", "Test Daily", "https://example.org/2"
    )
    assert first.origin == f"{corpus_dir / name}:3"
    # A given title that differs from the page's first line leaves that line in as a heading.
    assert first.paragraphs[0] == "掌上“微阵地” “美篇”聚力量"
    assert report.articles[3].author == "Wang Yan"  # stated in the text, not given: still read


def test_bad_records_are_skipped_with_their_line_number_and_the_run_goes_on(corpus_dir):
    good = [json.dumps(r, ensure_ascii=False) for r in _records()[:2]]
    lines = [
        good[0],
        '{"id": "broken", "text": "unterminated',
        '{"id": "notext", "title": "no body here"}',
        '["a", "list"]',
        '{"id": "blank", "text": "   "}',
        '{"id": "number", "text": 42}',
        "",
        good[1],
    ]
    path = corpus_dir / "mixed.jsonl"
    _write_jsonl(path, lines)
    report = read_corpus(path)
    assert [a.id for a in report.articles] == ["item0", "item1"]
    assert [(s.location, s.reason) for s in report.skipped] == [
        (f"{path}:2", "malformed JSON (Unterminated string starting at at column 26)"),
        (f"{path}:3", "no text field (expected one of: text, body, content)"),
        (f"{path}:4", "expected a JSON object, found list"),
        (f"{path}:5", "empty 'text' field"),
        (f"{path}:6", "field 'text' is int, not text"),
    ]


def test_csv_collection_reads_the_same_articles_as_jsonl(corpus_dir):
    records = _records()
    path = corpus_dir / "archive.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "date", "source", "url", "text"])
        writer.writeheader()
        writer.writerows(records)
    _write_jsonl(corpus_dir / "same.jsonl", [json.dumps(r, ensure_ascii=False) for r in records])
    from_csv = read_corpus(path).articles
    from_jsonl = read_corpus(corpus_dir / "same.jsonl").articles
    assert [(a.id, a.title, a.date, a.paragraphs) for a in from_csv] == [
        (a.id, a.title, a.date, a.paragraphs) for a in from_jsonl
    ]


def test_truncated_gzip_is_reported_not_raised(corpus_dir):
    data = gzip.compress(json.dumps(_records()[0]).encode(), mtime=0)
    path = corpus_dir / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    (corpus_dir / "ok.txt").write_text(seed_text(SEED_IDS[0]), encoding="utf-8")
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["ok"]
    assert len(report.skipped) == 1 and report.skipped[0].location == str(path)
    assert report.skipped[0].reason.startswith("cannot read: ")


def test_metadata_csv_fills_and_overrides_fields(tmp_path):
    corpus = tmp_path / "raw"
    corpus.mkdir()
    for article_id in SEED_IDS[:3]:
        (corpus / f"{article_id}.txt").write_bytes(seed_bytes(article_id))
    (corpus / "metadata.csv").write_text(
        "id,date,source,author\n"
        f"{SEED_IDS[0]},2020年3月5日,Baicheng Railway News,\n"
        f"{SEED_IDS[2]},,鸡西矿业集团,李四\n"
        "not_an_article,2020-01-01,,\n",
        encoding="utf-8",
    )
    report = read_corpus(corpus)
    by_id = {a.id: a for a in report.articles}
    assert (by_id[SEED_IDS[0]].date, by_id[SEED_IDS[0]].source, by_id[SEED_IDS[0]].author) == (
        "2020-03-05", "Baicheng Railway News", "Wang Liang, Sun"  # empty cell: the text's by-line stays
    )
    assert (by_id[SEED_IDS[2]].date, by_id[SEED_IDS[2]].source, by_id[SEED_IDS[2]].author) == (
        "2017-07-25", "鸡西矿业集团", "李四"
    )
    assert [(w.location, w.reason) for w in report.warnings] == [
        (str(corpus / "metadata.csv"), "no article with id 'not_an_article'")
    ]


@pytest.mark.parametrize(
    "content, problem",
    [
        ("id,auther\nx,Wang\n", "unknown column(s) auther"),
        ("name,date\nx,2020-01-01\n", "needs an 'id' column"),
        ("id,date\nx,yesterday\n", "metadata.csv:2: date 'yesterday' is not a date"),
        ("id,date\nx,2020-01-01\nx,2020-01-02\n", "metadata.csv:3: id 'x' appears twice"),
    ],
)
def test_malformed_metadata_csv_names_the_file_and_row(corpus_dir, content, problem):
    (corpus_dir / "x.txt").write_text(seed_text(SEED_IDS[0]), encoding="utf-8")
    (corpus_dir / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(MetadataFileError, match=str(corpus_dir / "metadata.csv").replace(".", r"\.")) as error:
        read_corpus(corpus_dir)
    assert problem in str(error.value)


def test_line_repeated_across_a_source_is_cut_as_its_template(corpus_dir):
    """A sign-off that every article of one outlet carries is the outlet's, not the article's."""
    footer = "Editor in charge: Liu Mei | Baicheng Railway Daily WeChat account"
    records = []
    for i, article_id in enumerate(SEED_IDS):
        text = seed_text(article_id)
        if i < 4:
            text = text.rstrip("\n") + "\n\n" + footer + "\n"
        records.append({"id": f"r{i}", "source": "Baicheng Railway Daily", "text": text})
    _write_jsonl(corpus_dir / "outlet.jsonl", [json.dumps(r, ensure_ascii=False) for r in records])
    report = read_corpus(corpus_dir / "outlet.jsonl")
    for article in report.articles:
        assert footer not in article.paragraphs
    cut = [(a.id, line.rule) for a in report.articles for line in a.removed if line.text == footer]
    # Counted in all four pages; where it already sat in a comment or reading block it keeps
    # that rule, elsewhere it is cut as the source's template.
    assert cut == [
        ("r0", "repeated_across_source"),
        ("r1", "comment_form"),
        ("r2", "repeated_across_source"),
        ("r3", "recommended_reading"),
    ]
    assert all(footer in (line.text for line in a.removed) or footer not in a.text for a in report.articles)
