"""Bag-of-words and TF-IDF over the project's own terms (nothing is re-tokenized here).

Every model reads the same :class:`BagOfWords`: a sparse documents x terms count matrix
over a sorted vocabulary, so the same input always gives the same columns in the same
order, whichever backend fits it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse


class EmptyVocabularyError(ValueError):
    """Filtering left no term (or no document) to model; the message says which filter."""


@dataclass(frozen=True)
class BagOfWords:
    """``counts`` is documents x terms; ``vocabulary[j]`` names column ``j``."""

    vocabulary: tuple[str, ...]
    counts: sparse.csr_matrix

    @property
    def n_documents(self) -> int:
        return self.counts.shape[0]

    @property
    def n_terms(self) -> int:
        return self.counts.shape[1]

    def document_terms(self, row: int) -> list[str]:
        """The document's terms, each repeated by its count, in vocabulary order."""
        start, end = self.counts.indptr[row], self.counts.indptr[row + 1]
        repeated = np.repeat(self.counts.indices[start:end], self.counts.data[start:end].astype(np.int64))
        return self._terms_array[repeated].tolist()

    def rows(self, picked: Sequence[int] | np.ndarray) -> BagOfWords:
        """The bag of documents ``picked`` (repeats allowed, in that order), same vocabulary:
        what :func:`bag_of_words` counts from those documents against this vocabulary,
        taken from the matrix instead of counted again (a bootstrap draw of the archive's
        24,000 units is 5 s of Python counting, and a row slice a few milliseconds)."""
        return BagOfWords(self.vocabulary, self.counts[np.asarray(picked, dtype=np.int64)])

    @cached_property
    def _terms_array(self) -> np.ndarray:
        """The vocabulary as an object array, so a row's terms are one fancy index (every
        chain of a sweep converts the whole bag: 2 s on the archive as a Python loop)."""
        return np.array(self.vocabulary, dtype=object)


def bag_of_words(
    documents: Sequence[Sequence[str]],
    *,
    min_count: int = 1,
    min_documents: int = 1,
    max_document_share: float = 1.0,
    vocabulary: Sequence[str] | None = None,
) -> BagOfWords:
    """Count ``documents`` (each a sequence of terms) over a filtered, sorted vocabulary.

    A term is kept when it occurs at least ``min_count`` times in all, in at least
    ``min_documents`` documents, and in at most ``max_document_share`` of them. Pass
    ``vocabulary`` to count against a fixed one (e.g. articles against a unit model's).
    Documents may end up empty; rows are never dropped, so row ``i`` is document ``i``.
    """
    if vocabulary is None:
        total: Counter[str] = Counter()
        document_frequency: Counter[str] = Counter()
        for document in documents:
            total.update(document)
            document_frequency.update(set(document))
        vocabulary = select_vocabulary(
            total, document_frequency, len(documents),
            min_count=min_count, min_documents=min_documents, max_document_share=max_document_share,
        )
    column = {term: j for j, term in enumerate(vocabulary)}
    rows, cols, values = [], [], []
    for i, document in enumerate(documents):
        counted = Counter(term for term in document if term in column)
        for term in sorted(counted, key=column.__getitem__):
            rows.append(i)
            cols.append(column[term])
            values.append(counted[term])
    counts = sparse.csr_matrix(
        (np.asarray(values, dtype=np.int64), (rows, cols)), shape=(len(documents), len(vocabulary))
    )
    return BagOfWords(tuple(vocabulary), counts)


def select_vocabulary(
    total: Mapping[str, int],
    document_frequency: Mapping[str, int],
    n_documents: int,
    *,
    min_count: int = 1,
    min_documents: int = 1,
    max_document_share: float = 1.0,
) -> list[str]:
    """The sorted terms that pass the filters of :func:`bag_of_words`, from counts alone.

    Separate so an engine that counts elsewhere (Spark executors) keeps exactly the terms
    the local engine keeps.
    """
    max_documents = max_document_share * n_documents
    vocabulary = sorted(
        term for term, n in total.items() if n >= min_count and min_documents <= document_frequency[term] <= max_documents
    )
    if not vocabulary:
        raise EmptyVocabularyError(
            f"no term left after filtering {len(total)} terms of {n_documents} documents "
            f"(min_count={min_count}, min_documents={min_documents}, max_document_share={max_document_share})"
        )
    return vocabulary


def tfidf(bag: BagOfWords) -> sparse.csr_matrix:
    """TF-IDF weights (smoothed idf, l2-normalised rows), documents x terms.

    scikit-learn's ``TfidfTransformer(norm="l2", smooth_idf=True)``, operation for operation,
    so the weights are the same floats (tested against it): importing scikit-learn costs
    every process 2 s (it imports scipy.stats), and a run needs only these few lines of it.
    """
    weights = bag.counts.astype(np.float64).tocsr()
    n_documents = weights.shape[0] + 1  # smoothed: as if one more document held every term once
    document_frequency = np.bincount(weights.indices, minlength=weights.shape[1]).astype(np.float64) + 1.0
    idf = np.log(n_documents / document_frequency) + 1.0
    weights.data *= idf[weights.indices]
    return _l2_normalised_rows(weights)


def _l2_normalised_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row divided by its Euclidean norm, summed entry by entry in row order as
    scikit-learn's ``normalize`` does; an all-zero row stays zero."""
    matrix = matrix.copy()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(rows, weights=matrix.data * matrix.data, minlength=matrix.shape[0]))
    norms[norms == 0.0] = 1.0
    matrix.data /= norms[rows]
    return matrix


def distinctive_terms(bag: BagOfWords, document_ids: Sequence[str], n: int = 15) -> pd.DataFrame:
    """The ``n`` highest TF-IDF terms of each document: columns id, rank, term, tfidf, count.

    Ties in weight are broken by term, so the table is stable across runs.
    """
    weights = tfidf(bag)
    counts = bag.counts.tocsr()
    term_rank = np.empty(bag.n_terms, dtype=np.int64)  # position of each column's term in sorted order
    term_rank[sorted(range(bag.n_terms), key=bag.vocabulary.__getitem__)] = np.arange(bag.n_terms)
    ids, ranks, terms, values, term_counts = [], [], [], [], []
    for i, document_id in enumerate(document_ids):
        start, end = weights.indptr[i], weights.indptr[i + 1]
        columns = weights.indices[start:end]
        rounded = np.round(weights.data[start:end], 12)
        best = np.lexsort((term_rank[columns], -rounded))[:n]
        count_start, count_end = counts.indptr[i], counts.indptr[i + 1]
        count_of = dict(zip(counts.indices[count_start:count_end].tolist(), counts.data[count_start:count_end].tolist()))
        for rank, position in enumerate(best.tolist(), start=1):
            j = int(columns[position])
            ids.append(document_id)
            ranks.append(rank)
            terms.append(bag.vocabulary[j])
            values.append(round(float(weights.data[start + position]), 6))
            term_counts.append(int(count_of[j]))
    return pd.DataFrame({"id": ids, "rank": ranks, "term": terms, "tfidf": values, "count": term_counts},
                        columns=["id", "rank", "term", "tfidf", "count"])


def document_similarity(bag: BagOfWords, document_ids: Sequence[str]) -> pd.DataFrame:
    """Cosine similarity of TF-IDF vectors, documents x documents, labelled by id."""
    # scikit-learn's cosine_similarity: rows normalised (again), then every pair's dot product.
    weights = _l2_normalised_rows(tfidf(bag))
    matrix = (weights @ weights.T).toarray()
    return pd.DataFrame(np.round(matrix, 6), index=list(document_ids), columns=list(document_ids))
