"""Matching the topics of two runs one to one: the project's one Hungarian assignment.

Chains, bootstrap replicates, cross-check backends and planted corpora are all compared
theme by theme, and a theme's number means nothing across runs, so every comparison first
pairs topics so that the total similarity is largest (``scipy``'s linear-sum assignment).
Two similarities are used: top-term overlap, for runs over different vocabularies or
where a reader's view (the top terms) is what must agree; and cosine between topic-word
rows, for runs over the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def best_pairs(similarity: np.ndarray) -> list[tuple[int, int, float]]:
    """``(i, j, similarity[i, j])`` for the one-to-one pairing of rows and columns whose total
    similarity is largest, in row order."""
    rows, cols = linear_sum_assignment(-np.asarray(similarity, dtype=float))
    return [(int(i), int(j), float(similarity[i, j])) for i, j in zip(rows, cols)]


def match_topics(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> list[tuple[int, int, float]]:
    """One-to-one matching of two runs' topics maximising top-term overlap: (i, j, overlap)."""
    sets_a, sets_b = [set(t) for t in a], [set(t) for t in b]
    n = max(len(t) for t in a) if a else 1
    return best_pairs(np.array([[len(x & y) / n for y in sets_b] for x in sets_a]))


def cosine_similarity_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine between every row of ``a`` and every row of ``b`` (topics x topics)."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def align_topics(reference: np.ndarray, other: np.ndarray) -> list[int]:
    """For each reference topic, the index of the matching topic of ``other`` (max cosine)."""
    return [j for _, j, _ in best_pairs(cosine_similarity_rows(reference, other))]
