"""Paths and defaults, in one place.

Every path is anchored on the project root found from this file, never on the
working directory, so a notebook started in ``notebooks/`` and a shell in the
project root read and write the same files.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: The checkout that holds ``src/polthemes`` (two levels up from the package).
PROJECT_ROOT = PACKAGE_DIR.parents[1]

#: Domain knowledge shipped with the package: boilerplate patterns, metadata labels.
RESOURCES_DIR = PACKAGE_DIR / "resources"

DATA_DIR = PROJECT_ROOT / "data"
#: Read-only input: the articles exactly as scraped. Nothing in the package writes here.
RAW_DIR = DATA_DIR / "raw"
#: Regenerable derived data (tables the main job writes).
PROCESSED_DIR = DATA_DIR / "processed"
FIGURES_DIR = PROJECT_ROOT / "figures"
#: Real corpora for scale work, beside the project in a research group's checkout
#: (``../shared/corpora/``). Optional: benchmarks and the extending notebook say when absent.
SHARED_CORPORA_DIR = PROJECT_ROOT.parent / "shared" / "corpora"
#: Regenerable caches (jieba segmentations of paragraphs); ``$POLTHEMES_CACHE_DIR`` moves it.
CACHE_DIR = PROJECT_ROOT / ".cache" / "polthemes"
#: Result tables of ``polthemes fit`` (one folder per corpus); regenerable, git-ignored.
RESULTS_DIR = PROJECT_ROOT / "results"

#: Optional per-article metadata that fills or overrides what the text states.
METADATA_FILENAME = "metadata.csv"

# --- Corpus reading -------------------------------------------------------------------

#: File endings read as one article each.
ARTICLE_SUFFIXES = (".txt", ".md")
#: File endings read as collections of articles (one record per line or row).
COLLECTION_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".csv.gz")

#: Metadata (title, date, source, author) is looked for in this many leading lines.
HEADER_WINDOW_LINES = 12

#: A line counts as boilerplate of a source when it recurs verbatim in at least this many
#: articles of that source ...
REPEATED_LINE_MIN_ARTICLES = 3
#: ... and in at least this share of them (so a 24,000-item archive needs 1,200 repeats,
#: and ordinary stock phrases of news writing survive).
REPEATED_LINE_MIN_SHARE = 0.05

#: A text longer than this is not one article (a whole site dump, a scrape gone wrong): it is
#: skipped and reported instead of stalling the tokenizer for minutes. A long Xinwen Lianbo
#: item has 10,000 characters; a Party congress report about 40,000.
MAX_ARTICLE_CHARS = 1_000_000

#: Languages the tokenizers handle; articles in any other language are skipped and reported.
SUPPORTED_LANGUAGES = ("zh", "en")

# --- Reproducibility ------------------------------------------------------------------

#: Seed passed to every stochastic step.
DEFAULT_SEED = 20260721
