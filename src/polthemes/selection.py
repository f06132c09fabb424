"""Choosing K: a sweep over K and seeds, scored by coherence, diversity and stability.

A reviewer asks why these topics and why this many. For every K and several seeds this
fits the model and records NPMI and u_mass coherence (as gensim's CoherenceModel defines
them, over the modelled documents themselves, counted by :mod:`polthemes.coherence`; c_v is
deliberately not used, its authors no longer recommend it), topic diversity (the unique share of top-25 terms) and, per K, stability:
topics of every pair of seeds matched one to one (Hungarian algorithm) and their top-10
term overlap averaged. The rule that picks K is :data:`SELECTION_RULE`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from polthemes.coherence import CoherenceCounts
from polthemes.execution import fork_pool, pause_point
from polthemes.features import BagOfWords
from polthemes.models import TopicModel, check_backend, check_topic_count, make_model
from polthemes.progress import ProgressCounter

#: Mean top-term overlap between seeds below which a K counts as unstable.
MIN_STABILITY = 0.5
#: NPMI differences smaller than this are ties, broken towards the smaller K.
NPMI_TIE = 0.005
SELECTION_RULE = (
    f"Among the K whose topics are stable across seeds (mean matched top-10 overlap >= {MIN_STABILITY}), "
    f"the K with the highest mean NPMI coherence; differences under {NPMI_TIE} count as ties, broken "
    "towards the smaller K. If no K is stable, the K with the highest mean NPMI, flagged UNSTABLE. "
    "With one seed per K stability is not measured and NPMI alone decides."
)
#: Top terms scored for coherence and stability, and for diversity.
COHERENCE_TOP_N = 10
DIVERSITY_TOP_N = 25


class SelectionError(ValueError):
    """The sweep cannot run with these parameters; raised before any model is fitted."""


@dataclass
class KSelection:
    """Everything the sweep measured, and the K it chose."""

    runs: pd.DataFrame  # one row per (K, seed)
    summary: pd.DataFrame  # one row per K
    chosen_k: int
    unstable: bool
    rule: str = SELECTION_RULE
    models: dict[tuple[int, int], TopicModel] = field(default_factory=dict, repr=False)

    @property
    def warning(self) -> str:
        """A loud sentence for outputs and figures when the chosen K is unstable, else ''."""
        if not self.unstable:
            return ""
        stability = float(self.summary.set_index("k").loc[self.chosen_k, "stability"])
        return (
            f"UNSTABLE: at K={self.chosen_k} different seeds agree on only {stability:.0%} of top terms "
            f"(threshold {MIN_STABILITY:.0%}); treat these themes as tentative."
        )

    @property
    def stability_note(self) -> str:
        """Said whenever stability could not be measured (one seed per K): the rule then rests
        on coherence alone, and a reader must know that no seed was checked against another."""
        if self.summary.stability.notna().any():
            return ""
        return (
            "stability not measured: one seed per K, so no seed was checked against another and K was chosen "
            "by NPMI alone; give two or more seeds (--seeds) to test it."
        )

    @property
    def edge_note(self) -> str:
        """A note when the chosen K is the largest tried: coherence may still rise beyond it."""
        ks = list(self.summary.k)
        if len(ks) > 1 and self.chosen_k == max(ks):
            return f"K={self.chosen_k} is the largest K tried: extend the K range to see whether coherence keeps rising."
        return ""


def validate_sweep(bag: BagOfWords, k_values: Sequence[int], seeds: Sequence[int], backend: str) -> None:
    """Every parameter problem, found before the first fit."""
    check_backend(backend)
    if not list(k_values):
        raise SelectionError("the K range is empty; give at least one number of topics")
    if not list(seeds):
        raise SelectionError("no seeds given; stability needs at least one (two or more to measure it)")
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
    **model_parameters,
) -> KSelection:
    """Fit ``backend`` for every K and seed, score each fit, and choose K by :data:`SELECTION_RULE`.

    ``texts`` are the modelled documents as term lists (for coherence; co-occurrence is
    counted within them). With ``workers`` > 1 the fits run in that many processes, each
    fit on one thread with its own seed, so the table and the models are the same as
    with one worker.
    """
    k_values, seeds = sorted(set(k_values)), list(dict.fromkeys(seeds))
    validate_sweep(bag, k_values, seeds, backend)
    scorer = CoherenceScorer(texts)
    jobs = [(k, seed) for k in k_values for seed in seeds]
    runs, models = [], {}
    for (k, seed), (row, model) in zip(jobs, _fit_all(jobs, (bag, scorer, backend, model_parameters), workers)):
        runs.append(row)
        models[(k, seed)] = model
    runs_table = pd.DataFrame(runs)
    summary_rows = []
    for k in k_values:
        at_k = runs_table[runs_table.k == k]
        summary_rows.append(
            {
                "k": k,
                "npmi": at_k.npmi.mean(),
                "npmi_sd": at_k.npmi.std(ddof=0),
                "u_mass": at_k.u_mass.mean(),
                "diversity": at_k.diversity.mean(),
                "stability": seed_stability([models[(k, s)] for s in seeds]),
                "converged": f"{int(at_k.converged.sum())}/{len(at_k)}",
            }
        )
    summary = pd.DataFrame(summary_rows)
    chosen, unstable = choose_k(summary)
    return KSelection(runs_table.round(6), summary.round(6), chosen, unstable, models=models)


def _fit_all(jobs: list[tuple[int, int]], context: tuple, workers: int) -> list[tuple[dict, TopicModel]]:
    """Fit and score every ``(K, seed)`` job; results in job order, in worker processes if asked."""
    global _sweep_context
    _sweep_context = context  # forked workers inherit the bag and the scorer from here
    results: dict[int, tuple[dict, TopicModel]] = {}
    # Largest K first: the slowest fits start early, so a pool finishes together.
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][0])
    try:
        with ProgressCounter(desc="K sweep", total=len(jobs), unit="fit") as bar:
            pool = fork_pool(min(workers, len(jobs)))
            fitted = map(_fit_and_score, (jobs[i] for i in order)) if pool is None else pool.imap(_fit_and_score, [jobs[i] for i in order])
            try:
                for i, result in zip(order, fitted):
                    results[i] = result
                    bar.update()
            finally:
                if pool is not None:
                    pool.terminate()
                    pool.join()
    finally:
        _sweep_context = None
    return [results[i] for i in range(len(jobs))]


_sweep_context: tuple | None = None


def _fit_and_score(job: tuple[int, int]) -> tuple[dict, TopicModel]:
    k, seed = job
    pause_point("sweep")
    bag, scorer, backend, model_parameters = _sweep_context
    model = make_model(backend, n_topics=k, random_state=seed, **model_parameters).fit(bag)
    top = model.top_terms(max(COHERENCE_TOP_N, DIVERSITY_TOP_N))
    row = {
        "k": k,
        "seed": seed,
        "npmi": scorer.score([t[:COHERENCE_TOP_N] for t in top], "c_npmi"),
        "u_mass": scorer.score([t[:COHERENCE_TOP_N] for t in top], "u_mass"),
        "diversity": topic_diversity([t[:DIVERSITY_TOP_N] for t in top]),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
    }
    return row, model


def choose_k(summary: pd.DataFrame) -> tuple[int, bool]:
    """Apply :data:`SELECTION_RULE` to the per-K summary; return (K, unstable)."""
    if summary.stability.isna().all():  # one seed: nothing to be stable against
        candidates, unstable = summary, False
    else:
        stable = summary[summary.stability >= MIN_STABILITY]
        candidates, unstable = (stable, False) if len(stable) else (summary, True)
    best = candidates.npmi.max()
    tied = candidates[candidates.npmi >= best - NPMI_TIE]
    return int(tied.k.min()), unstable


def topic_diversity(top_terms: Sequence[Sequence[str]]) -> float:
    """Unique share of the topics' top terms (Dieng et al. 2020): 1 means no term is shared."""
    terms = [t for topic in top_terms for t in topic]
    return len(set(terms)) / len(terms) if terms else 0.0


def match_topics(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> list[tuple[int, int, float]]:
    """One-to-one matching of two runs' topics maximising top-term overlap: (i, j, overlap)."""
    sets_a, sets_b = [set(t) for t in a], [set(t) for t in b]
    n = max(len(t) for t in a) if a else 1
    overlap = np.array([[len(x & y) / n for y in sets_b] for x in sets_a])
    rows, cols = linear_sum_assignment(-overlap)
    return [(int(i), int(j), float(overlap[i, j])) for i, j in zip(rows, cols)]


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
    scores them, counted by :class:`polthemes.coherence.CoherenceCounts` (vectorised; the
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
