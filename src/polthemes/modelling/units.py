"""Modelling units: what one "document" of the topic model is, and rolling results back up.

Five articles are too few documents for a topic model, so on a small corpus each paragraph
is a document; on an archive each article is. Fixed-size token windows suit long articles
with no paragraph breaks. Whatever the unit, :func:`roll_up` turns a unit-level matrix back
into an article-level one, weighting each unit by its number of tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polthemes.settings import UNITS, Unit
from polthemes.text.pipeline import TokenizedArticle, TokenizedCorpus

#: Below this many articles, ``auto`` models paragraphs; from it on, whole articles.
PARAGRAPH_UNITS_BELOW_ARTICLES = 200
#: Default window length for ``unit="window"``, in tokens.
DEFAULT_WINDOW_TOKENS = 100


@dataclass(frozen=True)
class ModellingUnit:
    """One document of the topic model: a slice of one article's terms."""

    article_id: str
    index: int  # position within the article: paragraph number or window number, from 0
    language: str
    terms: tuple[str, ...]
    #: The article paragraphs the unit's terms come from (to quote it in its own words).
    paragraphs: tuple[int, ...] = ()


def resolve_unit(unit: str, n_articles: int) -> str:
    """The concrete unit for ``unit`` (``auto`` picks paragraphs for a small corpus)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; choose one of {', '.join(UNITS)}")
    if unit == "auto":
        return "paragraph" if n_articles < PARAGRAPH_UNITS_BELOW_ARTICLES else "article"
    return unit


def most_units(articles: Sequence, unit: str, *, window_tokens: int = DEFAULT_WINDOW_TOKENS) -> int:
    """An upper bound on the modelling units ``articles`` (read, not yet tokenized) can give,
    so a K no corpus of this size can fit is refused before minutes of tokenizing.

    Paragraph units: the paragraphs; article units: the articles; windows: per article, the
    windows its words and Han characters would fill (every term is at least one of them).
    """
    from math import ceil

    from polthemes.corpus.metadata import units as text_units

    if unit == "article":
        return len(articles)
    if unit == "paragraph":
        return sum(len(article.paragraphs) for article in articles)
    if unit == "window":
        return sum(ceil(text_units(article.text) / window_tokens) for article in articles)
    raise ValueError(f"unknown unit {unit!r}; resolve 'auto' first (resolve_unit)")


def modelling_units(
    corpus: TokenizedCorpus | Sequence[TokenizedArticle],
    unit: Unit = "auto",
    *,
    window_tokens: int = DEFAULT_WINDOW_TOKENS,
    min_terms: int = 1,
) -> list[ModellingUnit]:
    """Split articles into modelling units; units with fewer than ``min_terms`` terms are left out.

    Windows run over the article's terms in order (paragraph breaks ignored); the last
    window of an article may be shorter.
    """
    articles = corpus.articles if isinstance(corpus, TokenizedCorpus) else list(corpus)
    if window_tokens < 1:
        raise ValueError(f"window_tokens must be at least 1, got {window_tokens}")
    chosen = resolve_unit(unit, len(articles))
    units = []
    for article in articles:
        if chosen == "article":
            slices = [(tuple(article.terms), tuple(range(len(article.paragraphs))))]
        elif chosen == "paragraph":
            slices = [(terms, (i,)) for i, terms in enumerate(article.paragraphs)]
        else:
            slices = _windows(article, window_tokens)
        for index, (terms, paragraphs) in enumerate(slices):
            if len(terms) >= min_terms:
                units.append(ModellingUnit(article.id, index, article.language, terms, paragraphs))
    return units


def _windows(article: TokenizedArticle, size: int) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    """Consecutive ``size``-term windows, each with the paragraphs its terms come from."""
    owner = [p for p, terms in enumerate(article.paragraphs) for _ in terms]
    terms = article.terms
    return [
        (tuple(terms[i : i + size]), tuple(sorted(set(owner[i : i + size]))))
        for i in range(0, len(terms), size)
    ]


def roll_up(unit_matrix: np.ndarray, units: Sequence[ModellingUnit]) -> tuple[np.ndarray, list[str]]:
    """Article-level rows from unit-level rows, each unit weighted by its token count.

    ``unit_matrix`` is units x columns (e.g. units x themes, rows summing to one); the
    result is articles x columns, in order of first appearance, with the article ids.
    A row of the result is the share of the article's tokens in each column.
    """
    matrix = np.asarray(unit_matrix, dtype=float)
    if matrix.shape[0] != len(units):
        raise ValueError(f"unit_matrix has {matrix.shape[0]} rows but there are {len(units)} units")
    return roll_up_rows(matrix, [u.article_id for u in units], [len(u.terms) for u in units])


def roll_up_rows(
    unit_matrix: np.ndarray, article_ids: Sequence[str], n_terms: Sequence[int]
) -> tuple[np.ndarray, list[str]]:
    """:func:`roll_up` from plain arrays: each unit's article id and token count.

    The Spark engine has units only as rows collected from executors, not as
    :class:`ModellingUnit` objects; both engines roll up here, so their article tables agree.
    """
    matrix = np.asarray(unit_matrix, dtype=float)
    if not matrix.shape[0] == len(article_ids) == len(n_terms):
        raise ValueError(f"unit_matrix has {matrix.shape[0]} rows for {len(article_ids)} article ids and {len(n_terms)} term counts")
    order = list(dict.fromkeys(article_ids))
    row_of = {article_id: i for i, article_id in enumerate(order)}
    rows = np.array([row_of[article_id] for article_id in article_ids], dtype=np.intp)
    weights = np.asarray(n_terms, dtype=float)
    totals = np.zeros((len(order), matrix.shape[1]))
    mass = np.zeros(len(order))
    # Unbuffered, in unit order: the same sums, to the last bit, as adding unit by unit.
    np.add.at(totals, rows, matrix * weights[:, None])
    np.add.at(mass, rows, weights)
    return totals / np.where(mass > 0, mass, 1)[:, None], order
