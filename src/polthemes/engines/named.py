"""The named-theme run on the local engine: tokens, units, seeded chains, tables, a folder.

The same reading, tokens and modelling units as :func:`polthemes.engines.local.run_analysis`
(one corpus gives one set of units whatever is fitted on it), then
:func:`polthemes.themes.named.fit_named_themes` and its tables, written atomically to a
folder of their own with a manifest that says what produced them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from polthemes.config import RESOURCES_DIR
from polthemes.corpus.records import Article
from polthemes.files import check_results_folder, write_results_folder, write_text_atomic
from polthemes.modelling.seeded import NAMED_ETA_SHARE
from polthemes.modelling.units import modelling_units, resolve_unit
from polthemes.results import MANIFEST, code_hash, corpus_hash, library_versions, resource_hashes, table_csv
from polthemes.settings import AnalysisError, AnalysisSettings
from polthemes.text.pipeline import tokenize_articles
from polthemes.themes.named import (DEFAULT_NAMED_CHAINS, NAMED_THEMES_FILENAME, NamedThemeFit,
                                    fit_named_themes, named_theme_tables, read_named_themes)

logger = logging.getLogger(__name__)


@dataclass
class NamedThemeRun:
    """What a named-theme run produced: its tables, the fit (``None`` when read back), the manifest."""

    tables: dict[str, pd.DataFrame]
    manifest: dict
    fit: NamedThemeFit | None = None
    folder: Path | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


def run_named_themes(articles: list[Article], settings: AnalysisSettings = AnalysisSettings(), out_dir: str | Path | None = None, *,
                     corpus_name: str = "", themes: str | Path | None = None, n_free: int | None = None,
                     n_chains: int | None = None, period: str = "month", workers: int = 1, named_prior: float | None = None,
                     cache_dir: str | Path | None = None) -> NamedThemeRun:
    """Fit the named themes of ``themes`` on ``articles`` and write the tables to ``out_dir``."""
    settings.check()
    if not articles:
        raise AnalysisError("the corpus has no articles")
    if out_dir is not None:
        check_results_folder(out_dir)
    themes_path = Path(themes) if themes is not None else RESOURCES_DIR / NAMED_THEMES_FILENAME
    named = read_named_themes(themes_path)
    n_chains = DEFAULT_NAMED_CHAINS if n_chains is None else n_chains
    timings, clock = {}, time.perf_counter()
    tokens = tokenize_articles(articles, settings.mode, workers=workers, cache_dir=cache_dir)
    unit = resolve_unit(settings.unit, len(articles))
    units = modelling_units(tokens, unit, window_tokens=settings.window_tokens, min_terms=settings.min_unit_terms)
    if not units:
        raise AnalysisError(f"no {unit} has {settings.min_unit_terms} or more terms after tokenizing; nothing to model")
    timings["tokenize"] = time.perf_counter() - clock
    clock = time.perf_counter()
    fit = fit_named_themes(units, named, n_free=n_free, n_chains=n_chains, seed=settings.seed, min_count=settings.min_count,
                           max_document_share=settings.max_document_share, workers=workers,
                           named_prior=NAMED_ETA_SHARE if named_prior is None else named_prior)
    timings["fit"] = time.perf_counter() - clock
    clock = time.perf_counter()
    facts = pd.DataFrame([{"id": a.id, "language": a.language, "source": a.source or "", "date": a.date or "",
                           "title": a.short_title} for a in articles])
    tables = named_theme_tables(fit, facts, period=period, seed=settings.seed)
    timings["tables"] = time.perf_counter() - clock
    logger.info(f"named themes: {len(fit.fitted)} fitted, {len(fit.absent)} absent"
                + (f" ({', '.join(t.name for t in fit.absent)})" if fit.absent else "")
                + f"; {fit.n_free} free themes, {n_chains} chains, {len(units)} {unit} units")
    record = {
        "kind": "named themes",
        "corpus": {"name": corpus_name, "articles": len(articles), "sha256": corpus_hash(articles)},
        "settings": json.loads(json.dumps(asdict(settings))),
        "resolved_unit": unit,
        "named_themes": {"file": themes_path.name, "sha256": hashlib.sha256(themes_path.read_bytes()).hexdigest(),
                         "fitted": [t.name for t in fit.fitted], "absent": [t.name for t in fit.absent]},
        "model": {"backend": "tomotopy (seeded: set_word_prior)", "free_themes": fit.n_free,
                  "named_prior": fit.chains[0].named_eta_share, "chains": n_chains,
                  "chain_seeds": [settings.seed + i for i in range(n_chains)], "alpha": fit.chains[0].alpha_,
                  "learned_alpha": [[round(float(a), 6) for a in c.topic_prior_] for c in fit.chains],
                  "eta": fit.chains[0].eta, "sweeps": [c.n_iter_ for c in fit.chains]},
        "period": period,
        "resources_sha256": resource_hashes(),
        "code_sha256": code_hash(),
        "libraries": library_versions(),
    }
    run = NamedThemeRun(tables, record, fit, timings_s=timings)
    if out_dir is not None:
        write_named_run(run, out_dir)
    return run


def write_named_run(run: NamedThemeRun, out_dir: str | Path) -> list[Path]:
    """Write ``run``'s tables and manifest to ``out_dir``, replaced whole in one atomic swap."""

    def write(staging: Path) -> None:
        for name, table in sorted(run.tables.items()):
            write_text_atomic(staging / f"{name}.csv", table_csv(table))
        write_text_atomic(staging / MANIFEST, json.dumps(run.manifest, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n")

    written = write_results_folder(Path(out_dir), write)
    run.folder = Path(out_dir)
    return written


def load_named_run(folder: str | Path) -> NamedThemeRun:
    """The tables and manifest a named-theme run wrote to ``folder``."""
    from polthemes.results import ResultsFolderError, load_tables

    folder = Path(folder)
    tables, record = load_tables(folder)
    if record.get("kind") != "named themes":
        raise ResultsFolderError(f"{folder}: is not a named-theme results folder (run `polthemes named`)")
    return NamedThemeRun(tables, record, folder=folder)
