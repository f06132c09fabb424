"""Every result table a run writes, built once from plain arrays, for either engine.

The local engine passes its fitted model's arrays, the Spark engine the arrays its
executors computed; both get the same columns, rounding and order from these functions,
so notebooks and figures read either run's folder alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from polthemes.modelling.backends import TopicModel, top_terms_per_topic
from polthemes.modelling.features import BagOfWords, bag_of_words, distinctive_terms, document_similarity
from polthemes.modelling.matching import align_topics, match_topics
from polthemes.text.pipeline import TokenizedCorpus
from polthemes.themes.labels import frex_scores, frex_top_terms

#: Above this many articles the article-similarity table is left empty.
MAX_SIMILARITY_ARTICLES = 500


def theme_columns(k: int) -> list[str]:
    """The share columns of the per-unit and per-article tables: ``theme_0`` ... ``theme_{k-1}``."""
    return [f"theme_{j}" for j in range(k)]


def topic_terms_table(
    topic_terms: np.ndarray,
    vocabulary: Sequence[str],
    labels: Sequence[str],
    tokens: TokenizedCorpus,
    n: int,
    *,
    order: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Long table: theme, label, rank, term, bilingual label, weight; the ``n`` top terms of
    each topic of ``topic_terms`` (topics x terms), and beside them, rank for rank, the
    topic's top terms by FREX (``frex_term``, ``frex_term_label``, ``frex``; see
    :func:`polthemes.themes.labels.frex_scores`), as stm's ``labelTopics`` prints both.
    Theme ``i`` is topic ``order[i]``."""
    order = list(range(len(topic_terms))) if order is None else order
    top = top_terms_per_topic(topic_terms, vocabulary, n)
    frex = frex_scores(topic_terms)
    top_frex = frex_top_terms(topic_terms, vocabulary, n)
    column = {term: j for j, term in enumerate(vocabulary)}
    rows = []
    for theme, topic in enumerate(order):
        for rank, (term, frex_term) in enumerate(zip(top[topic], top_frex[topic]), start=1):
            weight = topic_terms[topic, column[term]]
            rows.append({"theme": theme, "label": labels[theme], "rank": rank, "term": term,
                         "term_label": tokens.label(term), "weight": round(float(weight), 6),
                         "frex_term": frex_term, "frex_term_label": tokens.label(frex_term),
                         "frex": round(float(frex[topic, column[frex_term]]), 6)})
    return pd.DataFrame(rows)


def aligned_topic_terms_table(model: TopicModel, reference: TopicModel, tokens: TokenizedCorpus, n: int) -> pd.DataFrame:
    """:func:`topic_terms_table` of a cross-check model, its topics reordered to match the
    reference model's themes (so they line up row by row) and left unlabelled."""
    order = align_topics(reference.components_, model.components_)
    return topic_terms_table(model.components_, model.vocabulary_, [""] * len(order), tokens, n, order=order)


def document_topics_table(
    shares: np.ndarray, ids: Sequence[str], units: Sequence[int], languages: Sequence[str], n_terms: Sequence[int]
) -> pd.DataFrame:
    """One row per modelling unit: id, unit, language, n_terms, then its theme shares."""
    frame = pd.DataFrame(np.round(shares, 6), columns=theme_columns(shares.shape[1]))
    for position, (name, values) in enumerate((("id", ids), ("unit", units), ("language", languages), ("n_terms", n_terms))):
        frame.insert(position, name, list(values))
    return frame


#: What :func:`article_themes_table` says of each article, in this order, besides its id.
ARTICLE_FACTS = ("language", "date", "source", "title")


def article_themes_table(shares: np.ndarray, ids: Sequence[str], facts: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per article: id, language, date, source, title (``facts`` by id, in the order
    of :data:`ARTICLE_FACTS`; the title is :attr:`~polthemes.corpus.records.Article.short_title`,
    what figures name the article by), then its theme shares."""
    frame = pd.DataFrame(np.round(shares, 6), columns=theme_columns(shares.shape[1]))
    for position, name in enumerate(ARTICLE_FACTS):
        frame.insert(position, name, [facts[i][position] for i in ids])
    frame.insert(0, "id", list(ids))
    return frame


def uncertainty_table(shares: pd.DataFrame, replicates: np.ndarray) -> pd.DataFrame:
    """Per article and theme: the share, and the bootstrap replicates' mean, 5th and 95th
    percentiles and standard deviation (``replicates``: draws x articles x themes)."""
    rows = []
    for a, article_id in enumerate(shares.index):
        for k in range(shares.shape[1]):
            values = replicates[:, a, k]
            rows.append({"id": article_id, "theme": k, "share": round(float(shares.iat[a, k]), 6),
                         "bootstrap_mean": round(float(values.mean()), 6), "low_5": round(float(np.percentile(values, 5)), 6),
                         "high_95": round(float(np.percentile(values, 95)), 6), "sd": round(float(values.std()), 6)})
    return pd.DataFrame(rows)


def agreement_table(model: TopicModel, others: Mapping[str, TopicModel]) -> pd.DataFrame:
    """Per backend: convergence, and how well its topics match the default's (top-10 overlap)."""
    rows = [{"backend": model.backend, "converged": model.converged_, "convergence": model.convergence_,
             "matched_top10_overlap": 1.0, "themes_matched_at_half": model.n_topics}]
    reference = model.top_terms(10)
    for backend, other in others.items():
        overlaps = [o for _, _, o in match_topics(reference, other.top_terms(10))]
        rows.append({"backend": backend, "converged": other.converged_, "convergence": other.convergence_,
                     "matched_top10_overlap": round(float(np.mean(overlaps)), 6),
                     "themes_matched_at_half": int(sum(o >= 0.5 for o in overlaps))})
    return pd.DataFrame(rows)


def vocabulary_table(vocabulary: Sequence[str], counts: np.ndarray, tokens: TokenizedCorpus) -> pd.DataFrame:
    """The modelled terms in column order: term, bilingual label, count in the modelled units."""
    return pd.DataFrame({"term": list(vocabulary), "label": [tokens.label(t) for t in vocabulary],
                         "count": np.asarray(counts, dtype=np.int64)})


def tfidf_tables(
    tokens: TokenizedCorpus, *, vocabulary=None, n: int = 15, min_count: int = 2, article_bag: BagOfWords | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each article's ``n`` most distinctive terms (with bilingual labels) and the articles'
    TF-IDF cosine similarity, over ``vocabulary`` or the terms seen ``min_count`` times.

    ``article_bag`` is the articles' counts when the caller has them already (a model over
    whole articles has counted exactly these rows), so an archive is not counted twice.
    """
    article_ids = [a.id for a in tokens.articles]
    if article_bag is not None:
        if article_bag.counts.shape[0] != len(article_ids):
            raise ValueError(f"article_bag has {article_bag.counts.shape[0]} rows for {len(article_ids)} articles")
        bag = article_bag
    else:
        documents = [a.terms for a in tokens.articles]
        bag = bag_of_words(documents, vocabulary=vocabulary) if vocabulary is not None else bag_of_words(documents, min_count=min_count)
    distinctive = distinctive_terms(bag, article_ids, n=n)
    labels = {term: tokens.label(term) for term in distinctive.term.unique()}  # an archive repeats terms a lot
    distinctive["label"] = distinctive.term.map(labels)
    if len(article_ids) > MAX_SIMILARITY_ARTICLES:
        # An articles x articles table of an archive is huge and unreadable; skip it.
        return distinctive, pd.DataFrame(columns=["id"])
    similarity = document_similarity(bag, article_ids).rename_axis("id").reset_index()
    return distinctive, similarity
