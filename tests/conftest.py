"""Fixtures shared by the tests: the real seed articles, and crafted bad inputs built from them.

Tests never read ``../shared/``: a researcher's clone has only ``data/raw/``. Crafted inputs
are made from the seed text itself (re-encoded, truncated, duplicated) so they stay real text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from polthemes import read_corpus
from polthemes.config import RAW_DIR
from polthemes.records import Article, CorpusReport

#: The five founding articles, by id.
SEED_IDS = (
    "000_b5b58f93a4d00913",
    "001_8f0852614ca12649",
    "002_d08908587e061e7b",
    "003_8b995b79f267ea23",
    "004_9f2977c42318f10c",
)


@pytest.fixture(scope="session", autouse=True)
def quiet_and_private_cache(tmp_path_factory):
    """No progress bars in test output, and a segmentation cache of the session's own, so
    the tests neither read nor fill the project's ``.cache/``."""
    patch = pytest.MonkeyPatch()
    patch.setenv("POLTHEMES_PROGRESS", "0")
    patch.setenv("POLTHEMES_CACHE_DIR", str(tmp_path_factory.mktemp("segmentation-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def seed_report() -> CorpusReport:
    """``data/raw/`` read once for the whole session (the reader never mutates it)."""
    return read_corpus(RAW_DIR)


@pytest.fixture(scope="session")
def seeds(seed_report: CorpusReport) -> dict[str, Article]:
    return {article.id: article for article in seed_report.articles}


def seed_bytes(article_id: str) -> bytes:
    return (RAW_DIR / f"{article_id}.txt").read_bytes()


def seed_text(article_id: str) -> str:
    return seed_bytes(article_id).decode("utf-8")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """An empty folder to craft a corpus in."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder
