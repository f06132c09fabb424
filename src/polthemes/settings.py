"""Every choice of a modelling run, in one frozen dataclass, checked before any work.

Kept apart from :mod:`polthemes.engines.local` (and free of heavy imports) so the command line
can show defaults and reject bad parameters instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from polthemes.config import DEFAULT_SEED

#: Token spaces (see polthemes.text.pipeline), modelling units (polthemes.modelling.units), model backends
#: (polthemes.modelling.backends); the modules check that they implement exactly these.
#: The one definition of every choice name a run takes (the command line, the parameters
#: file and the modules all check against these).
Mode = Literal["crosslingual", "monolingual"]
Unit = Literal["auto", "article", "paragraph", "window"]
MODES: tuple[str, ...] = get_args(Mode)
UNITS: tuple[str, ...] = get_args(Unit)
ENGINES = ("local", "spark")
#: MLlib LDA optimisers of the Spark engine.
SPARK_OPTIMIZERS = ("em", "online")
BACKEND_NAMES = ("tomotopy", "gensim", "sklearn", "nmf")
DEFAULT_BACKEND = "tomotopy"
#: The fewest topics a run fits: one topic holds every word and compares nothing.
MIN_K = 2
#: Chains per K when none is asked for, by modelled tokens: a small corpus is cheap to
#: sample and its chains scatter most, so it gets the most. The five seed articles (1,700
#: tokens) need 64 for their stability to rank K alike whatever the first seed: with 32,
#: one first seed in ten ranked K = 4 above K = 3. A large corpus gets 4.
CHAINS_BY_TOKENS = ((10_000, 64), (100_000, 8))
CHAINS_LARGE = 4
#: Backends fitted at the chosen K beside the default, to show which themes are robust.
CROSS_CHECK_BACKENDS = ("gensim", "sklearn", "nmf")


class AnalysisError(ValueError):
    """The run cannot start: bad parameter or nothing left to model (message says which)."""


@dataclass(frozen=True)
class AnalysisSettings:
    """Every choice of a run; stored whole in the manifest."""

    mode: str = "crosslingual"
    unit: str = "auto"
    window_tokens: int = 100
    k_values: tuple[int, ...] = tuple(range(2, 11))
    #: Gibbs chains per K, seeded ``seed``, ``seed + 1``, ...; ``None``: by corpus size (:func:`default_chains`).
    chains: int | None = None
    #: Fits per K that each leave one fold of the units out, for held-out likelihood (0: none).
    heldout_folds: int = 4
    seed: int = DEFAULT_SEED
    backend: str = DEFAULT_BACKEND
    cross_check: tuple[str, ...] = CROSS_CHECK_BACKENDS
    #: Vocabulary filter: a term must occur this often in all, and in this share of units at most.
    min_count: int = 2
    max_document_share: float = 0.5
    #: Modelling units with fewer terms are left out of the model (they are too short to say much).
    min_unit_terms: int = 5
    n_boot: int = 20
    top_terms: int = 15

    def chain_seeds(self, n_tokens: int) -> tuple[int, ...]:
        """The chains' seeds for a corpus of ``n_tokens`` modelled tokens (``chains`` or the default)."""
        n = self.chains if self.chains is not None else default_chains(n_tokens)
        return tuple(self.seed + i for i in range(n))

    def check(self) -> None:
        """Raise :class:`AnalysisError` for any parameter that cannot work, before any work."""
        if self.mode not in MODES:
            raise AnalysisError(f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.unit not in UNITS:
            raise AnalysisError(f"unknown unit {self.unit!r}; choose one of {', '.join(UNITS)}")
        for backend in (self.backend, *self.cross_check):
            if backend not in BACKEND_NAMES:
                raise AnalysisError(f"unknown backend {backend!r}; choose one of {', '.join(BACKEND_NAMES)}")
        if not self.k_values:
            raise AnalysisError("the K range is empty; give at least one number of topics")
        if any(not isinstance(k, int) or isinstance(k, bool) for k in self.k_values):
            raise AnalysisError(f"every K must be a whole number, got {list(self.k_values)}")
        if min(self.k_values) < MIN_K:
            raise AnalysisError(
                f"K must be {MIN_K} or more (one theme holds everything and says nothing), got {min(self.k_values)}"
            )
        if self.min_unit_terms < 1:
            raise AnalysisError(f"min_unit_terms must be at least 1, got {self.min_unit_terms}")
        if self.unit == "window" and self.window_tokens < self.min_unit_terms:
            raise AnalysisError(
                f"window_tokens must be at least min_unit_terms ({self.min_unit_terms}): a shorter window is "
                f"never modelled, got {self.window_tokens}"
            )
        if self.top_terms < 1:
            raise AnalysisError(f"top_terms must be at least 1, got {self.top_terms}")
        if self.chains is not None and (not isinstance(self.chains, int) or self.chains < 1):
            raise AnalysisError(f"chains must be at least 1, got {self.chains}")
        if self.heldout_folds < 0 or self.heldout_folds == 1:
            raise AnalysisError(f"heldout_folds must be 0 (none) or 2 or more, got {self.heldout_folds}")
        if self.n_boot < 0:
            raise AnalysisError(f"n_boot must be 0 or more, got {self.n_boot}")




def default_chains(n_tokens: int) -> int:
    """Chains per K for a corpus of ``n_tokens`` modelled tokens when none is asked for."""
    return next((chains for below, chains in CHAINS_BY_TOKENS if n_tokens < below), CHAINS_LARGE)


def parse_k_values(text: str) -> tuple[int, ...]:
    """``2-10`` or ``3,5,8`` (or one K, ``5``) as a tuple of K values, each :data:`MIN_K` or
    more; :class:`ValueError` with a message that says what a K range looks like."""
    try:
        if "-" in text:
            low, high = (int(x) for x in text.split("-", 1))
            values = tuple(range(low, high + 1))
        else:
            values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a K range like 2-10 or 3,5,8") from None
    if not values:
        raise ValueError(f"the K range {text!r} is empty")
    if min(values) < MIN_K:
        raise ValueError(f"K must be {MIN_K} or more (one theme holds everything and says nothing), got {text!r}")
    return values

