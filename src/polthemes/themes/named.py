"""Named themes: how much of each article, in either language, is about the mass line?

A researcher names themes before fitting in ``resources/named_themes.tsv`` (or a file of
their own), each seeded with glossary concepts, so one seed counts in both languages. They
are fitted keyword-assisted (:class:`polthemes.modelling.seeded.SeededLDA`) beside free
themes, in several chains whose named themes need no matching: topic ``i`` is the ``i``-th
named theme in every chain, so each article's share of it is pooled over the chains'
posteriors (:mod:`polthemes.themes.effects`) into a median and an interval.

A named theme none of whose seed concepts occurs in the corpus is *absent*: it is listed as
such and never fitted, because a seeded topic with no seed tokens would be an ordinary free
topic wearing the theme's name.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from polthemes.config import DEFAULT_SEED, RESOURCES_DIR
from polthemes.execution import fork_pool
from polthemes.modelling.backends import top_terms_per_topic
from polthemes.modelling.features import BagOfWords, bag_of_words
from polthemes.modelling.seeded import NAMED_ETA_SHARE, SeededLDA
from polthemes.modelling.units import ModellingUnit
from polthemes.resources import ResourceFileError, read_tsv
from polthemes.text.glossary import Glossary, default_glossary
from polthemes.themes.effects import (DEFAULT_DRAWS, EffectError, MixturePosterior, estimate_effect, posterior_of,
                                      prevalence_by_period, share_intervals)

logger = logging.getLogger(__name__)

NAMED_THEMES_FILENAME = "named_themes.tsv"
#: Free themes beside the named ones when none is asked for, by modelled tokens. The free
#: themes must take the corpus's other subjects, or the named ones absorb them: on the Xinwen
#: Lianbo archive (3.4 million tokens) with 4 free themes every named theme held about a
#: tenth of all the news, flat from 2022 to 2026. The five seed articles (1,700 tokens) get 4.
FREE_THEMES_BY_TOKENS = ((10_000, 4), (100_000, 10))
FREE_THEMES_LARGE = 20
#: Chains pooled for the named themes' shares, unless the caller says otherwise.
DEFAULT_NAMED_CHAINS = 4
_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: Below this many seed tokens a named theme's evidence is *weak*: most of what it holds
#: is words that happen to share units with a handful of seeds, so its share says more
#: about the model than about the theme (reported in ``named_themes.evidence``).
MIN_SEED_TOKENS = 10
#: ... and below this share of the theme's own tokens too: a seeded theme whose seeds are a
#: sliver of it is about something else. Before named themes had their narrow prior
#: (:data:`polthemes.modelling.seeded.NAMED_ETA_SHARE`) the archive's held 0.1-1% seeds, their
#: top terms were economy, space flights, the Middle East, and theme education peaked at the
#: 2022 Party Congress instead of the 2023 campaign; with it theme education follows the campaign.
MIN_SEED_SHARE = 0.05


@dataclass(frozen=True)
class NamedTheme:
    """One row of the named-themes file: an id, a label, its seed concepts."""

    name: str
    label: str
    concepts: tuple[str, ...]


def read_named_themes(path: str | Path | None = None, *, glossary: Glossary | None = None) -> list[NamedTheme]:
    """The named themes of ``path`` (default: the shipped ``resources/named_themes.tsv``).

    Every concept must be a glossary concept and seed one theme only; a name is a snake_case
    id given once. A file that breaks a rule is an error naming the file and the theme.
    """
    path = Path(path) if path is not None else RESOURCES_DIR / NAMED_THEMES_FILENAME
    glossary = glossary or default_glossary()
    try:
        rows = read_tsv(path.name, path.parent)
    except ResourceFileError:
        raise
    if rows and set(rows[0]) != {"name", "label", "concepts"}:
        raise ResourceFileError(f"{path}: the header must be name, label, concepts (tab-separated), got {', '.join(rows[0])}")
    themes, seen, owner = [], set(), {}
    for row in rows:
        name, label = row["name"].strip(), row["label"].strip()
        concepts = tuple(c.strip() for c in row["concepts"].split("|") if c.strip())
        if not _NAME.fullmatch(name):
            raise ResourceFileError(f"{path}: theme name {name!r} must be a snake_case id (a-z, digits, _)")
        if name in seen:
            raise ResourceFileError(f"{path}: theme {name!r} is named twice")
        if not concepts:
            raise ResourceFileError(f"{path}: theme {name!r} has no seed concepts")
        unknown = [c for c in concepts if c not in glossary.concepts]
        if unknown:
            raise ResourceFileError(f"{path}: theme {name!r}: {', '.join(unknown)} not in the glossary ({glossary.source or 'glossary.tsv'}); "
                                    "seeds must be glossary concept ids, so that they count in both languages")
        for concept in concepts:
            if owner.setdefault(concept, name) != name:
                raise ResourceFileError(f"{path}: concept {concept!r} seeds two themes ({owner[concept]} and {name})")
        seen.add(name)
        themes.append(NamedTheme(name, label or name, concepts))
    if not themes:
        raise ResourceFileError(f"{path}: no named themes")
    return themes


@dataclass
class NamedThemeFit:
    """Seeded chains on one corpus: which named themes were fitted, which are absent."""

    themes: list[NamedTheme]
    #: The named themes with a seed in the corpus, in topic order (topics 0 .. len-1).
    fitted: list[NamedTheme]
    #: Each fitted theme's seed concepts that occur, and their tokens in the modelled units.
    seeds_present: dict[str, dict[str, int]]
    n_free: int
    chains: list[SeededLDA]
    units: list[ModellingUnit]
    bag: BagOfWords

    @property
    def absent(self) -> list[NamedTheme]:
        return [t for t in self.themes if t not in self.fitted]

    @property
    def topic_terms(self) -> np.ndarray:
        """Topics x terms: each topic's term weights, the mean over the chains (named topics
        are the same theme in every chain; free topics are not matched and only summarised)."""
        return np.mean([chain.components_ for chain in self.chains], axis=0)

    def posterior(self) -> MixturePosterior:
        return posterior_of(self.chains, [u.article_id for u in self.units], [len(u.terms) for u in self.units])

    def labels(self) -> list[str]:
        return [t.label for t in self.fitted] + [f"free {i + 1}" for i in range(self.n_free)]


def default_free_themes(n_tokens: int) -> int:
    """Free themes beside the named ones for a corpus of ``n_tokens`` modelled tokens."""
    return next((free for below, free in FREE_THEMES_BY_TOKENS if n_tokens < below), FREE_THEMES_LARGE)


def fit_named_themes(units: Sequence[ModellingUnit], themes: Sequence[NamedTheme], *, n_free: int | None = None,
                     n_chains: int = DEFAULT_NAMED_CHAINS, seed: int = DEFAULT_SEED, min_count: int = 1,
                     max_document_share: float = 1.0, workers: int = 1,
                     named_prior: float = NAMED_ETA_SHARE) -> NamedThemeFit:
    """Fit ``themes`` keyword-assisted beside ``n_free`` free themes (``None``: by the corpus's
    size, :func:`default_free_themes`) on ``units``, in
    ``n_chains`` chains seeded ``seed``, ``seed + 1``, ... (each single-threaded, so a seed
    gives the same answer on any number of ``workers``). ``named_prior`` is a named theme's
    prior on its non-seed words as a share of a free theme's (see
    :data:`polthemes.modelling.seeded.NAMED_ETA_SHARE`): 1 lets it become any subject its seeds
    appear in; smaller keeps it to the company its seeds keep.

    The vocabulary is filtered as the main analysis filters it, except that a seed concept
    that occurs is always kept: a frequency cap must not make a named theme absent.
    """
    if (n_free is not None and n_free < 0) or n_chains < 1:
        raise ValueError(f"need n_free >= 0 and n_chains >= 1, got {n_free} and {n_chains}")
    if not 0 < named_prior <= 1:
        raise ValueError(f"need 0 < named_prior <= 1 (a share of the free themes' prior), got {named_prior}")
    occurring = Counter(term for unit in units for term in unit.terms)
    seeds_present = {t.name: {c: occurring[c] for c in t.concepts if occurring[c]} for t in themes}
    fitted = [t for t in themes if seeds_present[t.name]]
    for theme in themes:
        if theme not in fitted:
            logger.info(f"named theme {theme.name}: absent (none of {', '.join(theme.concepts)} occurs in the corpus), not fitted")
    if not fitted:
        raise EffectError(f"none of the {len(themes)} named themes has a seed concept in the corpus; nothing to fit")
    documents = [u.terms for u in units]
    filtered = bag_of_words(documents, min_count=min_count, max_document_share=max_document_share)
    vocabulary = sorted(set(filtered.vocabulary) | {c for present in seeds_present.values() for c in present})
    bag = bag_of_words(documents, vocabulary=vocabulary)
    if n_free is None:
        n_free = default_free_themes(sum(occurring[term] for term in vocabulary))
    seeds = {t.name: tuple(seeds_present[t.name]) for t in fitted}
    k = len(fitted) + n_free
    global _chain_context
    _chain_context = (bag, k, seeds, named_prior)
    chain_seeds = [seed + i for i in range(n_chains)]
    pool = fork_pool(min(workers, n_chains))
    try:
        chains = pool.map(_fit_chain, chain_seeds, chunksize=1) if pool is not None else [_fit_chain(s) for s in chain_seeds]
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _chain_context = None
    return NamedThemeFit(list(themes), fitted, {t.name: seeds_present[t.name] for t in fitted}, n_free, chains, list(units), bag)


def peak_periods(periods: pd.DataFrame, name: str, top: int | None = None) -> pd.DataFrame:
    """The periods of ``named_theme_periods`` for the named theme ``name``, largest share
    first (``top`` of them, or all), leaving out periods with too few articles to support an
    estimate: the one ranking the notebooks and the archive benchmark read a peak from."""
    if "name" not in periods:
        raise EffectError("no prevalence by period to rank: " + (str(periods.note.iloc[0]) if "note" in periods and len(periods) else "no dated articles"))
    if name not in set(periods["name"]):
        raise EffectError(f"no named theme {name!r} among the fitted ones ({', '.join(dict.fromkeys(periods['name']))})")
    ranked = periods[(periods["name"] == name) & periods["supported"].astype(bool)].sort_values(
        ["estimate", "period"], ascending=[False, True], kind="stable")
    return (ranked if top is None else ranked.head(top)).reset_index(drop=True)


_chain_context: tuple | None = None


def _fit_chain(chain_seed: int) -> SeededLDA:
    bag, k, seeds, named_prior = _chain_context
    return SeededLDA(k, seeds=seeds, named_eta_share=named_prior, random_state=chain_seed).fit(bag)


def named_theme_tables(fit: NamedThemeFit, articles: pd.DataFrame, *, covariates: Sequence[str] = ("language", "source"),
                       period: str = "month", n_draws: int = DEFAULT_DRAWS, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The tables of a named-theme run.

    ``articles`` has one row per article: ``id`` and the covariates (``language``,
    ``source``, ``date``, ``title`` where known). Tables:

    - ``named_themes``: every theme of the file, fitted or absent, with its seeds found,
      their tokens, the tokens the theme holds and the seeds' share of them, whether that
      evidence is weak (fewer than :data:`MIN_SEED_TOKENS` seed tokens, or seeds under
      :data:`MIN_SEED_SHARE` of the theme's tokens), its top terms and
      its mean share with an interval;
    - ``named_theme_shares``: each article's share of each fitted theme (median, interval);
    - ``named_theme_effects``: the difference each covariate makes (one row per theme and
      level, ``supported`` false with a note where the articles cannot support it; a
      covariate with fewer than two values is listed in a ``note`` row);
    - ``named_theme_periods``: each theme's prevalence by ``period`` (dated articles only).
    """
    posterior = fit.posterior()
    named = len(fit.fitted)
    labels = fit.labels()
    meta = articles.set_index("id")
    shares = share_intervals(posterior, labels, n_draws=n_draws, seed=seed)
    shares = shares[shares.theme < named].copy()
    shares.insert(1, "title", shares.id.map(meta["title"]) if "title" in meta else "")
    shares.insert(2, "language", shares.id.map(meta["language"]) if "language" in meta else "")
    shares.insert(4, "name", shares.theme.map(lambda k: fit.fitted[k].name))

    draws = np.stack(list(posterior.article_draws(n_draws, seed=seed)))[:, :, :named]
    corpus_mean = draws.mean(axis=1)  # draws x themes: the mean share over articles
    low, mid, high = np.quantile(corpus_mean, [0.025, 0.5, 0.975], axis=0)
    top = top_terms_per_topic(fit.topic_terms, fit.bag.vocabulary, 10)
    theme_tokens = np.mean([c.sum(axis=0) for c in posterior.counts], axis=0)
    rows = []
    for theme in fit.themes:
        if theme in fit.fitted:
            k = fit.fitted.index(theme)
            present = fit.seeds_present[theme.name]
            seed_tokens = int(sum(present.values()))
            seed_share = seed_tokens / max(float(theme_tokens[k]), 1.0)
            rows.append({"name": theme.name, "label": theme.label, "status": "fitted", "theme": k,
                         "concepts": "|".join(theme.concepts), "seeds_in_corpus": "|".join(present),
                         "seed_tokens": seed_tokens, "theme_tokens": round(float(theme_tokens[k]), 1),
                         "seed_share": seed_share,
                         "evidence": "strong" if seed_tokens >= MIN_SEED_TOKENS and seed_share >= MIN_SEED_SHARE else "weak",
                         "mean_share": mid[k], "lower": low[k], "upper": high[k], "top_terms": " ".join(top[k])})
        else:
            rows.append({"name": theme.name, "label": theme.label, "status": "absent: no seed concept occurs in the corpus",
                         "theme": np.nan, "concepts": "|".join(theme.concepts), "seeds_in_corpus": "", "seed_tokens": 0,
                         "theme_tokens": 0.0, "seed_share": np.nan, "evidence": "none",
                         "mean_share": np.nan, "lower": np.nan, "upper": np.nan, "top_terms": ""})
    tables = {"named_themes": pd.DataFrame(rows), "named_theme_shares": shares.reset_index(drop=True)}

    effects = []
    for covariate in covariates:
        values = meta[covariate] if covariate in meta else pd.Series(dtype=str)
        try:
            table = estimate_effect(posterior, values.rename(covariate), labels, n_draws=n_draws, seed=seed)
        except EffectError as error:
            effects.append(pd.DataFrame([{"covariate": covariate, "supported": False, "note": str(error)}]))
            continue
        effects.append(table[table.theme < named])
    tables["named_theme_effects"] = pd.concat(effects, ignore_index=True) if effects else pd.DataFrame()
    if "date" in meta:
        try:
            periods = prevalence_by_period(posterior, meta["date"], labels, period=period, n_draws=n_draws, seed=seed)
            periods = periods[periods.theme < named].reset_index(drop=True)
            periods.insert(1, "name", periods.theme.map(lambda k: fit.fitted[k].name))
            tables["named_theme_periods"] = periods
        except EffectError as error:
            tables["named_theme_periods"] = pd.DataFrame([{"period": "", "supported": False, "note": str(error)}])
    return tables
