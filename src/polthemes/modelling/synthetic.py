"""Corpora drawn from the LDA generative process, with the topics that generated them.

Used by the tests (does each backend recover planted topics?) and the benchmarks (how fast
does it get there?). Topic-word distributions are drawn sparse so topics are recoverable
in principle; recovery is measured by :func:`topic_recovery`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.matching import best_pairs, cosine_similarity_rows


@dataclass(frozen=True)
class PlantedCorpus:
    documents: list[list[str]]
    topics: np.ndarray  # topics x vocabulary, rows sum to one
    vocabulary: tuple[str, ...]
    #: documents x topics: the mixture each document was drawn from.
    mixtures: np.ndarray | None = None

    def bag(self) -> BagOfWords:
        """Counts over the full planted vocabulary, columns aligned with ``topics``."""
        return bag_of_words(self.documents, vocabulary=self.vocabulary)


def planted_corpus(
    n_documents: int = 1000,
    n_topics: int = 8,
    n_terms: int = 400,
    document_length: int = 80,
    *,
    alpha: float = 0.1,
    eta: float = 0.02,
    seed: int = 0,
) -> PlantedCorpus:
    """Draw documents: theta ~ Dir(alpha), topic ~ theta, term ~ phi[topic], phi ~ Dir(eta)."""
    rng = np.random.default_rng(seed)
    vocabulary = tuple(f"w{j:05d}" for j in range(n_terms))
    topics = rng.dirichlet(np.full(n_terms, eta), size=n_topics)
    documents, mixtures = [], []
    for _ in range(n_documents):
        theta = rng.dirichlet(np.full(n_topics, alpha))
        mixtures.append(theta)
        assignments = rng.choice(n_topics, size=document_length, p=theta)
        counts = np.bincount(assignments, minlength=n_topics)
        words = []
        for k, n in enumerate(counts):
            if n:
                words.extend(vocabulary[j] for j in rng.choice(n_terms, size=n, p=topics[k]))
        documents.append(words)
    return PlantedCorpus(documents, topics, vocabulary, np.array(mixtures))


def topic_recovery(estimated: np.ndarray, planted: np.ndarray) -> float:
    """Mean cosine between planted topics and estimated ones, matched one to one (Hungarian)."""
    return float(np.mean([s for _, _, s in best_pairs(cosine_similarity_rows(planted, estimated))]))


def planted_effect_corpus(
    n_per_group: int = 60,
    effect: float = 0.6,
    *,
    n_topics: int = 3,
    n_terms: int = 300,
    document_length: int = 120,
    concentration: float = 8.0,
    eta: float = 0.02,
    seed: int = 0,
) -> tuple[PlantedCorpus, list[str]]:
    """A planted corpus in two groups, ``a`` and ``b``, whose mixtures differ by design:
    theme 0 takes on average ``effect`` more of a ``b`` document than of an ``a`` one
    (mean share 0.1 in ``a``, 0.1 + ``effect`` in ``b``; the rest split evenly). Mixtures
    are Dirichlet with the group's mean and ``concentration``. Returns the corpus and each
    document's group, for tests that must recover the effect."""
    if not 0 < effect < 0.9:
        raise ValueError(f"effect must lie between 0 and 0.9, got {effect}")
    rng = np.random.default_rng(seed)
    vocabulary = tuple(f"w{j:05d}" for j in range(n_terms))
    topics = rng.dirichlet(np.full(n_terms, eta), size=n_topics)
    documents, mixtures, groups = [], [], []
    for group, first in (("a", 0.1), ("b", 0.1 + effect)):
        mean = np.array([first] + [(1 - first) / (n_topics - 1)] * (n_topics - 1))
        for _ in range(n_per_group):
            theta = rng.dirichlet(mean * concentration)
            counts = np.bincount(rng.choice(n_topics, size=document_length, p=theta), minlength=n_topics)
            words = [vocabulary[j] for k, c in enumerate(counts) if c for j in rng.choice(n_terms, size=c, p=topics[k])]
            documents.append(words)
            mixtures.append(theta)
            groups.append(group)
    return PlantedCorpus(documents, topics, vocabulary, np.array(mixtures)), groups
