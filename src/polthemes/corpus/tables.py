"""Tables of a corpus read, as pandas DataFrames for notebooks and CSV exports.

The CLI prints the same columns as text; notebooks show these frames, and later stages
join on the ``id`` column.
"""

from __future__ import annotations

import pandas as pd

from polthemes.corpus.metadata import units
from polthemes.corpus.records import CorpusReport

#: Columns of :func:`articles_table`, in the order ``polthemes inspect`` prints them.
ARTICLE_COLUMNS = ("id", "language", "title", "date", "source", "author", "paragraphs", "characters", "words", "removed_lines")


def articles_table(report: CorpusReport) -> pd.DataFrame:
    """One row per article: metadata, size kept, lines cut.

    ``words`` counts a Chinese character as one word (``metadata.units``), so lengths of
    Chinese and English articles can be compared.
    """
    rows = [
        {
            "id": a.id,
            "language": a.language,
            "title": a.title,
            "date": a.date,
            "source": a.source,
            "author": a.author,
            "paragraphs": len(a.paragraphs),
            "characters": a.n_characters,
            "words": sum(units(p) for p in a.paragraphs),
            "removed_lines": len(a.removed),
        }
        for a in report.articles
    ]
    return pd.DataFrame(rows, columns=list(ARTICLE_COLUMNS))


def removed_lines_table(report: CorpusReport) -> pd.DataFrame:
    """Every line cut from every article, with its line number and the rule that cut it."""
    rows = [
        {"id": a.id, "line_no": line.line_no, "rule": line.rule, "text": line.text}
        for a in report.articles
        for line in a.removed
    ]
    return pd.DataFrame(rows, columns=["id", "line_no", "rule", "text"])


def skipped_table(report: CorpusReport) -> pd.DataFrame:
    """Files, lines or rows that gave no article, duplicates counted once, and warnings."""
    rows = [{"kind": "skipped", "location": s.location, "reason": s.reason} for s in report.skipped]
    rows += [{"kind": "duplicate", "location": d.origin, "reason": f"same text as {d.duplicate_of}"} for d in report.duplicates]
    rows += [{"kind": "warning", "location": w.location, "reason": w.reason} for w in report.warnings]
    return pd.DataFrame(rows, columns=["kind", "location", "reason"])
