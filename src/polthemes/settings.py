"""Every choice of a modelling run, in one frozen dataclass, checked before any work.

Kept apart from :mod:`polthemes.analysis` (and free of heavy imports) so the command line
can show defaults and reject bad parameters instantly.
"""

from __future__ import annotations

from dataclasses import dataclass

from polthemes.config import DEFAULT_SEED

#: Token spaces (see polthemes.tokens), modelling units (polthemes.units), model backends
#: (polthemes.models); the modules check that they implement exactly these.
MODES = ("crosslingual", "monolingual")
UNITS = ("auto", "article", "paragraph", "window")
BACKEND_NAMES = ("tomotopy", "gensim", "sklearn", "nmf")
DEFAULT_BACKEND = "tomotopy"
#: The fewest topics a run fits: one topic holds every word and compares nothing.
MIN_K = 2
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
    n_seeds: int = 3
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

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(self.seed + i for i in range(self.n_seeds))

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
        if self.n_seeds < 1:
            raise AnalysisError(f"n_seeds must be at least 1, got {self.n_seeds}")
        if self.n_boot < 0:
            raise AnalysisError(f"n_boot must be 0 or more, got {self.n_boot}")


