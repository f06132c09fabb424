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
    #: The translation pair of a parallel collection this article belongs to ("" if none).
    pair: str = ""
    origin: str = ""
    encoding: str = "utf-8"
    content_sha1: str = ""

    @property
    def text(self) -> str:
        """The body as one string, paragraphs separated by newlines."""
        return "\n".join(self.paragraphs)

    @property
    def short_title(self) -> str:
        """A name a reader recognises in a figure: the title (else the first paragraph) cut to
        about :data:`SHORT_TITLE_WIDTH` columns, a Han character counting two."""
        text = " ".join((self.title or (self.paragraphs[0] if self.paragraphs else "")).split())
        return shorten_to_width(text, SHORT_TITLE_WIDTH)

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

    def problems_record(self) -> dict[str, Any]:
        """What the reading left out or doubted, for a run's manifest: every skip, duplicate
        and warning, so a results folder says which articles its model never saw."""
        return {
            "articles_read": len(self.articles),
            "skipped": [asdict(s) for s in self.skipped],
            "duplicates": [asdict(d) for d in self.duplicates],
            "warnings": [asdict(w) for w in self.warnings],
        }

    def summary(self, elapsed_s: float | None = None, *, max_problems: int | None = None) -> str:
        """What was read, skipped and merged, one problem per line: the lines every command
        prints on stderr (``inspect`` all of them; a modelling run the first ``max_problems``)."""
        languages: dict[str, int] = {}
        for article in self.articles:
            languages[article.language] = languages.get(article.language, 0) + 1
        by_language = ", ".join(f"{n} {code}" for code, n in sorted(languages.items()))
        timing = f"; read in {elapsed_s:.1f} s" if elapsed_s is not None else ""
        lines = [
            f"{len(self.articles)} articles ({by_language}); {len(self.skipped)} skipped; "
            f"{len(self.duplicates)} exact duplicates counted once; {len(self.warnings)} warnings{timing}"
        ]
        problems = [f"warning {w.location}: {w.reason}" for w in self.warnings]
        problems += [f"skipped {s.location}: {s.reason}" for s in self.skipped]
        problems += [f"duplicate {d.origin} (id {d.id}) = {d.duplicate_of}" for d in self.duplicates]
        if max_problems is not None and len(problems) > max_problems:
            rest = len(problems) - max_problems
            problems = problems[:max_problems] + [f"... and {rest} more (polthemes inspect lists every one)"]
        return "\n".join(lines + problems)


#: Display columns of :attr:`Article.short_title` (a Han character takes two).
SHORT_TITLE_WIDTH = 36


def shorten_to_width(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns (East Asian wide characters count
    two), with "…" where it was cut."""
    import unicodedata

    columns, out = 0, []
    for character in text:
        size = 2 if unicodedata.east_asian_width(character) in "WF" else 1
        if columns + size > width - 1:
            return "".join(out).rstrip() + "…"
        columns += size
        out.append(character)
    return text
