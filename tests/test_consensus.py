"""Theme support: a theme the chains agree on is supported, one chain's accident is flagged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from polthemes.consensus import support_line, theme_support
from polthemes.models import make_model
from polthemes.synthetic import planted_corpus

SEEDS = (11, 12, 13)


def _chains(bag, k: int) -> list:
    return [make_model("tomotopy", n_topics=k, random_state=seed).fit(bag) for seed in SEEDS]


def test_planted_themes_are_found_by_every_chain():
    planted = planted_corpus(n_documents=300, n_topics=4, n_terms=150, document_length=60, seed=5)
    chains = _chains(planted.bag(), 4)
    support = theme_support(chains[0], chains, [f"t{i}" for i in range(4)])
    assert list(support.found_by) == [3, 3, 3, 3] and support.supported.all()
    assert (support.agreement >= 0.8).all() and list(support.chains) == [3] * 4


def test_themes_of_noise_are_not_supported():
    rng = np.random.default_rng(0)
    vocabulary = [f"w{j:03d}" for j in range(150)]
    documents = [list(rng.choice(vocabulary, size=60)) for _ in range(300)]  # no topic at all
    from polthemes.features import bag_of_words

    chains = _chains(bag_of_words(documents, vocabulary=vocabulary), 4)
    support = theme_support(chains[0], chains, [f"t{i}" for i in range(4)])
    # A finite noise corpus has chance co-occurrences two chains may share, but the chains
    # do not agree the way they agree on planted themes, and some theme is one chain's alone.
    assert support.agreement.mean() < 0.5
    alone = support[support.found_by == 1]
    assert len(alone) >= 1 and not alone.supported.any()
    assert "fewer than half of the chains found it" in support_line(alone.iloc[0])


def test_one_chain_supports_nothing_and_says_so():
    planted = planted_corpus(n_documents=100, n_topics=3, n_terms=100, document_length=40, seed=1)
    (chain,) = _chains(planted.bag(), 3)[:1]
    support = theme_support(chain, [chain], ["a", "b", "c"])
    assert math.isnan(support.support[0]) and not support.supported.any()
    assert support_line(support.iloc[0]) == "one chain: support not measured"
