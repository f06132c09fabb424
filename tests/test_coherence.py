"""Our vectorised coherence counts give exactly gensim's CoherenceModel scores."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

from polthemes.modelling.coherence import CoherenceCounts
from polthemes.text.pipeline import TokenPipeline
from polthemes.modelling.units import modelling_units


def gensim_coherence(texts, topics, measure):
    dictionary = Dictionary(texts)
    corpus = [dictionary.doc2bow(t) for t in texts]
    model = CoherenceModel(topics=topics, texts=texts, corpus=corpus, dictionary=dictionary, coherence=measure,
                           topn=max(map(len, topics)), processes=1)
    return float(np.nan_to_num(model.get_coherence()))


@pytest.fixture(scope="module")
def seed_units(seed_report):
    tokens = TokenPipeline().fit_transform(seed_report.articles)
    return [list(u.terms) for u in modelling_units(tokens, "paragraph")]


def test_npmi_and_u_mass_equal_gensims_on_the_seed_paragraphs(seed_units):
    counts = CoherenceCounts(seed_units)
    frequent = [t for t, _ in Counter(t for u in seed_units for t in u).most_common(40)]
    vocabulary = sorted({t for u in seed_units for t in u})
    rng = random.Random(7)
    for _ in range(6):
        # Frequent words co-occur often (windows with repeats); random ones rarely or never.
        topics = [rng.sample(frequent, 10), rng.sample(frequent, 10), rng.sample(vocabulary, 10)]
        assert counts.npmi(topics) == pytest.approx(gensim_coherence(seed_units, topics, "c_npmi"), abs=1e-12)
        assert counts.u_mass(topics) == pytest.approx(gensim_coherence(seed_units, topics, "u_mass"), abs=1e-12)


def test_repeated_words_in_a_window_are_counted_as_gensim_counts_them():
    """gensim unmarks a word when one occurrence leaves the window even if another is still
    inside; texts full of repeats and shorter than the window exercise every case."""
    texts = [list("aabacadaeafagahaiajakal"), list("abc"), list("b" * 24 + "abab"), list("xyzaxyzbxyzaxyzb") * 3]
    counts = CoherenceCounts(texts)
    for topics in ([list("ab"), list("abc"), list("xyz")], [list("ab"), list("ax")], [list("aq"), list("by")]):
        for measure, ours in (("c_npmi", counts.npmi), ("u_mass", counts.u_mass)):
            assert ours(topics) == pytest.approx(gensim_coherence(texts, topics, measure), abs=1e-12), (topics, measure)
