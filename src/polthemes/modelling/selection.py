"""Choosing K: several chains per K, scored by coherence, stability and held-out fit.

A reviewer asks why these topics and why this many, and whether another seed would give
the same answer. For every K the sweep fits several Gibbs chains (seeds) on the whole corpus
and ``heldout_folds`` more on all but one fold of the units each, and records per chain:
the mean log-likelihood per token of the counts it was fitted on (:func:`log_likelihood`;
the consensus reported at a K is anchored on the most likely chain, never simply the first seed), NPMI and
u_mass coherence (as gensim's CoherenceModel defines them, over the modelled documents,
counted by :mod:`polthemes.modelling.coherence`; c_v is not used, its authors no longer recommend it),
topic diversity (the unique share of top-25 terms); per fold, the held-out likelihood by
document completion (:func:`document_completion`); per K, **stability**: the topics of every
pair of chains matched one to one (Hungarian) and their top-10 term overlap averaged.

Why this rule (:data:`SELECTION_RULE`; the evidence is in ``benchmarks/results/k_rule.md``):
stability is the test a reviewer's question asks for (Greene, O'Callaghan & Cunningham 2014
chose K by it, on BBC News among others). On BBC News (five labels) the default chains agree
on 79% of top terms at K = 5 and on at most 65% from 6 to 10; at K = 2, 3 and 4 on 76-84%,
coarser splits of the news, which is why a floor (:func:`k_floor`)
keeps a corpus of many documents from being summarised by two or three themes whatever the
measures say. The floor counts the documents the model fits (articles, or paragraphs when
a small corpus is modelled by paragraph): on the five seed articles, 42 paragraphs, the
chains' agreement at K = 2 and K = 3 differs by less than it varies between first seeds
(five of ten chose each, benchmarks/results/k_rule.md), so only a floor makes the answer
one; from K = 3 on, all ten choose K = 3. On 65 translation pairs of unrelated news no K is reproduced (at most 57% and 64% in two runs):
held-out likelihood, which keeps rewarding finer themes there, decides instead, and the
answer is flagged. Coherence is shown but does not decide: NPMI rose with K on BBC News
past the five labels (the previous rule, which maximised it, chose K = 9 there) and was
near zero at every K on the translation pairs; held-out likelihood rose with K on every
corpus tried, so it cannot be the first test either.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from polthemes.modelling.coherence import CoherenceCounts
from polthemes.execution import forked_map, pause_point
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.backends import TopicModel, check_backend, check_topic_count, make_model
from polthemes.modelling.matching import match_topics
from polthemes.progress import ProgressCounter

#: Mean matched top-10 overlap between chains at or above which a K's themes count as reproduced.
MIN_STABILITY = 0.65
#: Stability differences smaller than this are ties, broken towards the smaller K.
STABILITY_TIE = 0.01
#: Modelled documents (articles or paragraph units) from which a corpus is never summarised
#: by fewer than this many themes: a hundred news articles in two or three themes say
#: nothing a reader can use.
K_FLOOR = ((100, 5), (50, 4), (20, 3))
SELECTION_RULE = (
    "Only K at or above the floor for the corpus's size are candidates (5 from 100 modelled documents, articles or "
    f"paragraphs, 4 from 50, 3 from 20, else 2). A K is reproduced when its chains agree on at least {MIN_STABILITY:.0%} of top terms (mean matched "
    "top-10 overlap over every pair of chains). If some K is reproduced, the most stable one is chosen; differences "
    f"under {STABILITY_TIE} are ties, broken towards the smaller K. If none is, the corpus has no number of themes "
    "the chains reproduce: the smallest K whose held-out likelihood (document completion, mean over folds) is within "
    "one standard error of the best is chosen, flagged UNSTABLE. The themes reported at the chosen K are the consensus "
    "of its chains, anchored on the most likely chain."
)
#: Top terms scored for coherence and stability, and for diversity.
COHERENCE_TOP_N = 10
DIVERSITY_TOP_N = 25


class SelectionError(ValueError):
    """The sweep cannot run with these parameters; raised before any model is fitted."""


def k_floor(n_documents: int) -> int:
    """The fewest themes a corpus of ``n_documents`` modelled documents is summarised by (:data:`K_FLOOR`)."""
    return next((k for documents, k in K_FLOOR if n_documents >= documents), 2)


@dataclass
class KSelection:
    """Everything the sweep measured, and the K it chose."""

    runs: pd.DataFrame  # one row per (K, chain) fitted on every unit
    summary: pd.DataFrame  # one row per K
    chosen_k: int
    unstable: bool
    rule: str = SELECTION_RULE
    models: dict[tuple[int, int], TopicModel] = field(default_factory=dict, repr=False)
    #: How the K was chosen: ``stability``, ``held-out likelihood`` or ``only K``.
    basis: str = ""
    floor: int = 2
    #: One row per (K, fold): the held-out likelihood of a fit that left the fold out.
    heldout_runs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["k", "fold", "heldout"]))

    @property
    def best_seed(self) -> int:
        """The seed of the most likely chain at the chosen K: the one whose themes are reported."""
        at_k = self.runs[self.runs.k == self.chosen_k]
        return int(at_k.seed.iloc[int(np.argmax(at_k.log_likelihood.to_numpy()))])

    @property
    def model(self) -> TopicModel:
        """The reported model: the most likely chain at the chosen K."""
        return self.models[(self.chosen_k, self.best_seed)]

    def chains(self, k: int | None = None) -> list[TopicModel]:
        """Every chain fitted on the whole corpus at ``k`` (default: the chosen K), in seed order."""
        k = self.chosen_k if k is None else k
        return [self.models[(k, int(seed))] for seed in self.runs[self.runs.k == k].seed]

    @property
    def warning(self) -> str:
        """A loud sentence for outputs and figures when the chosen K is unstable, else ''."""
        if not self.unstable:
            return ""
        stability = float(self.summary.set_index("k").loc[self.chosen_k, "stability"])
        return (
            f"UNSTABLE: no K tried has themes its chains reproduce (at K={self.chosen_k} they agree on {stability:.0%} "
            f"of top terms; reproduced means {MIN_STABILITY:.0%}); K was chosen by held-out likelihood. Treat these "
            "themes as one of several equally good summaries."
        )

    @property
    def stability_note(self) -> str:
        """Said whenever stability could not be measured (one chain per K): the rule then rests
        on held-out likelihood alone, and a reader must know that no chain was checked against another."""
        if self.summary.stability.notna().any():
            return ""
        if (self.runs.k == self.runs.k.iloc[0]).sum() > 1:
            return (
                "stability not measured: every chain gave the same topics (this backend does not depend on the seed), "
                "so K was chosen by held-out likelihood alone."
            )
        if self.basis == "only K":
            return "stability not measured: one chain, so no chain was checked against another; give two or more chains (--chains) to test it."
        return (
            "stability not measured: one chain per K, so no chain was checked against another and K was chosen by "
            "held-out likelihood alone; give two or more chains (--chains) to test it."
        )

    @property
    def edge_note(self) -> str:
        """A note when the chosen K is the largest tried: a larger K may fit better still."""
        ks = list(self.summary.k)
        if len(ks) > 1 and self.chosen_k == max(ks):
            return f"K={self.chosen_k} is the largest K tried: extend the K range to see whether a larger K fits better."
        return ""

    @property
    def floor_note(self) -> str:
        """A note when every K given lies below the floor for the corpus's size."""
        if max(self.summary.k) >= self.floor:
            return ""
        return (
            f"every K tried is below {self.floor}, the fewest themes the rule allows for a corpus of this size; "
            "the chosen K was picked among them all."
        )


def validate_sweep(bag: BagOfWords, k_values: Sequence[int], seeds: Sequence[int], backend: str) -> None:
    """Every parameter problem, found before the first fit."""
    check_backend(backend)
    if not list(k_values):
        raise SelectionError("the K range is empty; give at least one number of topics")
    if not list(seeds):
        raise SelectionError("no chains given; the sweep needs at least one (two or more to measure stability)")
    for k in k_values:
        check_topic_count(k, bag)


def sweep_k(
    bag: BagOfWords,
    texts: Sequence[Sequence[str]],
    k_values: Sequence[int],
    seeds: Sequence[int],
    *,
    backend: str = "tomotopy",
    workers: int = 1,
    heldout_folds: int = 0,
    n_documents: int = 0,
    **model_parameters,
) -> KSelection:
    """Fit ``backend`` for every K and chain seed, score each fit, and choose K by :data:`SELECTION_RULE`.

    ``texts`` are the modelled documents as term lists (for coherence; co-occurrence is
    counted within them). ``heldout_folds`` (2 or more; 0 for none, when the rule falls back
    on the smallest K) more fits per K each leave one fold of the units out and score it by
    document completion; the folds are drawn with the first seed. ``n_documents`` (the units the
    model fits; 0: no floor above 2) sets the floor (:func:`k_floor`). With ``workers`` > 1 the fits run in that many processes, each
    fit on one thread with its own seed, so the tables and the models are the same as with
    one worker.
    """
    k_values, seeds = sorted(set(k_values)), list(dict.fromkeys(seeds))
    validate_sweep(bag, k_values, seeds, backend)
    if heldout_folds == 1 or heldout_folds > bag.n_documents:
        raise SelectionError(f"heldout_folds must be 0 or between 2 and the {bag.n_documents} units, got {heldout_folds}")
    scorer = CoherenceScorer(texts)
    folds = fold_of_units(bag.n_documents, heldout_folds, seed=seeds[0]) if heldout_folds else np.zeros(0, int)
    jobs = [(k, seed, None) for k in k_values for seed in seeds]
    jobs += [(k, seeds[f % len(seeds)], f) for k in k_values for f in range(heldout_folds)]
    context = (bag, scorer, backend, model_parameters, folds)
    runs, heldout, models = [], [], {}
    for (k, seed, fold), (row, model) in zip(jobs, _fit_all(jobs, context, workers)):
        if fold is None:
            runs.append(row)
            models[(k, seed)] = model
        else:
            heldout.append(row)
    runs_table = pd.DataFrame(runs)
    heldout_table = pd.DataFrame(heldout, columns=["k", "fold", "heldout"])
    summary_rows = []
    for k in k_values:
        at_k = runs_table[runs_table.k == k]
        scores = heldout_table[heldout_table.k == k].heldout.to_numpy()
        summary_rows.append(
            {
                "k": k,
                "npmi": at_k.npmi.mean(),
                "npmi_sd": at_k.npmi.std(ddof=0),
                "u_mass": at_k.u_mass.mean(),
                "diversity": at_k.diversity.mean(),
                "stability": chain_stability([models[(k, s)] for s in seeds]),
                "heldout": scores.mean() if len(scores) else float("nan"),
                "heldout_se": scores.std(ddof=1) / np.sqrt(len(scores)) if len(scores) > 1 else float("nan"),
                "log_likelihood": at_k.log_likelihood.max(),
                "converged": f"{int(at_k.converged.sum())}/{len(at_k)}",
            }
        )
    summary = pd.DataFrame(summary_rows)
    floor = k_floor(n_documents)
    chosen, unstable, basis = choose_k(summary, floor=floor)
    return KSelection(runs_table.round(6), summary.round(6), chosen, unstable, models=models, basis=basis, floor=floor,
                      heldout_runs=heldout_table.round(6))


def fold_of_units(n_units: int, n_folds: int, *, seed: int) -> np.ndarray:
    """Each unit's held-out fold, 0 to ``n_folds`` - 1: a seeded shuffle dealt round-robin."""
    order = np.random.default_rng(seed).permutation(n_units)
    folds = np.empty(n_units, dtype=int)
    folds[order] = np.arange(n_units) % n_folds
    return folds


def _fit_all(jobs: list[tuple[int, int, int | None]], context: tuple, workers: int) -> list[tuple[dict, TopicModel | None]]:
    """Fit and score every ``(K, seed, fold)`` job; results in job order, in worker processes if asked."""
    # Largest K first: the slowest fits start early, so a pool finishes together.
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0])
    with ProgressCounter(desc="K sweep", total=len(jobs), unit="fit") as bar:
        fitted = forked_map(_fit_and_score, [jobs[i] for i in order], context, workers=workers, done=bar.update)
    results = dict(zip(order, fitted))
    return [results[i] for i in range(len(jobs))]


def _fit_and_score(context: tuple, job: tuple[int, int, int | None]) -> tuple[dict, TopicModel | None]:
    k, seed, fold = job
    pause_point("sweep")
    bag, scorer, backend, model_parameters, folds = context
    if fold is not None:
        train = bag.rows(np.flatnonzero(folds != fold))  # the counts bag_of_words would make of those units
        test = [bag.document_terms(i) for i in np.flatnonzero(folds == fold)]
        model = make_model(backend, n_topics=k, random_state=seed, **model_parameters).fit(train)
        return {"k": k, "fold": fold, "heldout": document_completion(model, test)}, None
    model = make_model(backend, n_topics=k, random_state=seed, **model_parameters).fit(bag)
    top = model.top_terms(max(COHERENCE_TOP_N, DIVERSITY_TOP_N))
    row = {
        "k": k,
        "seed": seed,
        "log_likelihood": log_likelihood(bag, model.document_topics_, model.components_),
        "npmi": scorer.score([t[:COHERENCE_TOP_N] for t in top], "c_npmi"),
        "u_mass": scorer.score([t[:COHERENCE_TOP_N] for t in top], "u_mass"),
        "diversity": topic_diversity([t[:DIVERSITY_TOP_N] for t in top]),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
    }
    return row, model


#: Nonzero counts scored at a time by :func:`log_likelihood`.
LIKELIHOOD_SLICE = 1 << 18


def log_likelihood(bag: BagOfWords, document_topics: np.ndarray, topic_terms: np.ndarray) -> float:
    """Mean log-likelihood per token of ``bag``'s counts under the mixtures and topics:
    sum over documents d and terms w of n_dw log(theta_d . phi_w), over the tokens.

    The same measure for every backend (a Gibbs chain's own likelihood is not defined for
    NMF), so chains are ranked alike whatever fitted them."""
    counts = sparse.coo_matrix(bag.counts)
    # Per nonzero count, theta_d . phi_w, a slice of nonzeros at a time: the archive's two
    # nonzeros x K gathers were 400 MB at once. Each dot product is the same either way.
    probabilities = np.empty(counts.nnz)
    topics_by_term = np.ascontiguousarray(topic_terms.T)
    for start in range(0, counts.nnz, LIKELIHOOD_SLICE):
        part = slice(start, start + LIKELIHOOD_SLICE)
        probabilities[part] = np.einsum("ik,ik->i", document_topics[counts.row[part]], topics_by_term[counts.col[part]])
    total = counts.data.sum()
    return float((counts.data * np.log(np.maximum(probabilities, 1e-300))).sum() / total) if total else float("nan")


def document_completion(model: TopicModel, documents: Sequence[Sequence[str]]) -> float:
    """Held-out likelihood by document completion (Wallach et al. 2009): each held-out
    document's tokens are dealt alternately into an observed half and a scored half; the
    mixture inferred from the observed half predicts the scored half. Mean log-likelihood
    per scored token; tokens of terms the fitted model never saw are not scored.
    """
    observed = [list(terms[0::2]) for terms in documents]
    scored = [list(terms[1::2]) for terms in documents]
    mixtures = model.transform(bag_of_words(observed, vocabulary=model.vocabulary_))
    column = {term: j for j, term in enumerate(model.vocabulary_)}
    seen = model.components_.sum(axis=0) > 0
    total, count = 0.0, 0
    for mixture, terms in zip(mixtures, scored):
        columns = [column[t] for t in terms if seen[column[t]]]
        if not columns:
            continue
        probabilities = mixture @ model.components_[:, columns]
        total += float(np.log(np.maximum(probabilities, 1e-300)).sum())
        count += len(columns)
    return total / count if count else float("nan")


def choose_k(summary: pd.DataFrame, *, floor: int = 2) -> tuple[int, bool, str]:
    """Apply :data:`SELECTION_RULE` to the per-K summary; return (K, unstable, basis)."""
    if len(summary) == 1:
        return int(summary.k.iloc[0]), False, "only K"
    candidates = summary[summary.k >= floor]
    if candidates.empty:  # every K given lies below the floor: choose among them all
        candidates = summary
    reproduced = candidates[candidates.stability >= MIN_STABILITY]
    if len(reproduced):
        best = reproduced.stability.max()
        tied = reproduced[reproduced.stability >= best - STABILITY_TIE]
        return int(tied.k.min()), False, "stability"
    unstable = bool(candidates.stability.notna().any())
    if candidates.heldout.notna().any():
        best = int(np.nanargmax(candidates.heldout.to_numpy()))
        se = candidates.heldout_se.iloc[best]
        margin = 0.0 if np.isnan(se) else float(se)
        within = candidates[candidates.heldout >= candidates.heldout.iloc[best] - margin]
        return int(within.k.min()), unstable, "held-out likelihood"
    return int(candidates.k.min()), unstable, "smallest K (nothing measured)"


def topic_diversity(top_terms: Sequence[Sequence[str]]) -> float:
    """Unique share of the topics' top terms (Dieng et al. 2020): 1 means no term is shared."""
    terms = [t for topic in top_terms for t in topic]
    return len(set(terms)) / len(terms) if terms else 0.0


def chain_stability(models: Sequence[TopicModel], n: int = COHERENCE_TOP_N) -> float:
    """:func:`seed_stability`, except that chains which all gave the same topics (to rounding) measure
    nothing: NaN. A backend that does not depend on its seed (NMF starts from an SVD) would
    otherwise score 1.0 at every K and the rule would always take the smallest."""
    if len(models) > 1 and all(np.allclose(m.components_, models[0].components_, rtol=0, atol=1e-12) for m in models[1:]):
        return float("nan")
    return seed_stability(models, n)


def seed_stability(models: Sequence[TopicModel], n: int = COHERENCE_TOP_N) -> float:
    """Mean matched top-``n`` overlap over every pair of runs; NaN for a single run, which
    has nothing to agree with (1.0 there made every K look perfectly stable)."""
    tops = [m.top_terms(n) for m in models]
    pairs = list(itertools.combinations(tops, 2))
    if not pairs:
        return float("nan")
    return float(np.mean([np.mean([o for _, _, o in match_topics(a, b)]) for a, b in pairs]))


class CoherenceScorer:
    """NPMI and u_mass of topics over fixed texts, exactly as gensim's ``CoherenceModel``
    scores them, counted by :class:`polthemes.modelling.coherence.CoherenceCounts` (vectorised; the
    equality with gensim is tested)."""

    def __init__(self, texts: Sequence[Sequence[str]]) -> None:
        self.counts = CoherenceCounts(texts)

    def score(self, topics: Sequence[Sequence[str]], measure: str) -> float:
        """Mean coherence of ``topics`` by ``measure`` (``c_npmi`` or ``u_mass``)."""
        if measure == "c_npmi":
            return self.counts.npmi(topics)
        if measure == "u_mass":
            return self.counts.u_mass(topics)
        raise ValueError(f"unknown coherence measure {measure!r}; use c_npmi or u_mass")
