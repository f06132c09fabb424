"""The records the corpus reader produces: articles, what was cut from them, what was skipped.

Plain dataclasses with no behaviour beyond serialisation, so every later stage
(tokenizers, models, figures) depends on this module and on nothing else of the reader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RemovedLine:
    """A line of the source that is not article text, with the rule that cut it.

    ``line_no`` is 1-based in the decoded text, so a researcher can find it in the raw file.
    """

    line_no: int
    text: str
    rule: str


@dataclass(frozen=True)
class Article:
    """One article: its metadata, its body paragraphs, and everything that was cut.

    ``paragraph_languages`` and ``paragraph_lines`` run parallel to ``paragraphs``; the
    line numbers (1-based, in the decoded text) let a researcher find every kept paragraph
    in the raw file, just as ``removed`` does for every cut line. ``origin`` says where the
    article came from (file, or file and line/row for collections).
    """

    id: str
    language: str
    paragraphs: tuple[str, ...]
    paragraph_languages: tuple[str, ...]
    paragraph_lines: tuple[int, ...] = ()
    removed: tuple[RemovedLine, ...] = ()
    title: str = ""
    date: str = ""
    source: str = ""
    author: str = ""
    url: str = ""
    origin: str = ""
    encoding: str = "utf-8"
    content_sha1: str = ""

    @property
    def text(self) -> str:
        """The body as one string, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)

    @property
    def n_characters(self) -> int:
        """Characters of body text (newlines between paragraphs not counted)."""
        return sum(len(p) for p in self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the body and every removed line, for auditing the cut."""
        record = asdict(self)
        record["paragraphs"] = list(self.paragraphs)
        record["paragraph_languages"] = list(self.paragraph_languages)
        record["paragraph_lines"] = list(self.paragraph_lines)
        record["removed"] = [asdict(line) for line in self.removed]
        record["n_paragraphs"] = len(self.paragraphs)
        record["n_characters"] = self.n_characters
        return record


@dataclass(frozen=True)
class SkippedSource:
    """A file, line or row that yielded no article, and why.

    ``location`` names the file, plus ``:LINE`` for a JSON Lines record or ``:ROW`` for CSV.
    """

    location: str
    reason: str


@dataclass(frozen=True)
class DuplicateArticle:
    """An article whose cleaned body is identical to one read earlier; counted once."""

    id: str
    origin: str
    duplicate_of: str


@dataclass
class CorpusReport:
    """What a corpus read kept, skipped and merged: the audit trail printed by ``inspect``."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedSource] = field(default_factory=list)
    duplicates: list[DuplicateArticle] = field(default_factory=list)
    #: Problems that cost no article (e.g. a metadata.csv row naming no known article).
    warnings: list[SkippedSource] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": [article.to_dict() for article in self.articles],
            "skipped": [asdict(s) for s in self.skipped],
            "duplicates": [asdict(d) for d in self.duplicates],
            "warnings": [asdict(w) for w in self.warnings],
        }
