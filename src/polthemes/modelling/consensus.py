"""Consensus themes: what the chains at the chosen K agree on, and how many found each theme.

A Gibbs chain started from another seed lands in another optimum; a theme that only one
chain finds is that chain's accident, not a finding about the corpus. The K sweep already
fits several chains (seeds) at every K, so at the chosen K each theme of the most likely
chain (the *reference*) is matched one to one (Hungarian, on top-term overlap:
:func:`polthemes.modelling.selection.match_topics`) against the topics of every other chain. A theme
counts as *found* by a chain when at least :data:`MIN_SHARED_TERMS` of its top terms are
shared; its **support** is the share of chains that found it (the reference included), its
**agreement** the mean matched overlap over the other chains. This is the anchor of gensim's
EnsembleLda (topics that recur across many models are the stable ones), applied to the
chains a run has already paid for.

:func:`consensus_model` goes one step further than reporting support: each reported theme is
the mean of its matched topics over every chain that found it, and each document's mixture
the mean of the chains' mixtures with their topics matched. One chain's top terms move with its seed (on
the five seed articles two first seeds shared as few as half of a theme's top ten); their
mean over the chains that agree does not, so the answer the README cites does not hinge on
the seed that was fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from polthemes.modelling.features import BagOfWords
from polthemes.modelling.backends import TopicModel, fold_in_mixtures
from polthemes.modelling.selection import COHERENCE_TOP_N, match_topics

#: A chain has found a theme when this share of the theme's top terms are shared (matched).
MIN_SHARED_TERMS = 0.5
#: Below this support a theme is flagged: fewer than half of the chains found it.
MIN_SUPPORT = 0.5


def matched_topics(reference: TopicModel, chains: Sequence[TopicModel], *, n: int = COHERENCE_TOP_N) -> tuple[np.ndarray, np.ndarray]:
    """For every other chain (in order), the topic matched to each reference theme and its
    top-``n`` overlap: two arrays, other chains x themes."""
    others = [chain for chain in chains if chain is not reference]
    reference_top = reference.top_terms(n)
    matches = np.zeros((len(others), reference.n_topics), dtype=int)
    overlaps = np.zeros((len(others), reference.n_topics))
    for c, chain in enumerate(others):
        for i, j, overlap in match_topics(reference_top, chain.top_terms(n)):
            matches[c, i], overlaps[c, i] = j, overlap
    return matches, overlaps


class ConsensusTopics(TopicModel):
    """The themes the chains agree on, behind the same interface as a fitted backend.

    Built by :func:`consensus_model`, not fitted: ``components_`` are the mean topic-word
    distributions of each reference theme over the chains that found it, and
    ``document_topics_`` the mean of every chain's mixtures, topics matched to the reference's;
    new documents are estimated under the averaged topics by
    :func:`~polthemes.modelling.backends.fold_in_mixtures`. ``reference_`` is the most likely chain (its native model is what the
    results folder saves), ``found_by_`` how many chains each theme was averaged over.
    Convergence and priors are the reference's.
    """

    def __init__(self, reference: TopicModel, components: np.ndarray, document_topics: np.ndarray, found_by: np.ndarray) -> None:
        super().__init__(reference.n_topics, alpha=reference.alpha, eta=reference.eta, max_iter=reference.max_iter,
                         random_state=reference.random_state, workers=reference.workers)
        self.backend = reference.backend
        self.reference_ = reference
        self.alpha_, self.max_iter_ = reference.alpha_, reference.max_iter_
        self.n_iter_, self.converged_, self.convergence_ = reference.n_iter_, reference.converged_, reference.convergence_
        self.vocabulary_ = reference.vocabulary_
        self.components_ = components
        self.document_topics_ = document_topics
        self.found_by_ = found_by

    def native_model(self) -> tuple[str, bytes] | None:
        """The reference chain's native model: the averaged themes have no native format."""
        return self.reference_.native_model()

    def _fit(self, bag):
        raise TypeError("a consensus model is built from fitted chains by consensus_model(), not fitted")

    def _transform(self, bag):
        return fold_in_mixtures(bag.counts, self.components_, self.alpha_)


def consensus_model(reference: TopicModel, chains: Sequence[TopicModel], bag: BagOfWords) -> TopicModel:
    """The consensus of ``chains`` (which may include ``reference``) on ``bag``, the counts they
    were fitted on; ``reference`` itself when there is no other chain to agree with."""
    others = [chain for chain in chains if chain is not reference]
    if not others:
        return reference
    matches, overlaps = matched_topics(reference, others)
    components = reference.components_.copy()
    found_by = np.ones(reference.n_topics, dtype=int)
    for c, chain in enumerate(others):
        found = overlaps[c] >= MIN_SHARED_TERMS
        components[found] += chain.components_[matches[c, found]]
        found_by[found] += 1
    components /= found_by[:, None]
    components /= components.sum(axis=1, keepdims=True)
    # Mixtures: every chain's own, its topics put in the reference's order, averaged. (A
    # fold-in under the averaged topics made them sharper than any chain's: a mean of the
    # chains' versions of a theme covers more words than each, so fewer themes explain a
    # document, and the shares then lay outside the bootstrap's intervals of single chains.)
    mixtures = reference.document_topics_.copy()
    for c, chain in enumerate(others):
        mixtures += chain.document_topics_[:, matches[c]]
    mixtures /= mixtures.sum(axis=1, keepdims=True)
    return ConsensusTopics(reference, components, mixtures, found_by)


def theme_support(
    reference: TopicModel, chains: Sequence[TopicModel], labels: Sequence[str], *, n: int = COHERENCE_TOP_N
) -> pd.DataFrame:
    """One row per theme of ``reference``: how many of ``chains`` (which may include the
    reference itself; it is counted once) found it, and how closely.

    Columns: ``theme, label, chains, found_by, support, agreement, lowest_overlap, supported``.
    With no other chain, ``support`` and ``agreement`` are empty (nothing was compared) and
    ``supported`` is False: one chain cannot support anything.
    """
    others = [chain for chain in chains if chain is not reference]
    overlaps = matched_topics(reference, others, n=n)[1].T  # themes x other chains: the consensus' own matching
    rows = []
    for theme, label in enumerate(labels):
        found = 1 + int((overlaps[theme] >= MIN_SHARED_TERMS).sum()) if others else 1
        support = found / (len(others) + 1) if others else float("nan")
        rows.append(
            {
                "theme": theme,
                "label": label,
                "chains": len(others) + 1,
                "found_by": found,
                "support": round(support, 6) if others else support,
                "agreement": round(float(overlaps[theme].mean()), 6) if others else float("nan"),
                "lowest_overlap": round(float(overlaps[theme].min()), 6) if others else float("nan"),
                "supported": bool(others) and support >= MIN_SUPPORT,
            }
        )
    return pd.DataFrame(rows)


def support_line(row: pd.Series) -> str:
    """``found by 3 of 3 chains, agreement 0.72`` (or why it cannot be said) for printing."""
    if row.chains <= 1:
        return "one chain: support not measured"
    flag = "" if row.supported else "; fewer than half of the chains found it: treat as tentative"
    return f"found by {row.found_by} of {row.chains} chains, agreement {row.agreement:.2f}{flag}"
