"""The passages that represent each theme best, quoted in their original language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from polthemes.corpus.records import Article
from polthemes.modelling.backends import TopicModel
from polthemes.modelling.units import ModellingUnit


#: Passages quoted per theme, the fewest terms a quoted unit has, and the longest quote
#: in characters: one definition for both engines' ``passages`` tables.
PASSAGES_PER_THEME = 3
PASSAGE_MIN_TERMS = 8
PASSAGE_MAX_CHARACTERS = 400
PASSAGE_COLUMNS = ["theme", "label", "rank", "id", "unit", "language", "share", "text"]


def representative_passages(
    model: TopicModel,
    units: Sequence[ModellingUnit],
    articles: Sequence[Article],
    labels: Sequence[str],
    *,
    per_theme: int = PASSAGES_PER_THEME,
    min_terms: int = PASSAGE_MIN_TERMS,
    max_characters: int = PASSAGE_MAX_CHARACTERS,
) -> pd.DataFrame:
    """The units most devoted to each theme, quoted from the article in its own language.

    Units shorter than ``min_terms`` are passed over (a one-line paragraph is 100% of
    something without saying much). Ties are broken by article id and position.
    """
    by_id = {a.id: a for a in articles}
    keys = [(u.article_id, u.index) for u in units]
    chosen = passage_units(model.document_topics_, keys, [len(u.terms) for u in units], per_theme=per_theme, min_terms=min_terms)
    texts = {
        i: "\n".join(by_id[units[i].article_id].paragraphs[p] for p in units[i].paragraphs)
        for picked in chosen for i in picked
    }
    return passages_table(model.document_topics_, chosen, labels, keys, [u.language for u in units], texts,
                          max_characters=max_characters)


def passage_units(
    unit_topics: np.ndarray,
    keys: Sequence[tuple[str, int]],
    n_terms: Sequence[int],
    *,
    per_theme: int = PASSAGES_PER_THEME,
    min_terms: int = PASSAGE_MIN_TERMS,
) -> list[list[int]]:
    """Per theme, the row numbers of the units (``unit_topics``: units x themes) most devoted
    to it, among those with ``min_terms`` terms or more; ties broken by ``keys`` (article
    id, unit index). Separate from the quoting so the Spark engine fetches only these texts."""
    eligible = [i for i, n in enumerate(n_terms) if n >= min_terms]
    return [
        sorted(eligible, key=lambda i: (-round(float(unit_topics[i, k]), 9), *keys[i]))[:per_theme]
        for k in range(unit_topics.shape[1])
    ]


def passages_table(
    unit_topics: np.ndarray,
    chosen: Sequence[Sequence[int]],
    labels: Sequence[str],
    keys: Sequence[tuple[str, int]],
    languages: Sequence[str],
    texts: Mapping[int, str],
    *,
    max_characters: int = PASSAGE_MAX_CHARACTERS,
) -> pd.DataFrame:
    """The ``passages`` table of both engines: per theme, its :func:`passage_units` quoted
    (``texts`` by row number), cut to ``max_characters``."""
    rows = []
    for k, label in enumerate(labels):
        for rank, i in enumerate(chosen[k], start=1):
            text = texts[i]
            article_id, index = keys[i]
            rows.append(
                {
                    "theme": k,
                    "label": label,
                    "rank": rank,
                    "id": article_id,
                    "unit": index,
                    "language": languages[i],
                    "share": round(float(unit_topics[i, k]), 6),
                    "text": text if len(text) <= max_characters else text[: max_characters - 1] + "…",
                }
            )
    return pd.DataFrame(rows, columns=PASSAGE_COLUMNS)
