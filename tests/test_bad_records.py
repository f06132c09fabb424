"""One bad record, file name or metadata.csv never stops the run: each is a reported skip
(naming ``file:line``), a warning, or one error line naming the file."""

from __future__ import annotations

import csv
import json
import os
import re
import zlib
from pathlib import Path

import pytest

from conftest import SEED_IDS, seed_bytes, seed_text
from polthemes import CorpusError, read_corpus
from polthemes.cli import main
from polthemes.metadata import MetadataFileError

EN_ID = "003_8b995b79f267ea23"
ZH_ID = "002_d08908587e061e7b"


def _record(i: int, article_id: str) -> str:
    # One source per record: the template rule has nothing to say about these.
    return json.dumps({"id": f"r{i}", "source": f"Outlet {i}", "text": seed_text(article_id)}, ensure_ascii=False)


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
