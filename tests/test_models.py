"""Topic models: each backend recovers topics planted by the LDA generative process."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from polthemes.config import DEFAULT_SEED
from polthemes.modelling.features import bag_of_words
from polthemes.modelling.backends import BACKENDS, ModelParameterError, TomotopyLDA, fold_in_mixtures, make_model, top_terms_per_topic
from polthemes.modelling.matching import align_topics, match_topics
from polthemes.modelling.selection import SelectionError, seed_stability, sweep_k, topic_diversity
from polthemes.settings import BACKEND_NAMES
from polthemes.modelling.synthetic import planted_corpus, topic_recovery

N_TOPICS = 5


@pytest.fixture(scope="module")
def planted():
    return planted_corpus(n_documents=400, n_topics=N_TOPICS, n_terms=200, document_length=60, seed=3)


@pytest.fixture(scope="module")
def fitted(planted):
    bag = planted.bag()
    return {name: make_model(name, n_topics=N_TOPICS, random_state=DEFAULT_SEED).fit(bag) for name in BACKENDS}


def test_settings_name_exactly_the_backends_implemented():
    assert tuple(BACKENDS) == BACKEND_NAMES


def test_default_backend_recovers_planted_topics(planted, fitted):
    assert topic_recovery(fitted["tomotopy"].components_, planted.topics) >= 0.95


@pytest.mark.parametrize("backend", ["gensim", "sklearn", "nmf"])
def test_cross_check_backends_recover_planted_topics(planted, fitted, backend):
    assert topic_recovery(fitted[backend].components_, planted.topics) >= 0.75


def test_recovery_measure_tells_planted_topics_from_noise(planted):
    noise = np.random.default_rng(0).dirichlet(np.ones(planted.topics.shape[1]), size=N_TOPICS)
    assert topic_recovery(planted.topics, planted.topics) == pytest.approx(1.0)
    assert topic_recovery(noise, planted.topics) < 0.5


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_fitted_attributes_are_distributions(planted, fitted, backend):
    model = fitted[backend]
    assert model.components_.shape == (N_TOPICS, len(planted.vocabulary))
    assert model.document_topics_.shape == (len(planted.documents), N_TOPICS)
    assert np.allclose(model.components_.sum(axis=1), 1) and np.allclose(model.document_topics_.sum(axis=1), 1)
    assert model.converged_ in (True, False) and model.convergence_
    assert [len(t) for t in model.top_terms(7)] == [7] * N_TOPICS


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_same_seed_gives_identical_topics(planted, fitted, backend):
    again = make_model(backend, n_topics=N_TOPICS, random_state=DEFAULT_SEED).fit(planted.bag())
    assert np.array_equal(again.components_, fitted[backend].components_)


def test_transform_matches_fitted_mixtures_for_the_default_backend(planted, fitted):
    model = fitted["tomotopy"]
    inferred = model.transform(planted.bag())
    agreement = (inferred.argmax(axis=1) == model.document_topics_.argmax(axis=1)).mean()
    assert agreement >= 0.9


def test_a_fitted_chain_keeps_what_inference_needs_not_every_token_it_sampled(planted, fitted):
    """A K sweep keeps every chain it fitted, and sends each back from a worker: a chain
    carrying its documents (every token and its topic) made the archive's main process
    1.2 GB. Pickled, a chain is its topics and vocabulary, far less than its 24,000 tokens
    as 4-byte numbers; and back from the pickle it infers as before."""
    model = fitted["tomotopy"]
    bag = planted.bag()
    data = pickle.dumps(model)
    assert len(data) < 4 * int(bag.counts.sum())
    assert np.array_equal(pickle.loads(data).transform(bag), model.transform(bag))


def test_folding_in_under_the_planted_topics_recovers_the_planted_mixtures(planted):
    bag = planted.bag()
    folded = fold_in_mixtures(bag.counts, planted.topics, np.full(N_TOPICS, 0.1))
    assert np.allclose(folded.sum(axis=1), 1) and (folded > 0).all()
    assert (folded.argmax(axis=1) == planted.mixtures.argmax(axis=1)).mean() >= 0.9
    assert np.abs(folded - planted.mixtures).mean() < 0.05
    assert np.array_equal(folded, fold_in_mixtures(bag.counts, planted.topics, np.full(N_TOPICS, 0.1)))  # no sampling


def test_a_fitted_chain_folds_in_its_documents_as_close_to_the_truth_as_gibbs_inference_does(planted, fitted):
    """The bootstrap's cheap re-estimation loses nothing against tomotopy's own inference:
    both measured against the mixtures the planted documents were drawn from."""
    model = fitted["tomotopy"]
    order = align_topics(planted.topics, model.components_)
    folded, inferred = model.fold_in(planted.bag())[:, order], model.transform(planted.bag())[:, order]
    assert np.abs(folded - planted.mixtures).mean() <= np.abs(inferred - planted.mixtures).mean()
    assert (folded.argmax(axis=1) == model.document_topics_[:, order].argmax(axis=1)).mean() >= 0.9


def test_folding_in_leaves_out_terms_no_topic_has_and_gives_an_empty_document_the_prior():
    topics = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]])
    prior = np.array([0.3, 0.1])
    with_unknown = bag_of_words([["a", "b", "a"], ["a", "b", "a", "z"], []], vocabulary=("a", "b", "c", "z"))
    folded = fold_in_mixtures(with_unknown.counts, np.hstack([topics[:, :3], np.zeros((2, 1))]), prior)
    assert np.allclose(folded[0], folded[1]) and folded[0, 0] > 0.9
    assert np.allclose(folded[2], prior / prior.sum())


@pytest.mark.parametrize(
    ("k", "message"),
    [(0, "positive integer"), (2.5, "positive integer"), (401, "more than the 400 documents"), (300, "more than the 200 terms")],
)
def test_impossible_k_is_refused_before_fitting(planted, k, message):
    with pytest.raises(ModelParameterError, match=message):
        make_model("tomotopy", n_topics=k).fit(planted.bag())


def test_unknown_backend_and_empty_corpus_are_refused():
    with pytest.raises(ModelParameterError, match="unknown backend 'mallet'; choose one of tomotopy"):
        make_model("mallet")
    empty = bag_of_words([[], []], vocabulary=["a", "b"])
    with pytest.raises(ModelParameterError, match="corpus is empty"):
        make_model("nmf", n_topics=1).fit(empty)


def test_sweep_refuses_bad_ranges_before_any_fit(planted):
    bag = planted.bag()
    with pytest.raises(SelectionError, match="K range is empty"):
        sweep_k(bag, planted.documents, [], [1])
    with pytest.raises(ModelParameterError, match="more than the 200 terms"):
        sweep_k(bag, planted.documents, [3, 250], [1])


def test_sweep_prefers_the_planted_k(planted):
    selection = sweep_k(planted.bag(), planted.documents, [3, 5, 8], [1, 2, 3, 4], heldout_folds=3, workers=2)
    assert selection.chosen_k == N_TOPICS
    assert selection.basis == "stability"
    assert list(selection.summary.k) == [3, 5, 8]
    assert not selection.unstable
    # The reported chain is the most likely one, whatever its seed's place in the list.
    at_k = selection.runs[selection.runs.k == N_TOPICS]
    assert selection.best_seed == int(at_k.seed[at_k.log_likelihood.idxmax()])
    # Held-out fit is worse with too few themes than with the planted number.
    heldout = selection.summary.set_index("k").heldout
    assert heldout[3] < heldout[5]


def test_a_backend_that_ignores_its_seed_measures_no_stability(planted):
    selection = sweep_k(planted.bag(), planted.documents, [3, 5], [1, 2], backend="nmf", heldout_folds=2)
    assert selection.summary.stability.isna().all()  # identical chains agree trivially: not 1.0
    assert selection.basis == "held-out likelihood"
    assert "does not depend on the seed" in selection.stability_note


def test_diversity_and_stability_measures():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]]) == 0.5
    matched = match_topics([["a", "b"], ["c", "d"]], [["c", "x"], ["a", "b"]])
    assert sorted(matched) == [(0, 1, 1.0), (1, 0, 0.5)]
    assert math.isnan(seed_stability([]))  # one run agrees with nothing: not measured, not perfect


def test_the_gibbs_chain_stops_when_settled_on_a_large_corpus_but_samples_a_small_one_long():
    """The default backend stops once the log-likelihood settles, but not before it has drawn
    ``min_sampled_tokens`` assignments: a tiny corpus (like the five seeds) gets every sweep."""
    large = planted_corpus(n_documents=3000, n_topics=5, document_length=80, seed=3)  # 240,000 tokens
    small = planted_corpus(n_documents=30, n_topics=3, document_length=50, seed=3)  # 1,500 tokens
    fitted_large = make_model("tomotopy", n_topics=5, max_iter=1000).fit(large.bag())
    fitted_small = make_model("tomotopy", n_topics=3, max_iter=400).fit(small.bag())
    budget_sweeps = TomotopyLDA.min_sampled_tokens // 240_000
    assert budget_sweeps <= fitted_large.n_iter_ < 1000 and fitted_large.converged_
    assert topic_recovery(fitted_large.components_, large.topics) > 0.95
    assert fitted_small.n_iter_ == 400


def test_a_chain_whose_topics_have_settled_stops_there_with_the_topics_a_long_chain_reaches():
    """Past ``settled_sampled_tokens`` assignments a chain stops once no topic moves any more,
    although its log-likelihood is still creeping; the topics it stops with are the ones it
    would have kept after many more sweeps."""
    corpus = planted_corpus(n_documents=3000, n_topics=5, document_length=80, seed=3)  # 240,000 tokens
    bag = corpus.bag()

    class SettlesEarly(TomotopyLDA):
        settled_sampled_tokens = 30 * 240_000  # settled topics may stop it from 30 sweeps on

    class NeverSettles(TomotopyLDA):
        settled_sampled_tokens = 10**12

    early = SettlesEarly(n_topics=5, random_state=DEFAULT_SEED).fit(bag)
    late = NeverSettles(n_topics=5, random_state=DEFAULT_SEED).fit(bag)
    assert early.settled_ and early.converged_ and "topics settled" in early.convergence_
    assert not late.settled_
    assert 30 <= early.n_iter_ < late.n_iter_
    assert topic_recovery(early.components_, corpus.topics) > 0.95
    # The same chain (same seed) read at its stop and after its long run: the same topics.
    assert topic_recovery(early.components_, late.components_) > 0.99


def test_a_small_corpus_is_never_stopped_by_settled_topics():
    # The seeds' size: the settled rule's budget lies beyond the 1,000 default sweeps.
    small = planted_corpus(n_documents=30, n_topics=3, document_length=50, seed=3)
    fitted = make_model("tomotopy", n_topics=3, max_iter=300).fit(small.bag())
    assert not fitted.settled_ and fitted.n_iter_ == 300


def test_top_terms_rank_by_weight_and_break_float_ties_by_term():
    # Topic 0: "b" and "a" tie up to float noise (below 1e-12), so "a" ranks first; topic 1: plain order.
    weights = np.array([[0.4 + 1e-15, 0.4, 0.2], [0.1, 0.3, 0.6]])
    assert top_terms_per_topic(weights, ["b", "a", "c"], 2) == [["a", "b"], ["c", "a"]]



def test_tomotopy_runs_one_simd_build_on_every_processor_that_has_it():
    """tomotopy's avx512 and avx2 builds sample differently; the package pins avx2 where the
    processor has it, so a seed gives the same themes on a laptop and on a server."""
    import os
    import subprocess
    import sys

    from polthemes.modelling.backends import TOMOTOPY_ISA, _cpu_flags

    if TOMOTOPY_ISA not in _cpu_flags():
        pytest.skip(f"this processor has no {TOMOTOPY_ISA}: tomotopy picks its own build here")
    environment = {key: value for key, value in os.environ.items() if key != "TOMOTOPY_ISA"}
    probe = "from polthemes.modelling.backends import import_tomotopy; print(import_tomotopy().isa)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.strip() == TOMOTOPY_ISA


def test_a_hundred_articles_on_unrelated_subjects_are_never_summarised_by_two_themes():
    # 120 short documents, each about one of 40 unrelated planted subjects: whatever the
    # chains agree on at K = 2, the floor for a corpus this size keeps the answer at 5 or more.
    subjects = planted_corpus(n_documents=120, n_topics=40, n_terms=400, document_length=40, alpha=0.02, seed=9)
    selection = sweep_k(subjects.bag(), subjects.documents, [2, 3, 5, 8], [1, 2], heldout_folds=2, n_documents=120)
    assert selection.floor == 5
    assert selection.chosen_k >= 5
