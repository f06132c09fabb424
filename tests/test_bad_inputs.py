"""Encodings and bad files: decoded faithfully, or skipped with a message naming the file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import seed_bytes, seed_text
from polthemes import CorpusError, read_corpus
from polthemes.decode import UnreadableText, decode_bytes, normalise_text

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
    from polthemes.config import RAW_DIR

    before = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in RAW_DIR.iterdir()}
    read_corpus(RAW_DIR)
    after = {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in RAW_DIR.iterdir()}
    assert before == after
