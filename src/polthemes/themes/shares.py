"""How much of each article each theme takes, how sure that is, and which themes recur.

Shares are rolled up from the modelling units to articles, weighted by tokens; the
bootstrap refits resampled corpora to show how much a share owes to which passages happen
to be in the corpus; a theme *recurs* when it takes at least :data:`PRESENT_SHARE` of
several articles' tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from polthemes.execution import forked_map
from polthemes.modelling.backends import TopicModel
from polthemes.modelling.features import BagOfWords
from polthemes.modelling.matching import align_topics
from polthemes.modelling.units import ModellingUnit, roll_up


def article_theme_matrix(model: TopicModel, units: Sequence[ModellingUnit], labels: Sequence[str]) -> pd.DataFrame:
    """Articles x themes: each article's share of tokens per theme (rows sum to one)."""
    matrix, article_ids = roll_up(model.document_topics_, units)
    return pd.DataFrame(matrix, index=pd.Index(article_ids, name="id"), columns=list(labels))


def bootstrap_article_themes(
    model: TopicModel,
    units: Sequence[ModellingUnit],
    bag: BagOfWords,
    refit: Callable[[BagOfWords], TopicModel],
    *,
    n_boot: int = 20,
    seed: int = 0,
    workers: int = 1,
    done: Callable[[], None] | None = None,
) -> np.ndarray:
    """Article-theme shares under resampled corpora: n_boot x articles x themes.

    ``bag`` is the units' bag of words (row ``i`` counts unit ``i``). Each replicate draws
    the modelling units with replacement, refits (``refit`` builds and fits a model like
    ``model``), matches its topics to ``model``'s by topic-word cosine (Hungarian), and
    re-estimates every original unit's mixture under its topics
    (:meth:`~polthemes.modelling.backends.TopicModel.fold_in`), rolled up to articles. The
    spread shows how much the themes' shares owe to which passages happen to be in the
    corpus, which on five articles is a lot.

    The draws are made here, in order, before any refit; the replicates are then refitted by
    ``workers`` forked processes (each a whole chain, so on the archive 20 of them are
    most of a run's time) and stacked in draw order: the same for any number of workers.
    ``done`` is called as each replicate finishes.
    """
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(units), size=len(units)) for _ in range(n_boot)]
    if not draws:
        return np.empty((0, len({u.article_id for u in units}), model.components_.shape[0]))
    replicates = forked_map(_replicate_shares, draws, (model.components_, units, bag, refit), workers=workers, done=done)
    return np.stack(replicates)


def _replicate_shares(context: tuple, picked: np.ndarray) -> np.ndarray:
    """One bootstrap replicate's article x theme shares, themes in the model's order."""
    components, units, bag, refit = context
    replicate = refit(bag.rows(picked))
    order = align_topics(components, replicate.components_)
    mixtures = replicate.fold_in(bag)[:, order]
    shares, _ = roll_up(mixtures, units)
    return shares


#: An article "has" a theme when the theme takes at least this share of its tokens.
PRESENT_SHARE = 0.15


def recurring_themes(article_themes: pd.DataFrame, labels: Sequence[str], *, present_share: float = PRESENT_SHARE) -> pd.DataFrame:
    """The answer to the research question, one row per theme: in which articles of which
    language it takes at least ``present_share`` of the tokens, and whether it recurs
    across languages (present in articles of both)."""
    rows = []
    for k, label in enumerate(labels):
        present = article_themes[article_themes[f"theme_{k}"] >= present_share]
        by_language = {code: sorted(present[present.language == code].id) for code in sorted(article_themes.language.unique())}
        rows.append(
            {
                "theme": k,
                "label": label,
                "articles": len(present),
                **{f"articles_{code}": len(ids) for code, ids in by_language.items()},
                "recurs_across_languages": sum(bool(ids) for ids in by_language.values()) > 1,
                "mean_share": round(float(article_themes[f"theme_{k}"].mean()), 6),
                "present_in": ", ".join(present.id),
            }
        )
    return pd.DataFrame(rows)
