"""One bad record, file name or metadata.csv never stops the run: each is a reported skip
(naming ``file:line``), a warning, or one error line naming the file."""

from __future__ import annotations

import csv
import json
import os
import re
import zlib

import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes import CorpusError, read_corpus
from polthemes.cli import main
from polthemes.corpus.metadata import MetadataFileError

EN_ID = "003_8b995b79f267ea23"
ZH_ID = "002_d08908587e061e7b"


def _record(i: int, article_id: str) -> str:
    # One source per record: the template rule has nothing to say about these.
    return json.dumps({"id": f"r{i}", "source": f"Outlet {i}", "text": seed_text(article_id)}, ensure_ascii=False)


def test_json_that_python_cannot_hold_as_text_is_a_skipped_record(corpus_dir, seeds):
    # json.loads accepts each of these lines; each used to end the run with a traceback
    # (UnicodeEncodeError when the text was hashed, ValueError, RecursionError).
    lines = [
        _record(0, EN_ID),
        '{"id": "half-pair", "text": "党委书记\\ud800讲话"}',  # a lone surrogate, escaped as JSON allows
        '{"id": "\\udc9f", "text": ' + json.dumps(seed_text(ZH_ID)) + "}",
        '{"id": "t", "title": "Given \\udfff title", "text": ' + json.dumps(seed_text(ZH_ID)) + "}",
        '{"id": "big", "views": ' + "7" * 5000 + ', "text": ' + json.dumps(seed_text(ZH_ID)) + "}",
        '{"id": "deep", "text": "x", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}",
        _record(6, ZH_ID),
    ]
    path = corpus_dir / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = read_corpus(corpus_dir)
    assert [a.id for a in report.articles] == ["r0", "r6"]
    assert report.articles[1].paragraphs == seeds[ZH_ID].paragraphs
    assert [(s.location, s.reason) for s in report.skipped] == [
        (f"{path}:2", "field 'text' is not valid Unicode (lone surrogate \\ud800 at character 4)"),
        (f"{path}:3", "field 'id' is not valid Unicode (lone surrogate \\udc9f at character 0)"),
        (f"{path}:4", "field 'title' is not valid Unicode (lone surrogate \\udfff at character 6)"),
        (f"{path}:5", "unreadable JSON (Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits)"),
        (f"{path}:6", "unreadable JSON (nested deeper than Python's recursion limit)"),
    ]
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # the report itself is writable


def test_file_names_that_are_not_utf8_are_read_and_shown_escaped(corpus_dir, seeds):
    # A zip unpacked from a GBK Windows machine: names as raw bytes, not UTF-8.
    article = corpus_dir / os.fsdecode(b"bad\xff.txt")
    article.write_bytes(seed_bytes(EN_ID))
    collection = corpus_dir / os.fsdecode("新闻".encode("gbk") + b".jsonl")
    collection.write_text(_record(0, ZH_ID) + "\n", encoding="utf-8")
    report = read_corpus(corpus_dir)
    escaped_collection = f"{corpus_dir}/\\xd0\\xc2\\xce\\xc5.jsonl"
    assert [(a.id, a.origin) for a in report.articles] == [
        ("bad\\xff", f"{corpus_dir}/bad\\xff.txt"),
        ("r0", f"{escaped_collection}:1"),
    ]
    assert report.articles[0].paragraphs == seeds[EN_ID].paragraphs
    assert [(w.location, w.reason) for w in report.warnings] == [
        (f"{corpus_dir}/bad\\xff.txt", "file name is not valid UTF-8: shown with \\x escapes, and so is the article id"),
        (escaped_collection, "file name is not valid UTF-8: shown with \\x escapes, here and in its records' locations"),
    ]
    # Every id and location can be printed and written as UTF-8 (results, JSON, a terminal).
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda path: path.write_text(f"id,date\n{SEED_IDS[0]},2020-01-01,Baicheng\n", encoding="utf-8"),
         "metadata.csv:2: 3 cells but 2 columns in the header"),
        (lambda path: path.mkdir(), "metadata.csv: cannot read: Is a directory"),
        (lambda path: path.symlink_to(path.parent / "moved-away.csv"), "metadata.csv: cannot read: No such file or directory"),
    ],
    ids=["extra-cell", "folder", "dangling-link"],
)
def test_unreadable_metadata_csv_is_one_error_line_naming_the_file(corpus_dir, capsys, make, problem):
    (corpus_dir / f"{SEED_IDS[0]}.txt").write_bytes(seed_bytes(SEED_IDS[0]))
    make(corpus_dir / "metadata.csv")
    with pytest.raises(MetadataFileError) as error:
        read_corpus(corpus_dir)
    assert str(error.value) == f"{corpus_dir}/{problem}"
    assert main(["inspect", str(corpus_dir)]) != 0
    assert capsys.readouterr().err == f"polthemes: error: {corpus_dir}/{problem}\n"


def _gzip_cut_after(records: list[str], n_lines: int) -> tuple[bytes, bytes]:
    """A gzip stream flushed after ``n_lines`` records: (bytes up to the flush, the rest)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip header and trailer
    text = [(line + "\n").encode("utf-8") for line in records]
    head = compressor.compress(b"".join(text[:n_lines])) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return head, compressor.compress(b"".join(text[n_lines:])) + compressor.flush()


def test_truncated_gzip_keeps_the_records_before_and_says_after_which_line(corpus_dir):
    head, _ = _gzip_cut_after([_record(i, SEED_IDS[i % 5]) for i in range(200)], 4)
    cut = corpus_dir / "cut.jsonl.gz"
    cut.write_bytes(head)  # a download that stopped after line 4 of 200
    report = read_corpus(cut)
    assert [a.id for a in report.articles] == ["r0", "r1", "r2", "r3"]
    # A warning, not a skip: the file gave its articles; how many came after the cut is unknown.
    assert report.skipped == []
    assert [(w.location, w.reason) for w in report.warnings] == [
        (str(cut), "cut short after line 4 (Compressed file ended before the end-of-stream marker was reached): "
                   "the records after it were not read")
    ]


def test_corrupt_gzip_is_a_skip_naming_the_last_line_read_not_a_traceback(corpus_dir):
    head, rest = _gzip_cut_after([_record(i, SEED_IDS[i % 5]) for i in range(200)], 100)
    # The deflate block after line 100 starts with reserved block type 11: corrupt data.
    damaged = head + bytes([rest[0] | 0b110]) + rest[1:]
    path = corpus_dir / "damaged.jsonl.gz"
    path.write_bytes(damaged)
    report = read_corpus(path)  # was: a zlib.error traceback
    assert report.skipped == []
    [skip] = report.warnings
    assert skip.location == str(path)
    match = re.fullmatch(r"cut short after line (\d+) \(Error -3 while decompressing data: invalid block type\): "
                         r"the records after it were not read", skip.reason)
    assert match, skip.reason
    n_read = int(match[1])  # gzip reads ahead, so the last line or two before the damage may go too
    assert 90 <= n_read <= 100
    # Every record up to that line was read: the five seeds, then copies of them.
    assert [a.id for a in report.articles] + [d.id for d in report.duplicates] == [f"r{i}" for i in range(n_read)]

    table = corpus_dir / "table.csv.gz"  # a CSV collection, read whole, meets the same damage
    table.write_bytes(damaged)
    with pytest.raises(CorpusError, match=re.escape(f"{table}: cannot read: Error -3 while decompressing data: invalid block type")):
        read_corpus(table)


def test_a_stray_nul_byte_does_not_make_a_csv_collection_binary(corpus_dir, seeds):
    # A NUL inside the first rows (a database export) used to make the whole file "binary".
    path = corpus_dir / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for article_id in SEED_IDS:
            text = seed_text(article_id)
            if article_id == SEED_IDS[0]:
                text = text.replace(" the ", " the\x00 ", 1)
            writer.writerow([article_id, text])
    report = read_corpus(path)
    assert [a.id for a in report.articles] == list(SEED_IDS)
    assert [a.paragraphs for a in report.articles] == [seeds[i].paragraphs for i in SEED_IDS]
    assert report.skipped == []
