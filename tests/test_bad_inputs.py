"""Encodings and bad files: decoded faithfully, or skipped with a message naming the file."""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes import CorpusError, read_corpus
from polthemes.corpus.decode import UnreadableText, decode_bytes, normalise_text
from polthemes.corpus.records import RemovedLine

ZH_ID = "002_d08908587e061e7b"
EN_ID = "003_8b995b79f267ea23"

# The opening of seed 002 in traditional characters, as a Taiwanese or Hong Kong page would
# serve it in Big5 (Big5 has no simplified characters).
BIG5_TEXT = (
    "掌上「微陣地」「美篇」聚力量\n\n"
    "桃選廠黨委應用新媒體加強思想教育和形勢任務宣講工作紀實\n\n"
    "  進入手機中桃選廠職工「微信群」界面，打開音樂相冊，隨著悠揚舒緩的音樂，今年春節期間桃選廠"
    "儲運車間職工堅守崗位、掄大錘砸凍塊，檢查巡視、等待外運裝車，領導親自幹、工人齊奮戰的一幀幀"
    "照片、短文映入眼簾。一個個「美篇」音樂相冊的背後蘊藏著一份情懷、一種境界、一股力量。\n"
)


def _only_article(folder: Path):
    report = read_corpus(folder)
    assert len(report.articles) == 1, report.skipped
    return report.articles[0]


def test_gbk_file_reads_as_the_utf8_original(corpus_dir, seeds):
    # GBK has no no-break space; a GBK page writes a plain space there.
    gbk_text = seed_text(ZH_ID).replace("\u00a0", " ")
    (corpus_dir / "gbk.txt").write_bytes(gbk_text.encode("gbk"))
    article = _only_article(corpus_dir)
    original = seeds[ZH_ID]
    assert article.encoding == "gb18030"  # GB18030 is the superset decoder for GBK bytes
    assert (article.title, article.date, article.author) == (original.title, original.date, original.author)
    assert [p.replace("\u00a0", " ") for p in original.paragraphs] == list(article.paragraphs)


def test_big5_file_is_decoded_as_traditional_chinese(corpus_dir):
    (corpus_dir / "big5.txt").write_bytes(BIG5_TEXT.encode("big5"))
    article = _only_article(corpus_dir)
    assert article.encoding in {"big5", "cp950", "big5hkscs"}
    assert article.language == "zh"
    assert article.title == "掌上「微陣地」「美篇」聚力量"
    assert article.paragraphs[1].startswith("進入手機中桃選廠職工「微信群」界面")


def test_bom_and_crlf_give_the_same_article(corpus_dir, seeds):
    raw = seed_bytes(EN_ID)
    (corpus_dir / "bom_crlf.txt").write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
    article = _only_article(corpus_dir)
    original = seeds[EN_ID]
    assert article.encoding == "utf-8-sig"
    assert article.paragraphs == original.paragraphs
    assert article.removed == original.removed
    assert not any("\r" in p or "\ufeff" in p for p in article.paragraphs)


def test_control_characters_are_dropped_but_text_kept():
    text, encoding = decode_bytes("党委\x07书记\u200b讲话\r\n第二段".encode("utf-8"))
    assert (text, encoding) == ("党委书记讲话\n第二段", "utf-8")
    assert normalise_text("a\tb\rc\u2028d") == "a b\nc\nd"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\r\n\t\n", "file holds only whitespace"),
        ("binary.txt", bytes(range(256)) * 20, "binary file (NUL or control bytes), not text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), "binary file (NUL or control bytes), not text"),
        (
            "garbled.txt",
            bytes([0x81, 0x30, 0xFF, 0xFE, 0x80, 0x80, 0xC3, 0x28]) * 50,
            "not decodable as UTF-8, GB18030/GBK, Big5 or any other known encoding",
        ),
    ],
)
def test_unreadable_file_is_skipped_and_named(corpus_dir, name, content, reason):
    (corpus_dir / name).write_bytes(content)
    (corpus_dir / "good.txt").write_bytes(seed_bytes(EN_ID))
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["good"]
    assert [(s.location, s.reason) for s in report.skipped] == [(str(corpus_dir / name), reason)]


def test_decode_bytes_raises_a_readable_error_not_a_library_one():
    with pytest.raises(UnreadableText, match="byte-order mark says utf-16 but"):
        decode_bytes(b"\xff\xfe" + b"\x00\xd8")  # UTF-16 BOM, then an unpaired surrogate


def test_exact_duplicate_is_reported_and_counted_once(corpus_dir):
    (corpus_dir / "a.txt").write_bytes(seed_bytes(ZH_ID))
    (corpus_dir / "b.txt").write_bytes(seed_bytes(ZH_ID).replace(b"\n", b"\r\n"))  # same article, CRLF
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["a"]
    assert [(d.id, d.duplicate_of) for d in report.duplicates] == [("b", "a")]


def test_unsupported_language_is_reported_not_mangled(corpus_dir):
    (corpus_dir / "fr.txt").write_text(
        "Le comité du parti a organisé une réunion pour étudier l'esprit du congrès "
        "et renforcer la discipline des cadres dans toute la province.\n",
        encoding="utf-8",
    )
    (corpus_dir / "ja.txt").write_text("党委員会は、会議の精神を学習するための会議を開催しました。\n", encoding="utf-8")
    (corpus_dir / "en.txt").write_bytes(seed_bytes(EN_ID))
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["en"]
    assert sorted((Path(s.location).name, s.reason) for s in report.skipped) == [
        ("fr.txt", "unsupported language 'fr' (supported: zh, en)"),
        ("ja.txt", "unsupported language 'ja' (supported: zh, en)"),
    ]


def test_folder_without_articles_is_a_clear_error(corpus_dir):
    (corpus_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus_dir / "empty.txt").write_bytes(b"")
    with pytest.raises(CorpusError) as error:
        read_corpus(corpus_dir)
    message = str(error.value)
    assert message.startswith(f"{corpus_dir}: no articles found")
    assert f"{corpus_dir / 'empty.txt'}: empty file" in message
    assert "notes.docx: unsupported file type" in message


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match=r"nowhere: no such file or folder"):
        read_corpus(tmp_path / "nowhere")


def test_page_that_is_only_boilerplate_is_skipped(corpus_dir):
    (corpus_dir / "shell.txt").write_text("Home » News\n\nLeave a Reply\n\nYour email address will not be published.\n")
    (corpus_dir / "en.txt").write_bytes(seed_bytes(EN_ID))
    report = read_corpus(corpus_dir)
    assert [(Path(s.location).name, s.reason) for s in report.skipped] == [
        ("shell.txt", "no article text left after removing boilerplate")
    ]


def test_reading_never_writes_into_the_corpus_folder(seed_report):
    from conftest import SEEDS_DIR

    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in SEEDS_DIR.iterdir()}
    read_corpus(SEEDS_DIR)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in SEEDS_DIR.iterdir()}
    assert before == after


# --- Copies of one article, and the template rule ---------------------------------------


def test_three_copies_of_an_article_are_one_article_and_two_duplicates(corpus_dir, seeds):
    # The template rule (a line in >= 3 articles of a source) used to see every line of three
    # copies as template: all three were skipped as boilerplate and no duplicate was reported.
    raw = seed_bytes(EN_ID)
    (corpus_dir / "a.txt").write_bytes(raw)
    (corpus_dir / "b.txt").write_bytes(raw.replace(b"\n", b"\r\n"))
    (corpus_dir / "c.txt").write_bytes(b"\xef\xbb\xbf" + raw)
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["a"]
    assert report.articles[0].paragraphs == seeds[EN_ID].paragraphs
    assert report.articles[0].removed == seeds[EN_ID].removed
    assert [(d.id, d.duplicate_of) for d in report.duplicates] == [("b", "a"), ("c", "a")]
    assert (report.skipped, report.warnings) == ([], [])


def _jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def test_near_copies_are_kept_once_and_a_shell_page_is_still_skipped(corpus_dir, seeds):
    """One outlet: four articles with its footer, a shell page that is nothing but that
    footer and sign-off, and three near-copies of one article (re-dated reposts)."""
    footer = "Editor in charge: Liu Mei | Baicheng Railway Daily WeChat account"
    sign_off = "Baicheng Railway Daily, founded 1953"
    others = [i for i in SEED_IDS if i != ZH_ID]
    records = [{"id": f"r{n}", "text": seed_text(i) + f"\n{footer}\n{sign_off}\n"} for n, i in enumerate(others)]
    records.append({"id": "shell", "text": f"{sign_off}\n\n{footer}\n"})
    for day in (25, 26, 27):
        text = seed_text(ZH_ID).replace("日期:2017-07-25", f"日期:2017-07-{day}")
        records.append({"id": f"repost{day}", "text": text + f"\n{footer}\n"})
    for record in records:
        record["source"] = "Baicheng Railway Daily"
    path = corpus_dir / "outlet.jsonl"
    _jsonl(path, records)
    report = read_corpus(path)

    # Every line of a repost is in the two others: all three used to be skipped as template.
    assert [a.id for a in report.articles] == ["r0", "r1", "r2", "r3", "repost25"]
    kept = report.articles[-1]
    assert kept.paragraphs == seeds[ZH_ID].paragraphs
    footer_line = len(seed_text(ZH_ID).split("\n")) + 1
    assert kept.removed == tuple(sorted(
        seeds[ZH_ID].removed + (RemovedLine(footer_line, footer, "repeated_across_source"),), key=lambda line: line.line_no
    ))
    assert [(d.id, d.duplicate_of) for d in report.duplicates] == [("repost26", "repost25"), ("repost27", "repost25")]
    # The shell page's lines are the template of articles with text of their own: skipped.
    assert [(s.location, s.reason) for s in report.skipped] == [
        (f"{path}:5", "no article text left after removing boilerplate")
    ]
    near = "every line also appears in 2 other articles of this source (near-duplicate copies?); kept but for its 1 template line"
    assert [(w.location, w.reason) for w in report.warnings] == [(f"{path}:{n}", near) for n in (6, 7, 8)]


# --- Articles stored as one line ---------------------------------------------------------


def _one_line(article_id: str, *, from_line: int = 0, joiner: str = " ") -> str:
    lines = [line.strip() for line in seed_text(article_id).split("\n") if line.strip()]
    return joiner.join(lines[from_line:])


def test_article_stored_as_one_line_keeps_its_text(corpus_dir, seeds):
    # The header fields run straight into the body: the last field's "value" was the whole
    # article, and the line was consumed as metadata, leaving no text.
    (corpus_dir / "en.txt").write_text(_one_line(EN_ID, from_line=3) + "\n", encoding="utf-8")
    (corpus_dir / "zh.txt").write_text(_one_line(ZH_ID, from_line=2, joiner="") + "\n", encoding="utf-8")
    (corpus_dir / "whole.txt").write_text(_one_line("004_9f2977c42318f10c", joiner="") + "\n", encoding="utf-8")
    report = read_corpus(corpus_dir)
    assert report.skipped == []
    en, whole, zh = report.articles
    original = seeds[EN_ID]
    assert (en.title, en.date, en.source) == (original.title, original.date, original.source)
    assert en.author == ""  # "Author: Wang Yan Since the initiation ...": where the name ends is unknown
    assert en.paragraphs == (_one_line(EN_ID, from_line=6),)
    assert [(line.line_no, line.rule, line.text) for line in en.removed] == [
        (1, "metadata", "Title: " + original.title + " Date: July 15, 2023 Source: Heilongjiang Daily")
    ]
    assert zh.date == seeds[ZH_ID].date
    assert zh.paragraphs == (_one_line(ZH_ID, from_line=2, joiner="").split("来源:\xa0\xa0\xa0\xa0", 1)[1],)
    assert zh.paragraphs[0].startswith("作者:邢秀芬掌上“微阵地”")
    assert whole.paragraphs == (_one_line("004_9f2977c42318f10c", joiner=""),)


def test_one_line_record_is_an_article_not_a_headline(corpus_dir):
    # Short, no closing full stop: the headline rule took the record's only line.
    en = "President Xi Jinping met the visiting delegation in Beijing on Monday and discussed cooperation in trade"
    zh = "习近平会见哈萨克斯坦总统托卡耶夫 双方同意深化共建一带一路合作"
    path = corpus_dir / "briefs.jsonl"
    _jsonl(path, [{"id": "en", "text": en}, {"id": "zh", "text": zh}, {"id": "titled", "title": zh, "text": zh}])
    report = read_corpus(path)
    assert [(a.id, a.language, a.title, a.paragraphs) for a in report.articles] == [
        ("en", "en", en, (en,)),
        ("zh", "zh", zh, (zh,)),
    ]
    assert [(d.id, d.duplicate_of) for d in report.duplicates] == [("titled", "zh")]
    assert report.skipped == []


# --- HTML saved as text --------------------------------------------------------------------


def _html_page(article_id: str, *, charset: str = "utf-8", site: str = "Heilongjiang News") -> str:
    """The seed article as its site served it: head with script and style, a menu, the
    article in <p> elements, related links, a comment form, a cookie banner and scripts."""
    lines = [line.strip() for line in seed_text(article_id).split("\n") if line.strip()]
    crumb, headline, *rest = lines
    body = []
    for line in rest:
        if line.startswith(("You may also like", "推荐阅读")):
            break
        # Long paragraphs wrapped in the source, as an editor or a template engine does:
        # English at a space, Chinese anywhere (a browser shows no space there).
        han = [i for i in range(40, len(line) - 20) if "\u4e00" <= line[i - 1] <= "\u9fff" and "\u4e00" <= line[i] <= "\u9fff"]
        cut = line.find(" ", 70) if " " in line[70:] else (han[0] if han else -1)
        wrapped = line if cut < 0 else f"{html.escape(line[:cut])}\n  {html.escape(line[cut:].lstrip(' '))}"
        body.append(f"<p>{wrapped if cut >= 0 else html.escape(line)}</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>{html.escape(headline)} &#8211; {site}</title>
<link rel="stylesheet" href="/wp-content/themes/news/style.css">
<style>
div.entry-content > p {{ margin: 0 0 1em; }} .menu a {{ color: #333; }}
</style>
<script type="text/javascript">
var _hmt = _hmt || [];
(function() {{ var hm = document.createElement("script"); hm.src = "/hm.js"; document.head.appendChild(hm); }})();
</script>
</head>
<body class="single">
<header class="site-header">
<nav class="main-navigation"><ul class="menu">
<li><a href="/">Home</a></li><li><a href="/news/">News</a></li><li><a href="/party-building/">Party Building</a></li>
</ul></nav>
<form role="search" action="/"><input type="search" name="s" placeholder="Search &hellip;"><button type="submit">Search</button></form>
</header>
<div class="breadcrumbs">{html.escape(crumb)}</div>
<article class="post">
<h1 class="entry-title">{html.escape(headline)}</h1>
<div class="entry-content">
{chr(10).join(body)}
</div>
</article>
<section class="related-posts"><h3>You may also like</h3>
<ul>
<li><a href="/2023/07/a.html">Provincial forum on rural revitalisation opens</a></li>
<li><a href="/2023/07/b.html">Harbin railway workers mark safety milestone</a></li>
<li><a href="/2023/07/c.html">New training base for grassroots cadres</a></li>
</ul></section>
<div id="comments">
<h3 id="reply-title">Leave a Comment</h3>
<form action="/wp-comments-post.php" method="post">
<p><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>
<p><label for="author">Name *</label><input id="author" name="author" type="text"></p>
<p><label for="email">Email *</label><input id="email" name="email" type="email"></p>
<p><input name="submit" type="submit" value="Post Comment"></p>
</form>
</div>
<footer><p>Copyright &copy; 2023 {site}. All rights reserved.</p></footer>
<script src="/wp-includes/js/jquery.min.js"></script>
<script>document.querySelectorAll("div.entry-content a[href]").forEach(function (a) {{ a.target = "_blank"; }});</script>
</body>
</html>
"""


def test_html_page_saved_as_txt_gives_the_article_not_the_markup(corpus_dir, seeds):
    (corpus_dir / "en.txt").write_text(_html_page(EN_ID), encoding="utf-8")
    # A Chinese site serving GBK; GBK has no no-break space, so the page writes &nbsp;.
    zh_page = _html_page(ZH_ID, charset="gbk", site="鸡西矿业集团").replace("\u00a0", "&nbsp;")
    (corpus_dir / "zh.txt").write_bytes(zh_page.encode("gbk"))
    report = read_corpus(corpus_dir)
    assert report.skipped == []
    en, zh = report.articles
    for article, article_id in ((en, EN_ID), (zh, ZH_ID)):
        original = seeds[article_id]
        assert article.paragraphs == original.paragraphs
        assert (article.title, article.date, article.source, article.author) == (
            original.title, original.date, original.source, original.author
        )
    assert zh.encoding in ("gbk", "gb18030")  # the byte encoding, as for any file
    rules = [line.rule for line in en.removed]
    assert rules[0] == "html_markup"
    assert en.removed[0].text == "HTML page: text taken out of the markup; dropped <button>, <head>, <script> x2, <textarea>"
    assert rules.count("navigation") == 4 and rules.count("link_list") == 3  # menu, breadcrumb; related links
    assert {"comment_form", "copyright", "headline", "metadata"} <= set(rules)
    # Line numbers point into the HTML file: the first kept paragraph is the line of its <p>.
    page_lines = _html_page(EN_ID).split("\n")
    assert page_lines[en.paragraph_lines[0] - 1] == f"<p>{en.paragraphs[0][:en.paragraphs[0].find(' ', 70)]}"
    assert page_lines[en.paragraph_lines[-1] - 1].startswith(f"<p>{en.paragraphs[-1][:40]}")

    from polthemes.text.pipeline import TokenPipeline

    articles = report.articles
    terms = {term for tokenized in TokenPipeline("crosslingual").fit(articles).transform(articles).articles for term in tokenized.terms}
    assert not terms & {"div", "href", "var", "script", "class", "nbsp", "hmt", "jquery", "html", "wp", "min", "js"}


def test_html_in_a_collection_text_field_is_extracted_too(corpus_dir, seeds):
    path = corpus_dir / "pages.jsonl"
    # A page with no headline line: its <title> is the title.
    paragraphs = [line.strip() for line in seed_text(SEED_IDS[0]).split("\n") if line.strip()]
    titled = "<html><head><title>Baicheng Power Supply Section mobilises for theme education</title></head><body>" + "".join(
        f"<p>{html.escape(p)}</p>" for p in paragraphs) + "</body></html>"
    # Prose that mentions a tag or two is not a page: read as it is.
    prose = seed_text(ZH_ID).replace("掌上“微阵地”", "掌上<b>“微阵地”</b>")
    _jsonl(path, [{"id": "p1", "url": "https://example.org/1", "text": _html_page(EN_ID)},
                  {"id": "empty", "text": "<html><head><title>Loading</title><script>location.href='/x'</script></head><body></body></html>"},
                  {"id": "prose", "text": prose},
                  {"id": "titled", "text": titled}])
    report = read_corpus(path)
    assert [(a.id, a.paragraphs) for a in report.articles] == [
        ("p1", seeds[EN_ID].paragraphs),
        ("prose", tuple(p.replace("掌上“微阵地”", "掌上<b>“微阵地”</b>") for p in seeds[ZH_ID].paragraphs)),
        ("titled", seeds[SEED_IDS[0]].paragraphs),
    ]
    assert [a.title for a in report.articles] == [seeds[EN_ID].title, seeds[ZH_ID].title.replace("掌上“微阵地”", "掌上<b>“微阵地”</b>"),
                                                  "Baicheng Power Supply Section mobilises for theme education"]
    assert report.articles[2].author == seeds[SEED_IDS[0]].author  # the closing (Wang Liang, Sun)
    assert report.articles[0].removed[0].rule == "html_markup"
    assert not any(line.rule == "html_markup" for line in report.articles[1].removed)
    assert [(s.location, s.reason) for s in report.skipped] == [
        (f"{path}:2", "HTML page with no text (only markup, scripts or styles)")
    ]
