"""The five founding articles are read exactly as a careful human reader would read them."""

from __future__ import annotations

import re

import pytest

from conftest import SEED_IDS, seed_text

# (language, title, date, source, author, paragraphs kept) as the articles state them.
EXPECTED_METADATA = {
    "000_b5b58f93a4d00913": ("en", "", "", "", "Wang Liang, Sun", 4),
    "001_8f0852614ca12649": ("en", "West six wheel and drive the practice of the mass line", "", "", "", 8),
    "002_d08908587e061e7b": ("zh", "掌上“微阵地” “美篇”聚力量", "2017-07-25", "", "邢秀芬", 17),
    "003_8b995b79f267ea23": (
        "en",
        "Strengthening Party Spirit and Promoting Achievements: Provincial Party Committee’s "
        "Tour Guidance Group Delivers Effective Theme Education",
        "2023-07-15",
        "Heilongjiang Daily",
        "Wang Yan",
        12,
    ),
    "004_9f2977c42318f10c": ("zh", "国家电投内蒙古公司铁路运输分公司打造移动堡垒品牌", "2021-07-02", "中国电力网", "", 12),
}

# Every line cut from each article: (line number in the raw file, rule).
EXPECTED_REMOVED = {
    "000_b5b58f93a4d00913": [(4, "byline")],
    "001_8f0852614ca12649": [(1, "headline"), (3, "duplicate_headline"), (22, "comment_form"), (24, "comment_form")],
    "002_d08908587e061e7b": [(1, "navigation"), (3, "headline"), (5, "metadata"), (7, "duplicate_headline")],
    "003_8b995b79f267ea23": [
        (1, "navigation"),
        (3, "headline"),
        (5, "author_handle"),
        (7, "metadata"),
        (9, "metadata"),
        (10, "metadata"),
        (11, "metadata"),
        (23, "related_link"),
        (33, "related_link"),
        (41, "recommended_reading"),
        (43, "comment_form"),
        (45, "comment_form"),
        (47, "cookie_banner"),
        (49, "cookie_banner"),
    ],
    "004_9f2977c42318f10c": [
        (1, "navigation"),
        (3, "headline"),
        (5, "metadata"),
        (6, "metadata"),
        (32, "recommended_reading"),
        (34, "comment_form"),
        (36, "comment_form"),
        (37, "comment_form"),
        (38, "comment_form"),
        (39, "comment_form"),
    ],
}

# Fragments of page furniture seen in the seeds; none may survive in any kept paragraph.
FURNITURE = re.compile(
    r"Leave a (Reply|Comment)|email address will not be published|See also|You may also like|"
    r"Akismet|cookies|Privacy|by admin|^Home\b|首页|当前位置|推荐阅读|评论|用户名|密\s*码|验证码|匿名发表"
)


def test_five_articles_three_english_two_chinese(seed_report):
    assert [a.id for a in seed_report.articles] == list(SEED_IDS)
    assert sorted(a.language for a in seed_report.articles) == ["en", "en", "en", "zh", "zh"]
    assert seed_report.skipped == [] and seed_report.duplicates == [] and seed_report.warnings == []


@pytest.mark.parametrize("article_id", SEED_IDS)
def test_metadata_is_read_from_the_text(seeds, article_id):
    article = seeds[article_id]
    language, title, date, source, author, n_paragraphs = EXPECTED_METADATA[article_id]
    assert (article.language, article.title, article.date, article.source, article.author) == (
        language,
        title,
        date,
        source,
        author,
    )
    assert len(article.paragraphs) == n_paragraphs


@pytest.mark.parametrize("article_id", SEED_IDS)
def test_exactly_the_page_furniture_is_cut(seeds, article_id):
    article = seeds[article_id]
    assert [(line.line_no, line.rule) for line in article.removed] == EXPECTED_REMOVED[article_id]
    for paragraph in article.paragraphs:
        assert not FURNITURE.search(paragraph), paragraph


@pytest.mark.parametrize("article_id", SEED_IDS)
def test_no_line_of_the_article_is_lost(seeds, article_id):
    """Every non-blank raw line is a kept paragraph or a removed line, at its own line number."""
    article = seeds[article_id]
    raw_lines = {n: line.strip() for n, line in enumerate(seed_text(article_id).split("\n"), 1) if line.strip()}
    kept = dict(zip(article.paragraph_lines, article.paragraphs))
    removed: dict[int, list[str]] = {}
    for line in article.removed:
        removed.setdefault(line.line_no, []).append(line.text)
    assert set(kept) | set(removed) == set(raw_lines)
    for line_no, raw in raw_lines.items():
        # A trailing by-line is split off its paragraph: the two parts rejoin to the raw line.
        pieces = [kept[line_no]] if line_no in kept else []
        pieces += removed.get(line_no, [])
        assert " ".join(pieces).replace("\u00a0", " ").split() == raw.replace("\u00a0", " ").split()


def test_paragraph_languages_follow_the_text(seeds):
    for article in seeds.values():
        assert len(article.paragraph_languages) == len(article.paragraphs)
        assert set(article.paragraph_languages) == {article.language}


def test_chinese_paragraphs_keep_their_full_width_punctuation(seeds):
    """NFC, not NFKC: the text a researcher quotes is the text that was published."""
    body = seeds["004_9f2977c42318f10c"].text
    assert "“小火车、大党建”" in body
    assert body.startswith("国家电投内蒙古公司铁路运输分公司有77%的员工")


def test_the_tests_read_their_own_copy_of_the_founding_articles():
    """``tests/fixtures/seeds/`` is byte for byte the five articles ``data/raw/`` was founded
    with (the committed figures and notebooks were made from them); ``data/raw/`` itself is the
    researcher's and may hold more."""
    from conftest import SEED_SHA256, SEEDS_DIR, folder_sha256

    assert folder_sha256(SEEDS_DIR) == SEED_SHA256
    assert sorted(name.removesuffix(".txt") for name in SEED_SHA256) == list(SEED_IDS)
