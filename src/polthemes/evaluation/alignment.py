"""Alignment: does a Chinese document find its own English translation, and the other way round?

The whole project rests on one claim: a theme is the same theme in both languages, because
both land in one concept space. A parallel collection tests the claim directly. Each
Chinese document is a query and every English document a candidate (then the other way
round); the measures are how often the nearest candidate is the document's own
translation (top-1), how often it is among the five nearest (top-5), and the mean
reciprocal rank of the translation (MRR). They are taken

* in the **concept-term TF-IDF space**: the project's tokens
  (:class:`~polthemes.text.pipeline.TokenPipeline` in crosslingual mode), counted and weighted by
  :mod:`polthemes.modelling.features`, cosine distance;
* in **theme space** at a given K: each document's theme mixture (the article roll-up of
  its modelling units, the ``article_themes`` table of a run), Hellinger distance (the
  distance between probability distributions; cosine beside it for comparison).

Two token-level measures say why: the **share of each language's token mass in the shared
space** (from :func:`polthemes.text.coverage.coverage_report`), and the **pair share**: the share
of a Chinese document's in-space token mass on terms its own translation contains, against
the same share on every other English document (the chance line). The naive baseline of
:mod:`polthemes.text.naive_mapping` (every jieba word to its first CC-CEDICT sense) is measured
beside the concept space, so the concept space's value is its gap to doing nothing clever.

**Pairs come from the reader.** A record's ``pair`` field is kept on
:class:`~polthemes.corpus.records.Article` (``metadata.csv`` may set it for a folder of articles),
so pairs are data the collection states, not a convention read out of ids such as
``<pair>__zh``, which a collection is free to name otherwise. The language of each
article is the one the reader determined.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from polthemes.text.coverage import coverage_report
from polthemes.modelling.features import EmptyVocabularyError, bag_of_words, tfidf
from polthemes.corpus.records import Article
from polthemes.settings import AnalysisSettings
from polthemes.text.pipeline import TokenizedCorpus, tokenize_articles

logger = logging.getLogger(__name__)

#: The two languages a pair joins, query language first in the first direction.
PAIR_LANGUAGES = ("zh", "en")
DIRECTIONS = ("zh->en", "en->zh")
#: In :func:`measure_alignment`'s ``k_values``: the K the project's selection rule chooses.
CHOSEN = "chosen"
#: A term must occur this often in the collection to weigh in the TF-IDF space: the
#: project's article TF-IDF default (:func:`polthemes.themes.tables.tfidf_tables`).
TFIDF_MIN_COUNT = 2
#: Fewer pairs than this make no retrieval: with one pair the answer is always right.
MIN_PAIRS = 2
#: Top-n cut-offs reported.
TOP_N = (1, 5)


class AlignmentError(ValueError):
    """The articles are not a collection of document pairs; the message says which is wrong."""


@dataclass(frozen=True)
class DocumentPairs:
    """The pairs of a parallel collection, in order of first appearance: ``zh[i]`` and
    ``en[i]`` are the ids of the two articles of pair ``pairs[i]``."""

    pairs: tuple[str, ...]
    zh: tuple[str, ...]
    en: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.pairs)


def document_pairs(articles: Sequence[Article]) -> DocumentPairs:
    """Check that ``articles`` are document pairs (one zh and one en article each) and
    return them; raise :class:`AlignmentError` naming the first article or pair that is not.

    Every article must belong to a pair: an unpaired article has no translation to find,
    and leaving it out silently would change the candidates of every query.
    """
    if not articles:
        raise AlignmentError("no articles to align")
    unpaired = [a.id for a in articles if not a.pair]
    if len(unpaired) == len(articles):
        raise AlignmentError(
            "no article has a pair: alignment needs records with a 'pair' field, one zh and one en article per pair"
        )
    if unpaired:
        raise AlignmentError(
            f"{len(unpaired)} of {len(articles)} articles have no pair (first: {unpaired[0]!r}); "
            "alignment needs every article in a pair"
        )
    members: dict[str, dict[str, list[str]]] = {}
    for article in articles:
        if article.language not in PAIR_LANGUAGES:
            raise AlignmentError(
                f"article {article.id!r} of pair {article.pair!r} is in {article.language!r}; a pair is one zh and one en article"
            )
        members.setdefault(article.pair, {language: [] for language in PAIR_LANGUAGES})[article.language].append(article.id)
    for pair, by_language in members.items():
        for language in PAIR_LANGUAGES:
            found = by_language[language]
            if len(found) > 1:
                raise AlignmentError(
                    f"pair {pair!r} has {len(found)} {language} articles ({', '.join(repr(i) for i in found)}); "
                    "a pair is one zh and one en article"
                )
            if not found:
                (other,) = (code for code in PAIR_LANGUAGES if code != language)
                raise AlignmentError(
                    f"pair {pair!r} has only a {other} article ({by_language[other][0]!r}), no {language} one; "
                    "a pair is one zh and one en article"
                )
    if len(members) < MIN_PAIRS:
        raise AlignmentError(f"only {len(members)} pair: finding a partner needs {MIN_PAIRS} pairs or more")
    return DocumentPairs(
        tuple(members), tuple(m["zh"][0] for m in members.values()), tuple(m["en"][0] for m in members.values())
    )


# --- Ranking maths -----------------------------------------------------------------------


def partner_ranks(distance: np.ndarray) -> np.ndarray:
    """Rank (1 = nearest) of each query's partner among all candidates.

    ``distance`` is queries x candidates, square, and the partner of query ``i`` is
    candidate ``i``. Ties count against the partner (a candidate as near as the partner
    ranks before it), so a representation that cannot tell documents apart scores the
    worst rank, never the best; a missing distance (NaN) is farther than any.
    """
    d = np.asarray(distance, dtype=float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"distance must be a square queries x candidates matrix, got shape {d.shape}")
    d = np.where(np.isnan(d), np.inf, d)
    own = np.diag(d)[:, None]
    at_most_as_far = (d <= own).sum(axis=1) - 1  # minus the partner itself
    return 1 + at_most_as_far


@dataclass(frozen=True)
class RetrievalScores:
    """Top-1, top-5 and mean reciprocal rank of finding the partner, over ``n`` queries."""

    n: int
    top1: float
    top5: float
    mrr: float


def retrieval_scores(distance: np.ndarray) -> RetrievalScores:
    """:class:`RetrievalScores` of a queries x candidates ``distance`` (partner on the diagonal)."""
    ranks = partner_ranks(distance)
    return RetrievalScores(
        n=len(ranks), top1=float(np.mean(ranks <= 1)), top5=float(np.mean(ranks <= 5)), mrr=float(np.mean(1.0 / ranks))
    )


def hellinger_distances(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hellinger distance between the rows of ``p`` and of ``q`` (mixtures, rows x themes):
    ``sqrt(1 - sum_k sqrt(p_k q_k))``, 0 for equal mixtures, 1 for disjoint ones.

    Rows are normalised to sum to one first (negative weights clipped), so any backend's
    mixtures compare alike. A row of zeros compares as NaN (missing).
    """
    a, b = _distributions(p), _distributions(q)
    affinity = np.sqrt(a) @ np.sqrt(b).T
    return np.sqrt(np.clip(1.0 - affinity, 0.0, 1.0))


def cosine_distances(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """1 - cosine similarity between the rows of ``p`` and of ``q``; NaN for a zero row."""
    a, b = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = a / np.linalg.norm(a, axis=1, keepdims=True)
        b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return 1.0 - a @ b.T


def _distributions(matrix: np.ndarray) -> np.ndarray:
    m = np.clip(np.asarray(matrix, dtype=float), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        return m / m.sum(axis=1, keepdims=True)


# --- Distances in each space ---------------------------------------------------------------


def concept_space_distances(tokens: TokenizedCorpus, pairs: DocumentPairs) -> np.ndarray:
    """zh x en cosine distances of the documents' TF-IDF vectors (pair order on both axes).

    The TF-IDF is :func:`polthemes.modelling.features.tfidf` over the pairs' documents, terms seen at
    least ``TFIDF_MIN_COUNT`` times; a document left with no term compares as missing.
    """
    terms = {article.id: article.terms for article in tokens.articles}
    missing = [i for i in pairs.zh + pairs.en if i not in terms]
    if missing:
        raise AlignmentError(f"{len(missing)} paired articles are not in the tokens (first: {missing[0]!r})")
    try:
        bag = bag_of_words([terms[i] for i in pairs.zh + pairs.en], min_count=TFIDF_MIN_COUNT)
    except EmptyVocabularyError as error:
        raise AlignmentError(f"nothing to compare in the TF-IDF space: {error}") from None
    weights = tfidf(bag)
    n = len(pairs)
    similarity = (weights[:n] @ weights[n:].T).toarray()
    empty = np.asarray(weights.getnnz(axis=1) == 0)
    similarity[empty[:n], :] = np.nan
    similarity[:, empty[n:]] = np.nan
    return 1.0 - similarity


def theme_space_distances(article_themes: pd.DataFrame, pairs: DocumentPairs, metric: str = "hellinger") -> np.ndarray:
    """zh x en distances between the documents' theme mixtures (pair order on both axes).

    ``article_themes`` is articles x themes indexed by article id, or a run's
    ``article_themes`` table (an ``id`` column and ``theme_<k>`` columns). A document the
    model has no mixture for (none of its units long enough) compares as missing.
    ``metric`` is ``hellinger`` or ``cosine``.
    """
    mixtures = theme_mixtures(article_themes)
    zh = mixtures.reindex(list(pairs.zh)).to_numpy(dtype=float)
    en = mixtures.reindex(list(pairs.en)).to_numpy(dtype=float)
    zh, en = np.nan_to_num(zh), np.nan_to_num(en)  # missing rows become zero rows: NaN distances
    if metric == "hellinger":
        return hellinger_distances(zh, en)
    if metric == "cosine":
        return cosine_distances(zh, en)
    raise ValueError(f"unknown metric {metric!r}; choose hellinger or cosine")


def theme_mixtures(article_themes: pd.DataFrame) -> pd.DataFrame:
    """Articles x themes indexed by id, from either form :func:`theme_space_distances` takes."""
    frame = article_themes.set_index("id") if "id" in article_themes.columns else article_themes
    themes = [c for c in frame.columns if str(c).startswith("theme_")]
    return frame[themes] if themes else frame.select_dtypes("number")


# --- Token-level measures ----------------------------------------------------------------


@dataclass(frozen=True)
class PairShares:
    """Per query document, the share of its in-space token mass on terms its own
    translation contains (``own``), and the mean share on every other candidate (``other``)."""

    direction: str
    own: np.ndarray
    other: np.ndarray

    @property
    def own_mean(self) -> float:
        return float(np.mean(self.own))

    @property
    def other_mean(self) -> float:
        return float(np.mean(self.other))


def pair_token_shares(tokens: TokenizedCorpus, pairs: DocumentPairs) -> dict[str, PairShares]:
    """:class:`PairShares` in both directions (``zh->en``: Chinese documents' mass on the
    English side's terms; ``en->zh`` the reverse).

    A token is in the shared space unless its term is an unmapped Chinese word (those stay
    the word itself, and ``tokens.unmapped`` lists them); a document with no in-space token
    has share 0.
    """
    terms = {article.id: article.terms for article in tokens.articles}
    unmapped = set(tokens.unmapped)
    in_space = [[t for t in terms[i] if t not in unmapped] for i in pairs.zh + pairs.en]
    try:
        bag = bag_of_words(in_space)
    except EmptyVocabularyError:
        raise AlignmentError("no document has a token in the shared space") from None
    counts = bag.counts.astype(float).tocsr()
    present = (counts > 0).astype(float)
    n = len(pairs)
    result = {}
    for direction, queries, candidates in (
        ("zh->en", counts[:n], present[n:]), ("en->zh", counts[n:], present[:n])
    ):
        mass = np.asarray(queries.sum(axis=1)).ravel()
        shared = (queries @ candidates.T).toarray() / np.where(mass > 0, mass, 1.0)[:, None]
        own = np.diag(shared).copy()
        other = (shared.sum(axis=1) - own) / (n - 1)
        result[direction] = PairShares(direction, own, other)
    return result


def language_shares(tokens: TokenizedCorpus) -> pd.DataFrame:
    """Per language: tokens, the share in the shared space, and the share on terms the
    other language also uses (:func:`polthemes.text.coverage.coverage_report`'s figures)."""
    report = coverage_report(tokens, top_unmapped=0)
    return pd.DataFrame(
        [
            {"language": code, "tokens": c.tokens, "in_shared_space": c.mapped_share, "on_terms_of_other_language": c.shared_share}
            for code, c in report.languages.items()
        ],
        columns=["language", "tokens", "in_shared_space", "on_terms_of_other_language"],
    )


# --- The whole measurement ---------------------------------------------------------------

#: Names of the two mappings in the tables.
CONCEPT_SPACE, NAIVE_MAPPING, NAIVE_SPLIT_MAPPING = "concept space", "naive CC-CEDICT", "naive, sense split"
RETRIEVAL_COLUMNS = ["mapping", "space", "k", "k_rule", "distance", "direction", "pairs", "top1", "top5", "mrr"]


@dataclass(frozen=True)
class AlignmentReport:
    """Every alignment measure of one collection, as tables.

    ``retrieval``: one row per mapping, space (``tf-idf`` or ``themes``), K, distance and
    direction, with top-1, top-5 and MRR. ``language_shares``: per mapping and language,
    the token mass in the shared space. ``pair_shares``: per mapping and direction, the mean
    share of a document's in-space mass on its own translation's terms and on other
    documents' (chance). ``chosen_k`` is the K the selection rule chose (None if not asked),
    ``notes`` what the rule said about it.
    """

    pairs: DocumentPairs
    retrieval: pd.DataFrame
    language_shares: pd.DataFrame
    pair_shares: pd.DataFrame
    chosen_k: int | None = None
    notes: tuple[str, ...] = ()

    def to_text(self) -> str:
        """The three tables as aligned text, for the command line."""
        lines = [f"{len(self.pairs)} document pairs (zh, en)", "", "finding the partner (top-1, top-5, mean reciprocal rank):"]
        retrieval = self.retrieval.assign(k=self.retrieval.k.map(lambda k: "" if pd.isna(k) else str(int(k))))
        lines.append(retrieval.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        lines += ["", "token mass in the shared space, per language:"]
        lines.append(self.language_shares.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        lines += ["", "share of a document's in-space token mass on terms its own translation contains, "
                      "and on other documents' (chance):"]
        lines.append(self.pair_shares.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        if self.chosen_k is not None:
            lines += ["", f"chosen K = {self.chosen_k} by the selection rule"]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def retrieval_rows(zh_by_en: np.ndarray, **labels) -> list[dict]:
    """One row per direction of :func:`retrieval_scores` for zh x en distances
    ``zh_by_en``, with ``labels`` (mapping, space, k, distance ...) in each."""
    rows = []
    for direction, matrix in zip(DIRECTIONS, (zh_by_en, np.asarray(zh_by_en).T)):
        scores = retrieval_scores(matrix)
        rows.append({**labels, "direction": direction, "pairs": scores.n, "top1": scores.top1, "top5": scores.top5, "mrr": scores.mrr})
    return rows


def token_tables(tokens: TokenizedCorpus, pairs: DocumentPairs, mapping: str) -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
    """The TF-IDF retrieval rows, language shares and pair shares of one mapping's tokens."""
    retrieval = retrieval_rows(concept_space_distances(tokens, pairs), mapping=mapping, space="tf-idf", k=None,
                               k_rule=False, distance="cosine")
    shares = language_shares(tokens)
    shares.insert(0, "mapping", mapping)
    pair_rows = [
        {"mapping": mapping, "direction": d, "own_translation": s.own_mean, "other_documents": s.other_mean,
         "own_lowest": float(np.min(s.own))}
        for d, s in pair_token_shares(tokens, pairs).items()
    ]
    return retrieval, shares, pd.DataFrame(pair_rows)


def measure_alignment(
    articles: Sequence[Article],
    *,
    k_values: Sequence[int | str] = (CHOSEN,),
    settings: AnalysisSettings = AnalysisSettings(),
    naive_baseline: bool = True,
    workers: int = 1,
    cache_dir: str | Path | None = None,
) -> AlignmentReport:
    """Every measure of the module docstring on a collection of document pairs.

    ``k_values`` lists the theme spaces to measure: a K, or :data:`CHOSEN` for the K the
    project's rule chooses over ``settings.k_values`` (with ``settings``' seeds). Each is a
    :func:`polthemes.engines.local.run_analysis` with ``settings`` (bootstrap and cross-check
    left out: neither changes the model or its article mixtures); a fixed K is fitted with
    the default chains (the consensus of its chains is measured, as a run reports it). Give no K to measure only the token spaces.
    ``naive_baseline`` adds the token measures of the naive CC-CEDICT mapping
    (:mod:`polthemes.text.naive_mapping`) beside the concept space's, twice: a first sense as
    one joined term (the project's term form), and split into its words.
    """
    from polthemes.engines.local import run_analysis  # the modelling run, only when themes are asked for

    pairs = document_pairs(articles)
    ordered = list(articles)
    retrieval: list[dict] = []
    tokens: TokenizedCorpus | None = None
    chosen_k: int | None = None
    notes: list[str] = []
    theme_rows: list[dict] = []
    for k in k_values:
        if k == CHOSEN:
            run_settings = replace(settings, n_boot=0, cross_check=())
        elif isinstance(k, int) and not isinstance(k, bool):
            run_settings = replace(settings, k_values=(k,), n_boot=0, cross_check=())
        else:
            raise ValueError(f"a K is a whole number or {CHOSEN!r}, got {k!r}")
        logger.info(f"fitting themes at K = {k} ...")
        result = run_analysis(ordered, run_settings, workers=workers, cache_dir=cache_dir, tokens=tokens)
        tokens = result.tokens  # tokenized once, by the first run; every other K reuses them
        fitted_k = result.selection.chosen_k
        if k == CHOSEN:
            chosen_k = fitted_k
            notes += [n for n in (result.selection.warning, result.selection.edge_note, result.selection.stability_note) if n]
        mixtures = result.tables["article_themes"]
        for metric in ("hellinger", "cosine"):
            theme_rows += retrieval_rows(theme_space_distances(mixtures, pairs, metric), mapping=CONCEPT_SPACE,
                                         space="themes", k=fitted_k, k_rule=k == CHOSEN, distance=metric)
    if tokens is None:
        tokens = tokenize_articles(ordered, "crosslingual", workers=workers, cache_dir=cache_dir)
    concept_rows, shares, pair_shares = token_tables(tokens, pairs, CONCEPT_SPACE)
    retrieval += concept_rows
    share_tables, pair_tables = [shares], [pair_shares]
    if naive_baseline:
        from polthemes.text.naive_mapping import naive_cedict_tokens

        for mapping, split in ((NAIVE_MAPPING, False), (NAIVE_SPLIT_MAPPING, True)):
            naive = naive_cedict_tokens(ordered, split_senses=split, cache_dir=cache_dir)
            naive_rows, naive_shares, naive_pairs = token_tables(naive, pairs, mapping)
            retrieval += naive_rows
            share_tables.append(naive_shares)
            pair_tables.append(naive_pairs)
    retrieval += theme_rows
    return AlignmentReport(
        pairs=pairs,
        retrieval=pd.DataFrame(retrieval, columns=RETRIEVAL_COLUMNS).astype({"k": "Int64"}),
        language_shares=pd.concat(share_tables, ignore_index=True),
        pair_shares=pd.concat(pair_tables, ignore_index=True),
        chosen_k=chosen_k,
        notes=tuple(dict.fromkeys(notes)),
    )
