"""The jobs ``make`` runs, as functions: fit a corpus into a results folder, reuse a folder
that is still current, and draw every figure from a run's results.

``make`` reads ``params.toml`` (:mod:`polthemes.params`), fits the seeds once into
``results/seeds/`` and draws ``figures/`` from that run; notebooks 03 and 04 then read the
same folder through :func:`results_for` and fit only when their parameters differ from it.
A results folder is *current* for a corpus and settings when it was written from the same
articles, settings, data files, parameters file and code (:func:`stale_reason`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from polthemes.config import FIGURES_DIR, RESULTS_DIR
from polthemes.corpus.reader import corpus_name, read_corpus, sample_articles
from polthemes.corpus.records import CorpusReport
from polthemes.execution import resolve_execution
from polthemes.messages import warn
from polthemes.files import OutputFolderError, check_figures_folder, check_results_folder
from polthemes.params import ProjectParams, load_params
from polthemes.results import Results, ResultsFolderError, code_hash, corpus_hash, load_results, resource_hashes
from polthemes.settings import AnalysisError, AnalysisSettings

logger = logging.getLogger(__name__)


def stale_reason(results: Results, report: CorpusReport, settings: AnalysisSettings, params: ProjectParams | None = None) -> str:
    """Why ``results`` are not the run ``settings`` would give on ``report``'s articles ('' when
    they are): another corpus, other settings, other data files, parameters file or code."""
    record = results.manifest
    written = {k: v for k, v in record.get("settings", {}).items() if k not in ("seeds", "resolved_unit")}
    wanted = json.loads(json.dumps(asdict(settings)))
    if written != wanted:
        changed = sorted(k for k in set(written) | set(wanted) if written.get(k) != wanted.get(k))
        return f"they were fitted with other settings ({', '.join(changed)})"
    if record.get("corpus", {}).get("sha256") != corpus_hash(report.articles):
        return "the corpus has changed since"
    if record.get("resources_sha256") != resource_hashes():
        return "a data file (glossary, stopwords, rules) has changed since"
    if params is not None and (record.get("params") or {}).get("sha256") != params.sha256:
        return f"{params.path.name} has changed since"
    if record.get("code_sha256") != code_hash():
        return "the code has changed since"
    return ""


def fit(
    report: CorpusReport,
    settings: AnalysisSettings,
    out_dir: str | Path | None,
    *,
    name: str,
    params: ProjectParams | None = None,
    workers: int = 1,
    cache_dir: str | Path | None = None,
) -> Results:
    """Fit ``report``'s articles with the local engine and write ``out_dir``; the manifest
    records the parameters file's hash when the settings are the file's. ``workers`` and
    ``cache_dir`` as :func:`~polthemes.execution.resolve_execution` gives them."""
    from polthemes.engines.local import run_analysis

    results = run_analysis(report.articles, settings, out_dir, corpus_name=name, report=report,
                           params=params.record() if params is not None else None, workers=workers, cache_dir=cache_dir)
    return results


def results_for(
    corpus: str | Path | None = None,
    settings: AnalysisSettings | None = None,
    results_dir: str | Path | None = None,
    *,
    params: ProjectParams | None = None,
    read: Callable[[str | Path], CorpusReport] | None = None,
    report: CorpusReport | None = None,
    workers: int | None = None,
    cache: bool | str | Path = True,
    refit: bool = False,
) -> Results:
    """The results of ``settings`` on ``corpus``: read from ``results_dir`` when it is
    current (:func:`stale_reason`), else fitted and written there.

    Defaults come from ``params.toml``: its corpus, settings and results folder. A corpus
    other than the parameters file's goes to ``results/<corpus name>/`` unless
    ``results_dir`` says otherwise. The log says whether the folder was reused or why not.
    """
    params = params or load_params()
    corpus = Path(corpus) if corpus is not None else params.corpus
    settings = settings or params.settings
    is_main_job = corpus.resolve() == params.corpus.resolve()
    name = corpus_name(corpus)
    if results_dir is None:
        results_dir = params.results if is_main_job else RESULTS_DIR / name
    results_dir = Path(results_dir)
    used_params = params if is_main_job and settings == params.settings else None
    check_results_folder(results_dir, corpus=corpus)  # before minutes of work, not after
    report = report or (read or read_corpus)(corpus)
    if not refit:
        try:
            loaded = load_results(results_dir)
        except ResultsFolderError as error:
            logger.info(f"fitting {name}: {error}")
        else:
            reason = stale_reason(loaded, report, settings, used_params)
            if not reason:
                logger.info(f"reading {results_dir}/ (current: same corpus, settings, data files and code)")
                loaded.reading = report
                return loaded
            logger.info(f"refitting {name} into {results_dir}/: {reason}")
    return fit(report, settings, results_dir, name=name, params=used_params, **resolve_execution(workers, cache))


def draw_figures(results: Results, report: CorpusReport, directory: str | Path = FIGURES_DIR, *, workers: int = 1) -> list[Path]:
    """Every figure of a run into ``directory``: the corpus overview from ``report``, the
    theme figures, the intertopic map and the theme explorer (with the ``plotly.min.js`` it
    loads) from ``results`` alone (in memory or loaded).

    Each figure is drawn and written whole by one of ``workers`` forked processes (matplotlib
    draws on one core; the archive's took 8 s one after another); the files are the same
    bytes whichever process drew them, and the paths come back in the same order."""
    from polthemes.execution import forked_map
    from polthemes.report import explorer, intertopic, plots  # noqa: F401  imported once, before the workers fork
    from polthemes.report.figures import THEME_FIGURES

    name = results.manifest["corpus"]["name"]
    pages = ["theme_explorer", "intrusion_test"]
    if results.unit_topics is None or results.unit_lengths is None or results.term_counts is None:
        # A Spark run keeps no per-unit arrays on the driver: no map, said rather than failed.
        warn(f"{results.folder or name}: no per-unit theme mixtures, so no intertopic map")
    else:
        pages.insert(0, "intertopic_map")
    jobs = ["corpus_overview", *THEME_FIGURES, *pages]
    try:
        drawn = forked_map(_draw_one, jobs, (results, report, Path(directory)), workers=workers)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputFolderError(f"{directory}: cannot write the figures: {reason}" + (f" ({error.filename})" if error.filename else "")) from None
    return [path for paths in drawn for path in paths]


def _draw_one(context: tuple[Results, CorpusReport, Path], job: str) -> list[Path]:
    """Draw and write one figure or page of :func:`draw_figures`; the paths written."""
    from polthemes.report.explorer import PLOTLY_JS, save_theme_explorer
    from polthemes.report.figures import corpus_stamp, provenance_stamp, save_figure, theme_figures
    from polthemes.report.intertopic import save_intertopic_map
    from polthemes.report.plots import plot_corpus_overview

    results, report, directory = context
    name = results.manifest["corpus"]["name"]
    if job == "corpus_overview":
        return save_figure(plot_corpus_overview(report, stamp=corpus_stamp(report.articles)), job, directory)
    if job == "intertopic_map":
        title = f"Intertopic map: {results.k} themes of {name} ({provenance_stamp(results.manifest)})"
        return [save_intertopic_map(results, directory / "intertopic_map.html", title=title)]
    if job == "theme_explorer":
        # The explorer needs no per-unit arrays, only the topic_terms and article_themes tables
        # that both engines write and the theme figures already draw from: a Spark run has it.
        page = save_theme_explorer(results, directory / "theme_explorer.html", title=f"Theme explorer: {results.k} themes of {name}")
        return [page.parent / PLOTLY_JS, page]
    if job == "intrusion_test":
        return [write_validation_page(results, directory / "intrusion_test.html")]
    # A theme figure; none when it does not apply to this run (per-article figures of a large corpus).
    return [path for figure_name, figure in theme_figures(results, [job]).items() for path in save_figure(figure, figure_name, directory)]


def regenerate_figures(
    corpus: str | Path | None = None,
    directory: str | Path = FIGURES_DIR,
    results_dir: str | Path | None = None,
    *,
    settings: AnalysisSettings | None = None,
    params: ProjectParams | None = None,
    workers: int | None = None,
    cache: bool | str | Path = True,
    read: Callable[[str | Path], CorpusReport] | None = None,
    refit: bool = False,
) -> list[Path]:
    """The main job behind ``make``: the results of ``params.toml`` (fitted once, or read
    when current), and every figure drawn from them into ``directory``; then the named
    themes of ``resources/named_themes.tsv`` on the same corpus (:func:`named_themes`, into
    the results folder's ``-named`` sibling) and their three figures.

    ``workers`` (default: every core) and ``cache`` (see
    :func:`polthemes.execution.resolve_execution`) change how fast, never what is drawn.
    ``read`` reads the corpus (default :func:`~polthemes.corpus.read_corpus`; the command
    line's also prints what was skipped).
    """
    params = params or load_params()
    target = Path(corpus) if corpus is not None else params.corpus
    # Refuse data/raw/, the corpus, a file in the way, a folder not ours, before minutes of work.
    check_figures_folder(directory, corpus=target)
    report = (read or read_corpus)(target)
    results = results_for(target, settings, results_dir, params=params, report=report, workers=workers, cache=cache, refit=refit)
    written = draw_figures(results, report, directory, workers=resolve_execution(workers)["workers"])
    # The named themes of resources/named_themes.tsv on the same corpus, beside the free ones.
    named = named_themes(target, results.folder.with_name(results.folder.name + "-named"), settings=results.settings,
                         params=params, report=report, workers=workers, cache=cache)
    return written + named_theme_figures(named, directory)


def figures_from_folder(results_dir: str | Path, directory: str | Path = FIGURES_DIR, *,
                        read: Callable[[str | Path], CorpusReport] | None = None, corpus: str | Path | None = None,
                        workers: int | None = None) -> list[Path]:
    """Every figure of the run in ``results_dir`` into ``directory``, without fitting. The
    corpus overview needs the articles: ``corpus`` (default: the parameters file's).
    ``workers`` draw them (default: every core)."""
    results = load_results(results_dir)
    target = Path(corpus) if corpus is not None else load_params().corpus
    check_figures_folder(directory, corpus=target)
    report = (read or read_corpus)(target)
    if results.manifest["corpus"]["sha256"] != corpus_hash(report.articles):
        raise ResultsFolderError(f"{results_dir}: was fitted on another corpus than {target}; give --corpus, or refit")
    return draw_figures(results, report, directory, workers=resolve_execution(workers)["workers"])


def analyse_corpus(
    path: str | Path,
    settings: AnalysisSettings = AnalysisSettings(),
    *,
    sample: int | None = None,
    workers: int | None = None,
    cache: bool | str | Path = True,
    engine: str = "local",
    spark_master: str | None = None,
) -> Results | None:
    """Read and model a corpus by path; ``None``, with a printed explanation, if it is absent.

    For notebooks that point at optional corpora (``../shared/corpora/``): a missing file is
    said plainly instead of failing deep inside the reader. ``engine="spark"`` runs
    :func:`polthemes.engines.spark.run_spark_analysis` instead (one K; JSON Lines input);
    its :class:`~polthemes.results.Results` has the same tables.
    """
    path = Path(path)
    if not path.exists():
        logger.warning(f"Corpus not found: {path}\nThis analysis needs it; point CORPUS at your own folder or JSON Lines file.")
        return None
    if engine == "spark":
        from polthemes.engines.spark import run_spark_analysis

        if sample:
            raise AnalysisError("sample belongs to the local engine; give Spark the files to model")
        return run_spark_analysis(path, settings, master=spark_master, corpus_name=corpus_name(path))
    if engine != "local":
        raise AnalysisError(f"unknown engine {engine!r}; choose local or spark")
    from polthemes.engines.local import run_analysis

    articles = read_corpus(path).articles
    if sample:
        articles = sample_articles(articles, sample, seed=settings.seed)
    return run_analysis(articles, settings, corpus_name=corpus_name(path), **resolve_execution(workers, cache))


def named_themes(
    corpus: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    themes: str | Path | None = None,
    settings: AnalysisSettings | None = None,
    n_free: int | None = None,
    n_chains: int | None = None,
    named_prior: float | None = None,
    period: str = "month",
    sample: int | None = None,
    workers: int | None = None,
    cache: bool | str | Path = True,
    read: Callable[[str | Path], CorpusReport] | None = None,
    params: ProjectParams | None = None,
    report: CorpusReport | None = None,
):
    """The named-theme analysis of ``corpus`` (default: the parameters file's): the themes of
    ``themes`` (default ``resources/named_themes.tsv``) fitted keyword-assisted, each
    article's share of each with an interval, the effect of language and source, prevalence
    by ``period``; written to ``out_dir`` (default ``results/<corpus>-named/``) when given.
    ``named_prior``: a named theme's prior on non-seed words, as a share of a free theme's
    (default :data:`polthemes.modelling.seeded.NAMED_ETA_SHARE`).

    Returns a :class:`polthemes.engines.named.NamedThemeRun` (tables, fit, manifest).
    """
    from polthemes.engines.named import run_named_themes

    params = params or load_params()
    target = Path(corpus) if corpus is not None else params.corpus
    settings = settings or params.settings
    name = corpus_name(target)
    if out_dir is None:
        out_dir = RESULTS_DIR / f"{Path(params.results).name if target.resolve() == params.corpus.resolve() else name}-named"
    check_results_folder(out_dir, corpus=target)
    report = report or (read or read_corpus)(target)
    articles = report.articles
    if sample:
        articles = sample_articles(articles, sample, seed=settings.seed)
    return run_named_themes(articles, settings, out_dir, corpus_name=name, themes=themes, n_free=n_free, n_chains=n_chains,
                            named_prior=named_prior, period=period, **resolve_execution(workers, cache))


def named_theme_figures(run, directory: str | Path = FIGURES_DIR) -> list[Path]:
    """The three named-theme figures of ``run`` (a :class:`polthemes.engines.named.NamedThemeRun`,
    in memory or loaded) into ``directory``."""
    from polthemes.report.figures import save_figure
    from polthemes.report.named_plots import named_figures

    check_figures_folder(directory)
    written: list[Path] = []
    try:
        for name, figure in named_figures(run).items():
            written += save_figure(figure, name, directory)
    except OSError as error:
        raise OutputFolderError(f"{directory}: cannot write the figures: {error.strerror or error}") from None
    return written


def write_validation_page(results: Results, page: str | Path) -> Path:
    """The run's word- and topic-intrusion test as one offline HTML page (see
    :mod:`polthemes.evaluation.intrusion`); the key is drawn again when answers are scored."""
    from polthemes.evaluation.intrusion import intrusion_test_of, run_id, write_intrusion_page

    name = results.manifest["corpus"]["name"]
    return write_intrusion_page(intrusion_test_of(results), page, title=f"Do these themes make sense? {results.k} themes of {name}",
                                run=run_id(results))
