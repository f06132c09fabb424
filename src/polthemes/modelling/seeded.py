"""Seeded (keyword-assisted) LDA: themes named before fitting, beside themes left free.

keyATM's question, "how much of each article is about the mass line?", needs a topic that
*is* the mass line in every chain and every run, not whichever free topic happens to hold
群众路线 this time. Each named theme gets seed terms (concept terms of the glossary, so a
seed counts in both languages); through tomotopy's ``set_word_prior`` a seed term's prior
weight is :data:`SEED_WEIGHT` in its own theme and :data:`ELSEWHERE_WEIGHT` in every other
topic, so its tokens go to its theme, and the theme gathers the words they keep company
with. The free topics follow behind the named ones and are an ordinary LDA's.

Named themes come first (topic ``i`` is the ``i``-th named theme of the fit), so a named
theme needs no matching across chains: that is what lets its share be pooled over chains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from polthemes.modelling.backends import ModelParameterError, TomotopyLDA

#: Prior weight of a seed term in its own theme (the default topic-word prior is 0.01).
SEED_WEIGHT = 1.0
#: Prior weight of a seed term in every other topic: near zero, so its tokens stay in its theme.
ELSEWHERE_WEIGHT = 1e-5


class SeededLDA(TomotopyLDA):
    """tomotopy LDA whose first ``len(seeds)`` topics are named and seeded.

    ``seeds`` maps each named theme, in topic order, to its seed terms; ``n_topics`` counts
    named and free topics together. Seed terms missing from the bag are ignored (the caller
    reports a named theme none of whose seeds occur: :func:`polthemes.themes.named.fit_named_themes`).
    """

    backend = "tomotopy"

    def __init__(self, n_topics: int = 10, *, seeds: Mapping[str, Sequence[str]] | None = None,
                 seed_weight: float = SEED_WEIGHT, **parameters) -> None:
        super().__init__(n_topics, **parameters)
        self.seeds = dict(seeds or {})
        self.seed_weight = seed_weight

    def _before_training(self, model) -> None:
        if len(self.seeds) > self.n_topics:
            raise ModelParameterError(f"{len(self.seeds)} named themes need at least as many topics, got K={self.n_topics}")
        owner: dict[str, int] = {}
        for k, (name, terms) in enumerate(self.seeds.items()):
            for term in terms:
                if owner.setdefault(term, k) != k:
                    raise ModelParameterError(f"seed term {term!r} belongs to two named themes ({list(self.seeds)[owner[term]]} and {name})")
        known = set(model.vocabs)  # used_vocabs is empty until the first sweep
        for term, k in sorted(owner.items()):
            if term in known:
                model.set_word_prior(term, [self.seed_weight if j == k else ELSEWHERE_WEIGHT for j in range(self.n_topics)])
