"""Theme labels a reader can use: bilingual top terms, unless a hand-written label matches.

A theme's label is its top concept terms in both languages (``党建 · party building /
党员 · party member``) unless ``resources/theme_labels.tsv`` names it by hand. Hand labels
are keyed by terms that identify the theme, never by theme number, which changes from run
to run.

Beside the most probable terms, every theme has its FREX terms (:func:`frex_scores`, stm's
``labelTopics``): terms both frequent in the theme and exclusive to it. The most probable
terms of several themes are often the same corpus-wide words (党员, 工作); FREX shows what
sets a theme apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from polthemes.config import RESOURCES_DIR
from polthemes.resources import read_tsv
from polthemes.text.pipeline import TokenizedCorpus

LABEL_OVERRIDES_FILENAME = "theme_labels.tsv"
#: FREX's weight on exclusivity against frequency (stm's default: their harmonic mean).
FREX_WEIGHT = 0.5
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


def frex_scores(topic_terms: np.ndarray, weight: float = FREX_WEIGHT) -> np.ndarray:
    """FREX of every term in every topic (topics x terms), as stm's ``calcfrex`` defines it
    (Roberts, Stewart & Airoldi 2016): the weighted harmonic mean of a term's rank in the
    topic by probability and by exclusivity (its probability in the topic over its
    probability summed over all topics), each rank as a share of the vocabulary.

    Ranks, not raw values, so a term seen twice (exclusive by accident) cannot win on
    exclusivity alone: it must also rank high by frequency. stm's optional James-Stein
    shrinkage of exclusivity by word counts is not applied. Ties share their mean rank.
    """
    beta = np.asarray(topic_terms, dtype=float)
    if beta.ndim != 2 or beta.shape[1] == 0:
        raise ValueError(f"FREX needs a topics x terms matrix with at least one term, got shape {beta.shape}")
    if not 0 < weight < 1:
        raise ValueError(f"the FREX weight must lie strictly between 0 and 1, got {weight}")
    beta = beta / beta.sum(axis=1, keepdims=True)
    column_totals = beta.sum(axis=0)
    exclusivity = beta / np.where(column_totals > 0, column_totals, 1.0)
    # Rounded before ranking, as top terms are, so float noise never reorders terms.
    # Ranks within each topic, ties sharing their mean rank (scipy's rankdata; pandas is
    # already loaded, scipy.stats costs a process 1.5 s to import).
    frequency_rank = pd.DataFrame(np.round(beta, 12)).rank(axis=1).to_numpy() / beta.shape[1]
    exclusivity_rank = pd.DataFrame(np.round(exclusivity, 12)).rank(axis=1).to_numpy() / beta.shape[1]
    return 1.0 / (weight / exclusivity_rank + (1 - weight) / frequency_rank)


def frex_top_terms(topic_terms: np.ndarray, vocabulary: Sequence[str], n: int = 10, weight: float = FREX_WEIGHT) -> list[list[str]]:
    """The ``n`` terms of highest FREX per topic (ties broken by term, so the order never
    depends on float noise or dictionary order)."""
    scores = np.round(frex_scores(topic_terms, weight), 12)
    return [[vocabulary[j] for j in sorted(range(len(row)), key=lambda j: (-row[j], vocabulary[j]))[:n]] for row in scores]
