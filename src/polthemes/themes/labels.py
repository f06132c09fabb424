"""Theme labels a reader can use: bilingual top terms, unless a hand-written label matches.

A theme's label is its top concept terms in both languages (``党建 · party building /
党员 · party member``) unless ``resources/theme_labels.tsv`` names it by hand. Hand labels
are keyed by terms that identify the theme, never by theme number, which changes from run
to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from polthemes.config import RESOURCES_DIR
from polthemes.resources import read_tsv
from polthemes.text.pipeline import TokenizedCorpus

LABEL_OVERRIDES_FILENAME = "theme_labels.tsv"
#: A hand-written label applies to a theme sharing at least this many of its listed terms
#: with the theme's top 10.
MIN_LABEL_MATCH = 2


@dataclass(frozen=True)
class LabelOverride:
    terms: frozenset[str]
    label: str


def read_label_overrides(path=RESOURCES_DIR / LABEL_OVERRIDES_FILENAME) -> list[LabelOverride]:
    """Hand-written theme labels, each keyed by terms that identify the theme (not by number,
    which changes with K and seed)."""
    return [
        LabelOverride(frozenset(t.strip() for t in row["terms"].split(",") if t.strip()), row["label"].strip())
        for row in read_tsv(path.name, path.parent)
    ]


def theme_labels(
    top_terms: Sequence[Sequence[str]],
    corpus: TokenizedCorpus,
    *,
    n_terms: int = 2,
    overrides: Sequence[LabelOverride] = (),
) -> list[str]:
    """A label per topic: a matching hand-written one, else its top terms in both languages."""
    labels = []
    for terms in top_terms:
        top10 = set(terms[:10])
        best = max(overrides, key=lambda o: len(o.terms & top10), default=None)
        if best is not None and len(best.terms & top10) >= MIN_LABEL_MATCH:
            labels.append(best.label)
        else:
            labels.append(" / ".join(corpus.label(t) for t in terms[:n_terms]))
    return labels
