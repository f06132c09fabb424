"""From a fitted topic model to themes a researcher can read and cite.

A theme is a topic with: a bilingual label from its top terms (``党建 · party building /
党员 · party member``) unless ``resources/theme_labels.tsv`` names it by hand; its share of
every article, rolled up from the modelling units and weighted by tokens; the bootstrap
uncertainty of those shares; and the passages that represent it best, quoted in their
original language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from polthemes.config import RESOURCES_DIR
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.backends import TopicModel
from polthemes.corpus.records import Article
from polthemes.resources import read_tsv
from polthemes.text.pipeline import TokenizedCorpus
from polthemes.modelling.units import ModellingUnit, roll_up

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


def article_theme_matrix(model: TopicModel, units: Sequence[ModellingUnit], labels: Sequence[str]) -> pd.DataFrame:
    """Articles x themes: each article's share of tokens per theme (rows sum to one)."""
    matrix, article_ids = roll_up(model.document_topics_, units)
    return pd.DataFrame(matrix, index=pd.Index(article_ids, name="id"), columns=list(labels))


def bootstrap_article_themes(
    model: TopicModel,
    units: Sequence[ModellingUnit],
    bag: BagOfWords,
    refit: Callable[[BagOfWords], TopicModel],
    *,
    n_boot: int = 20,
    seed: int = 0,
) -> np.ndarray:
    """Article-theme shares under resampled corpora: n_boot x articles x themes.

    Each replicate draws the modelling units with replacement, refits (``refit`` builds and
    fits a model like ``model``), matches its topics to ``model``'s by topic-word cosine
    (Hungarian), and re-estimates every original unit's mixture under it, rolled up to
    articles. The spread shows how much the themes' shares owe to which passages happen to
    be in the corpus, which on five articles is a lot.
    """
    rng = np.random.default_rng(seed)
    replicates = []
    for _ in range(n_boot):
        picked = rng.integers(0, len(units), size=len(units))
        resampled = bag_of_words([units[i].terms for i in picked], vocabulary=bag.vocabulary)
        replicate = refit(resampled)
        order = align_topics(model.components_, replicate.components_)
        mixtures = replicate.transform(bag)[:, order]
        shares, _ = roll_up(mixtures, units)
        replicates.append(shares)
    return np.stack(replicates)


def align_topics(reference: np.ndarray, other: np.ndarray) -> list[int]:
    """For each reference topic, the index of the matching topic of ``other`` (max cosine)."""
    a = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    b = other / np.linalg.norm(other, axis=1, keepdims=True)
    rows, cols = linear_sum_assignment(-(a @ b.T))
    return [int(c) for _, c in sorted(zip(rows, cols))]


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


#: An article "has" a theme when the theme takes at least this share of its tokens.
PRESENT_SHARE = 0.15


def recurring_themes(article_themes: pd.DataFrame, labels: Sequence[str], *, present_share: float = PRESENT_SHARE) -> pd.DataFrame:
    """The answer to the research question, one row per theme: in which articles of which
    language it takes at least ``present_share`` of the tokens, and whether it recurs
    across languages (present in articles of both)."""
    rows = []
    for k, label in enumerate(labels):
        present = article_themes[article_themes[f"theme_{k}"] >= present_share]
        by_language = {code: sorted(present[present.language == code].id) for code in sorted(article_themes.language.unique())}
        rows.append(
            {
                "theme": k,
                "label": label,
                "articles": len(present),
                **{f"articles_{code}": len(ids) for code, ids in by_language.items()},
                "recurs_across_languages": sum(bool(ids) for ids in by_language.values()) > 1,
                "mean_share": round(float(article_themes[f"theme_{k}"].mean()), 6),
                "present_in": ", ".join(present.id),
            }
        )
    return pd.DataFrame(rows)
