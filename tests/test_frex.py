"""FREX labels (stm's labelTopics): terms frequent in a theme and exclusive to it."""

from __future__ import annotations

import numpy as np
import pytest

from polthemes.themes.labels import frex_scores, frex_top_terms


def test_a_word_every_theme_uses_is_top_by_probability_but_not_by_frex():
    # Three themes of party reports over a vocabulary of 40 terms: 工作 ("work") is the most
    # probable term of each, as a corpus-wide word is; each theme has three words of its own;
    # the rest are background words every theme uses a little.
    own = [["党建", "党员", "支部"], ["生产", "职工", "安全"], ["学习", "教育", "理论"]]
    background = [f"词{i}" for i in range(30)]
    vocabulary = ["工作"] + [w for words in own for w in words] + background
    rng = np.random.default_rng(7)
    beta = np.zeros((3, len(vocabulary)))
    for k in range(3):
        beta[k, 0] = 0.20
        for j, words in enumerate(own):
            for i, word in enumerate(words):
                beta[k, vocabulary.index(word)] = [0.15, 0.12, 0.10][i] if j == k else 0.005
        beta[k, 10:] = rng.dirichlet(np.ones(30)) * (1 - beta[k, :10].sum())
    assert all(np.argmax(row) == 0 for row in beta)  # 工作 wins on probability everywhere
    top_frex = frex_top_terms(beta, vocabulary, n=3)
    assert [set(row) for row in top_frex] == [set(words) for words in own]
def test_frex_is_the_harmonic_mean_of_the_frequency_and_exclusivity_ranks():
    rng = np.random.default_rng(3)
    beta = rng.dirichlet(np.ones(40), size=4)
    scores = frex_scores(beta, weight=0.3)
    exclusivity = beta / beta.sum(axis=0)
    k, v = 2, 17
    frequency_rank = (beta[k] <= beta[k, v]).sum() / beta.shape[1]  # no ties in random draws
    exclusivity_rank = (exclusivity[k] <= exclusivity[k, v]).sum() / beta.shape[1]
    assert scores[k, v] == pytest.approx(1 / (0.3 / exclusivity_rank + 0.7 / frequency_rank))
    assert np.all((scores > 0) & (scores <= 1))


def test_a_rare_exclusive_term_does_not_beat_a_frequent_exclusive_one():
    # A term seen only in theme 0 but rarely is perfectly exclusive; FREX still prefers the
    # frequent term that is nearly as exclusive.
    vocabulary = ["rare", "frequent", "shared", "other"]
    beta = np.array([[0.01, 0.59, 0.30, 0.10], [1e-9, 0.01, 0.30, 0.69]])
    assert frex_top_terms(beta, vocabulary, n=1)[0] == ["frequent"]


def test_bad_weights_and_shapes_are_named():
    with pytest.raises(ValueError, match="weight"):
        frex_scores(np.ones((2, 3)), weight=1.0)
    with pytest.raises(ValueError, match="topics x terms"):
        frex_scores(np.ones(3))


def test_tied_ranks_share_their_mean_rank_as_scipy_gives_them():
    """FREX ranks ties by their mean rank (scipy's rankdata, computed with pandas so a run
    does not import scipy.stats); rounded shares tie often in small corpora."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(5)
    beta = rng.dirichlet(np.ones(30), size=5)
    beta[:, :6] = beta[:, :1]  # six terms tied in every theme
    beta /= beta.sum(axis=1, keepdims=True)
    exclusivity = beta / beta.sum(axis=0)
    expected = 1.0 / (0.5 / (rankdata(np.round(exclusivity, 12), axis=1) / 30) + 0.5 / (rankdata(np.round(beta, 12), axis=1) / 30))
    np.testing.assert_array_equal(frex_scores(beta, weight=0.5), expected)
