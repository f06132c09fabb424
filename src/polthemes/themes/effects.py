"""Does language, source or date change a theme's share? Effects with the model's own uncertainty.

stm's ``estimateEffect`` question, answered by its *method of composition* (Treier and
Jackman 2008; stm's ``uncertainty = "Global"``). A share estimated by a topic model is not
data: regressing the fitted shares as if they were observed makes every interval too
narrow. So, :data:`DEFAULT_DRAWS` times:

1. draw every modelling unit's theme mixture from its posterior, Dirichlet(alpha + the
   tokens the chain assigned to each theme) (:class:`MixturePosterior`), pooling the chains
   draw by draw;
2. roll the units up to articles, weighting each by its tokens;
3. regress each theme's article shares on the covariate by least squares, and draw one
   coefficient vector from the regression's sampling distribution N(b, s^2 (X'X)^-1).

The draws of step 3 carry both uncertainties; their mean is the estimate and their
percentiles the interval. Articles are the observations (a covariate belongs to an article,
and paragraphs of one article are not independent evidence about it), so five articles give
a regression with almost nothing to go on: :data:`MIN_GROUP_ARTICLES` says when an effect is
reported as not supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from polthemes.settings import AnalysisError

#: Posterior draws of the mixtures (and of the coefficients), by default.
DEFAULT_DRAWS = 200
#: Central interval reported.
DEFAULT_LEVEL = 0.95
#: An effect (or a period's prevalence) rests on at least this many articles per group;
#: fewer is reported, with its interval, as not supported.
MIN_GROUP_ARTICLES = 3
#: Periods ``prevalence_by_period`` knows, as pandas period codes.
PERIODS = {"year": "Y", "quarter": "Q", "month": "M"}


class EffectError(AnalysisError):
    """A covariate or period cannot be estimated on these articles; the message says why."""


@dataclass
class MixturePosterior:
    """The posterior of every unit's theme mixture, for one or more chains.

    ``counts`` holds, per chain, units x themes: the tokens the chain assigned to each theme
    (themes in the same order in every chain). A unit's mixture is then Dirichlet(alpha +
    counts); :meth:`article_draws` rolls draws up to articles.
    """

    counts: list[np.ndarray]
    #: The document-topic prior: one value for every theme, one per theme, or chains x themes
    #: (each chain's own, as a chain that learns its prior has).
    alpha: float | np.ndarray
    #: Each unit's article, in unit order.
    unit_articles: Sequence[str]
    #: Each unit's modelled tokens (the roll-up's weights).
    unit_lengths: np.ndarray

    def __post_init__(self) -> None:
        if not self.counts:
            raise EffectError("no chain to draw mixtures from")
        shapes = {c.shape for c in self.counts}
        if len(shapes) != 1 or next(iter(shapes))[0] != len(self.unit_articles) or len(self.unit_lengths) != len(self.unit_articles):
            raise EffectError(f"the chains' counts ({sorted(shapes)}) do not match the {len(self.unit_articles)} units")
        prior = np.asarray(self.alpha, dtype=float)
        if prior.ndim == 2 and prior.shape[0] != len(self.counts):
            raise EffectError(f"{prior.shape[0]} chains' priors for {len(self.counts)} chains' counts")
        self._priors = np.broadcast_to(prior if prior.ndim == 2 else prior.reshape(1, -1), (len(self.counts), self.n_themes))
        self.articles = list(dict.fromkeys(self.unit_articles))
        row = {a: i for i, a in enumerate(self.articles)}
        weights = np.asarray(self.unit_lengths, dtype=float)
        mass = np.bincount([row[a] for a in self.unit_articles], weights=weights, minlength=len(self.articles))
        self._roll_up = sparse.csr_matrix(
            (weights / np.where(mass > 0, mass, 1)[[row[a] for a in self.unit_articles]],
             ([row[a] for a in self.unit_articles], np.arange(len(self.unit_articles)))),
            shape=(len(self.articles), len(self.unit_articles)),
        )

    @property
    def n_themes(self) -> int:
        return int(self.counts[0].shape[1])

    def article_means(self) -> np.ndarray:
        """Articles x themes: the posterior mean share, averaged over the chains."""
        means = [(c + a) / (c + a).sum(axis=1, keepdims=True) for c, a in zip(self.counts, self._priors)]
        return np.asarray(self._roll_up @ np.mean(means, axis=0))

    def article_draws(self, n_draws: int = DEFAULT_DRAWS, *, seed: int = 0) -> Iterator[np.ndarray]:
        """``n_draws`` draws of the article x theme shares; draw ``m`` uses chain ``m mod chains``."""
        rng = np.random.default_rng(seed)
        for m in range(n_draws):
            chain = m % len(self.counts)
            gamma = rng.standard_gamma(self.counts[chain] + self._priors[chain])
            mixtures = gamma / np.maximum(gamma.sum(axis=1, keepdims=True), np.finfo(float).tiny)
            yield np.asarray(self._roll_up @ mixtures)


def posterior_of(models: Sequence, unit_articles: Sequence[str], unit_lengths: Sequence[int]) -> MixturePosterior:
    """The :class:`MixturePosterior` of fitted chains (themes in the same order in each).

    A tomotopy chain keeps the tokens its last sweep assigned (``document_topic_counts_``);
    for another backend the counts are its mixture times the unit's tokens, the same
    posterior mean with the same weight of evidence.
    """
    lengths = np.asarray(unit_lengths, dtype=float)
    counts = []
    for model in models:
        held = getattr(model, "document_topic_counts_", None)
        counts.append(np.asarray(held, dtype=float) if held is not None else model.document_topics_ * lengths[:, None])
    priors = np.stack([np.asarray(getattr(model, "topic_prior_", np.full(counts[0].shape[1], model.alpha_)), dtype=float) for model in models])
    return MixturePosterior(counts, priors, list(unit_articles), lengths)


def posterior_of_results(results) -> MixturePosterior:
    """The posterior of a results folder's themes, from its per-unit mixtures and lengths
    (the consensus mixtures: the chains' agreement, so the chains' spread is not in it)."""
    if results.unit_topics is None or results.unit_lengths is None:
        raise EffectError(f"{results.folder or 'these results'}: no per-unit theme mixtures (a Spark run keeps none), so no effects")
    units = results.tables["document_topics"]
    lengths = np.asarray(results.unit_lengths, dtype=float)
    alpha = float(results.manifest.get("model", {}).get("alpha") or 1.0 / results.k)
    return MixturePosterior([np.asarray(results.unit_topics) * lengths[:, None]], alpha, units.id.tolist(), lengths)


def share_intervals(posterior: MixturePosterior, labels: Sequence[str], *, n_draws: int = DEFAULT_DRAWS,
                    seed: int = 0, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """Each article's share of each theme: posterior median and central interval, one row
    per article and theme. The median (not the mean) is reported so that the estimate can
    never lie outside its own interval, however skewed a small article's posterior."""
    draws = np.stack(list(posterior.article_draws(n_draws, seed=seed)))
    low, median, high = np.quantile(draws, [(1 - level) / 2, 0.5, (1 + level) / 2], axis=0)
    rows = []
    for i, article in enumerate(posterior.articles):
        for k, label in enumerate(labels):
            rows.append({"id": article, "theme": k, "label": label, "share": median[i, k], "lower": low[i, k], "upper": high[i, k]})
    return pd.DataFrame(rows)


def estimate_effect(posterior: MixturePosterior, covariate: pd.Series, labels: Sequence[str], *,
                    reference: str | None = None, n_draws: int = DEFAULT_DRAWS, seed: int = 0,
                    level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """How much more (or less) of each theme articles of each level of ``covariate`` have than
    articles of the ``reference`` level (default: the most common, ties by name).

    ``covariate`` is indexed by article id; articles without a value are left out. One row
    per theme and non-reference level: ``estimate`` (a difference in share, -1 to 1),
    ``lower`` and ``upper``, the articles behind each side, ``supported`` (both sides have
    :data:`MIN_GROUP_ARTICLES` or more) and a ``note`` saying what is wrong when not.
    """
    values = _values_for(posterior, covariate)
    keep = values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
    values = values[keep].astype(str)
    counts = values.value_counts()
    if len(counts) < 2:
        raise EffectError(f"{covariate.name or 'the covariate'} has {len(counts)} value(s) among the articles; an effect needs two or more")
    reference = reference if reference is not None else sorted(counts.index, key=lambda v: (-counts[v], v))[0]
    if reference not in counts:
        raise EffectError(f"reference {reference!r} is not a value of {covariate.name or 'the covariate'} ({', '.join(sorted(counts.index))})")
    levels = [v for v in sorted(counts.index) if v != reference]
    design = np.column_stack([np.ones(len(values))] + [(values == v).to_numpy(dtype=float) for v in levels])
    draws = _composition(posterior, keep, design, n_draws, seed)  # draws x coefficients x themes
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    estimate = draws.mean(axis=0)
    rows = []
    for j, level_value in enumerate(levels, start=1):
        few = [f"{counts[v]} {v}" for v in (level_value, reference) if counts[v] < MIN_GROUP_ARTICLES]
        note = (f"only {' and '.join(few)} article(s): {len(values)} articles cannot support an effect "
                f"(at least {MIN_GROUP_ARTICLES} per group)") if few else ""
        for k, label in enumerate(labels):
            rows.append({"theme": k, "label": label, "covariate": str(covariate.name or "covariate"), "level": level_value,
                         "reference": reference, "articles": int(counts[level_value]), "reference_articles": int(counts[reference]),
                         "estimate": estimate[j, k], "lower": low[j, k], "upper": high[j, k], "supported": not few, "note": note})
    return pd.DataFrame(rows)


def prevalence_by_period(posterior: MixturePosterior, dates: pd.Series, labels: Sequence[str], *, period: str = "month",
                         n_draws: int = DEFAULT_DRAWS, seed: int = 0, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
    """Each theme's mean share of the articles of each period, with its interval (the same
    method of composition, regressing on one indicator per period).

    ``dates`` is indexed by article id; undated articles (or dates that do not parse) are
    left out, and an error says so when none is left. One row per theme and period.
    """
    if period not in PERIODS:
        raise EffectError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    values = _values_for(posterior, dates)
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    keep = parsed.notna().to_numpy()
    if not keep.any():
        raise EffectError("no article has a date that parses, so there are no periods to compare")
    periods = parsed[keep].dt.to_period(PERIODS[period]).astype(str)
    names = sorted(periods.unique())
    design = np.column_stack([(periods == p).to_numpy(dtype=float) for p in names])
    draws = _composition(posterior, keep, design, n_draws, seed)
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    estimate = draws.mean(axis=0)
    counts = periods.value_counts()
    rows = []
    for k, label in enumerate(labels):
        for j, name in enumerate(names):
            rows.append({"theme": k, "label": label, "period": name, "articles": int(counts[name]),
                         "estimate": estimate[j, k], "lower": low[j, k], "upper": high[j, k],
                         "supported": bool(counts[name] >= MIN_GROUP_ARTICLES)})
    return pd.DataFrame(rows)


def period_start(name: str) -> pd.Timestamp:
    """The first day of a period as :func:`prevalence_by_period` names it: ``2023``,
    ``2023Q2`` or ``2023-04``."""
    if re.fullmatch(r"\d{4}Q[1-4]", name):
        return pd.Timestamp(int(name[:4]), 3 * int(name[-1]) - 2, 1)
    if re.fullmatch(r"\d{4}", name):
        return pd.Timestamp(int(name), 1, 1)
    return pd.Timestamp(name)


def _values_for(posterior: MixturePosterior, values: pd.Series) -> pd.Series:
    """``values`` (indexed by article id) in the posterior's article order; absent ids are missing."""
    if values.index.has_duplicates:
        raise EffectError(f"{values.name or 'the covariate'} has more than one value for an article")
    return values.reindex(posterior.articles)


def _composition(posterior: MixturePosterior, keep: np.ndarray, design: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """The method of composition: draws x coefficients x themes (see the module's docstring)."""
    n, p = design.shape
    # With no residual degrees of freedom (three dated articles in three months) the
    # regression's own error cannot be estimated: the draws then hold the model's uncertainty
    # about the mixtures only, and the groups are too small to be called supported anyway.
    residual_df = n - p
    gram_inverse = np.linalg.pinv(design.T @ design)
    root = np.linalg.cholesky(gram_inverse + 1e-12 * np.eye(p))
    projection = gram_inverse @ design.T
    rng = np.random.default_rng([seed, 1])
    out = np.empty((n_draws, p, posterior.n_themes))
    for m, shares in enumerate(posterior.article_draws(n_draws, seed=seed)):
        y = shares[keep]
        beta = projection @ y
        sigma = np.sqrt(((y - design @ beta) ** 2).sum(axis=0) / residual_df) if residual_df > 0 else np.zeros(posterior.n_themes)
        out[m] = beta + (root @ rng.standard_normal((p, posterior.n_themes))) * sigma
    return out
