"""Seeded (keyword-assisted) LDA: themes named before fitting, beside themes left free.

keyATM's question, "how much of each article is about the mass line?", needs a topic that
*is* the mass line in every chain and every run, not whichever free topic happens to hold
群众路线 this time. Each named theme gets seed terms (concept terms of the glossary, so a
seed counts in both languages); through tomotopy's ``set_word_prior`` a seed term's prior
weight is :data:`SEED_WEIGHT` in its own theme and :data:`ELSEWHERE_WEIGHT` in every other
topic, so its tokens go to its theme, and the theme gathers the words they keep company
with. The free topics follow behind the named ones and are an ordinary LDA's.

Every other word's prior in a named theme is :data:`NAMED_ETA_SHARE` of a free topic's, so a
named theme stays *narrow*: it takes a word only where the word's tokens keep company with
its seeds, not the whole register of speech its seeds appear in. With the free topics' prior
(0.01) on every word, theme education on the Xinwen Lianbo archive became the register of
every political study item (xi_jinping, implement, persevere, central_committee: 79,000
tokens around 661 seed tokens) and peaked in 2022-10, the Party Congress, not in the 2023
campaign. Measured on a 6,000-item sample, 20 free themes, first seed 20260721:

===============  ==============  ============================================  ==========
non-seed prior   theme's tokens  its top terms                                 peak month
===============  ==============  ============================================  ==========
0.01 (free's)    78,897          xi_jinping implement persever impel ...       2022-10
1e-3             11,309          cppcc committe member chairperson ...         2023-03
1e-4 (default)   2,585           investigation_and_research theme_education    2023-04
                                 study_and_implement effect study ...
1e-5             693             the seeds and a few place names               2023-04
===============  ==============  ============================================  ==========

The mentions of 主题教育 peak in 2023-04, -05, -07, -06; at 1e-4 the theme's top months are
2023-04, -05, -06, -12 (the same with first seed 1000), and it still holds four times its
seeds' tokens: a theme, not a count of its seeds, which 1e-5 is.

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
#: A non-seed word's prior in a named theme, as a share of the free topics' (see above).
NAMED_ETA_SHARE = 0.01


class SeededLDA(TomotopyLDA):
    """tomotopy LDA whose first ``len(seeds)`` topics are named and seeded.

    ``seeds`` maps each named theme, in topic order, to its seed terms; ``n_topics`` counts
    named and free topics together. Seed terms missing from the bag are ignored (the caller
    reports a named theme none of whose seeds occur: :func:`polthemes.themes.named.fit_named_themes`).
    """

    backend = "tomotopy"

    def __init__(self, n_topics: int = 10, *, seeds: Mapping[str, Sequence[str]] | None = None,
                 seed_weight: float = SEED_WEIGHT, named_eta_share: float = NAMED_ETA_SHARE, **parameters) -> None:
        super().__init__(n_topics, **parameters)
        if not 0 < named_eta_share <= 1:
            raise ModelParameterError(f"named_eta_share must be in (0, 1], got {named_eta_share}")
        self.seeds = dict(seeds or {})
        self.seed_weight = seed_weight
        self.named_eta_share = named_eta_share

    def _before_training(self, model) -> None:
        if len(self.seeds) > self.n_topics:
            raise ModelParameterError(f"{len(self.seeds)} named themes need at least as many topics, got K={self.n_topics}")
        owner: dict[str, int] = {}
        for k, (name, terms) in enumerate(self.seeds.items()):
            for term in terms:
                if owner.setdefault(term, k) != k:
                    raise ModelParameterError(f"seed term {term!r} belongs to two named themes ({list(self.seeds)[owner[term]]} and {name})")
        named = len(self.seeds)
        narrow = [self.eta * self.named_eta_share] * named + [self.eta] * (self.n_topics - named)
        for term in model.vocabs:  # used_vocabs is empty until the first sweep
            k = owner.get(term)
            if k is None:
                model.set_word_prior(term, narrow)
            else:
                model.set_word_prior(term, [self.seed_weight if j == k else ELSEWHERE_WEIGHT for j in range(self.n_topics)])
