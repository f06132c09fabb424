"""Command line: argument parsing and printing only; the work is in the stages and :mod:`polthemes.jobs`.

``polthemes inspect`` audits a corpus, ``fit`` writes a results folder, ``figures`` draws
every figure (from ``params.toml``'s results, fitted once or read when current). The
defaults of ``fit`` and ``figures`` are ``params.toml``'s; a flag overrides one for a run.
Messages go through :mod:`logging` to standard error.
Errors a user can fix (missing folder, no articles, malformed metadata.csv) print one
line naming the file and the problem and exit with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from wcwidth import wcswidth, wcwidth

from pathlib import Path

from polthemes import __version__
from polthemes.config import FIGURES_DIR, RAW_DIR, RESULTS_DIR
from polthemes.corpus.metadata import MetadataFileError
from polthemes.corpus.reader import CorpusError, corpus_name, read_corpus, read_corpus_cached
from polthemes.corpus.records import CorpusReport
from polthemes.messages import log_to_stderr
from polthemes.files import OutputFolderError, ReadOnlyInputError, ResultsFolderError, check_results_folder
from polthemes.params import ProjectParams, load_params
from polthemes.resources import ResourceFileError
from polthemes.settings import (
    BACKEND_NAMES,
    CHAINS_BY_TOKENS,
    CHAINS_LARGE,
    ENGINES,
    MODES,
    SPARK_OPTIMIZERS,
    UNITS,
    AnalysisError,
    AnalysisSettings,
    parse_k_values,
)


EXIT_USER_ERROR = 2
#: Exit status after Ctrl-C (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130

_DESCRIPTION = """\
Find recurring themes in Chinese and English political writing.

Start with `polthemes inspect` to see how the articles in data/raw/ were read: their
language, title, date, source and author, how many paragraphs were kept, and how many
lines were cut as navigation, comment forms, cookie banners or related links. Add --json
to get every kept paragraph and every removed line (with the rule that removed it)."""

_INSPECT_HELP = """\
Read a corpus and print one row per article.

CORPUS is a folder of .txt/.md articles (optionally with a metadata.csv keyed by article
id), or a JSON Lines / CSV collection (optionally .gz) with a `text` field and optional
id, title, date, source, author, url fields. Defaults to the project's data/raw/.

Files that cannot be read (empty, binary, undecodable, unsupported language) are skipped
and listed after the table; exact duplicates are counted once and listed too."""

_COVERAGE_HELP = """\
Tokenize a corpus and report, per language, how many tokens land in the shared concept
space: through the glossary (resources/glossary.tsv), through CC-CEDICT, or (English)
as themselves; how many Chinese tokens stay unmapped; and the most frequent unmapped
Chinese words, which are the candidates for new glossary entries. For a corpus with both
languages it also prints, per article, how many of its 100 most frequent terms it shares
with the closest article of the other language."""

_FIT_HELP = """\
Tokenize the corpus, cut it into modelling units (paragraphs for a small corpus), sweep K
with several Gibbs chains per K (stability across chains, held-out likelihood, NPMI and u_mass
coherence, topic diversity), choose K by the rule stated in the README, report the themes of
the most likely chain with how many chains found each, cross-check them with
the other backends, bootstrap the article-theme shares, and write every table (CSV), the
model and a manifest (corpus hash, parameters, library versions) into the results folder.
The same corpus and settings always give byte-identical tables."""

_NAMED_HELP = """\
Fit themes named before fitting (resources/named_themes.tsv, or --themes FILE: name, label,
concepts), keyword-assisted beside --free free themes, in --chains seeded chains. A named
theme's seeds are glossary concepts, so they count in both languages. Writes, with 95%
intervals from the chains' posteriors (stm's method of composition): each article's share
of each named theme; how much language and source change it (an effect the articles
cannot support is marked so, with the reason); its prevalence by --period for dated
articles. A named theme none of whose concepts occurs in the corpus is reported absent,
not fitted. --figures DIR also draws the three named-theme figures."""

_ALIGNMENT_HELP = """\
How well the shared space joins the two languages, measured on a collection of document
pairs: records with a `pair` field, one Chinese (zh) and one English (en) article per pair
(e.g. a translation and its original). Each Chinese document looks for its own translation
among all English documents, and each English document for its original: top-1, top-5 and
mean reciprocal rank, in the concept-term TF-IDF space (cosine) and in theme space at each
K asked for (Hellinger distance between theme mixtures, cosine beside it). Then the share
of each language's tokens in the shared space, and the share of a document's in-space
tokens on terms its own translation contains, against other documents' (chance). The
naive mapping (every jieba word to its first CC-CEDICT sense, no glossary) is measured
beside the concept space."""


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (what is wrong, and where help is), not a
    usage block: the same shape as every other error of the command line."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="polthemes", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    inspect = commands.add_parser(
        "inspect",
        help="list the articles of a corpus and what was cut from them",
        description=_INSPECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inspect.add_argument("corpus", nargs="?", default=str(RAW_DIR), metavar="CORPUS", help="folder or collection file (default: data/raw)")
    inspect.add_argument("--json", action="store_true", help="print JSON records with paragraphs and removed lines instead of a table")
    inspect.add_argument("--title-width", type=_count(2), default=36, metavar="N", help="truncate titles to N columns in the table (default: 36)")
    inspect.set_defaults(handler=_inspect)

    figures = commands.add_parser(
        "figures",
        help="draw every figure into figures/ from params.toml's results (fitted once, or read when current)",
        description="Draw every figure into figures/ (PNG and SVG, byte-identical on re-runs) from the results of "
                    "params.toml's corpus and settings: read from its results folder when that is current, else fitted "
                    "and written there first. Model flags override params.toml for this run; --results draws an "
                    "existing results folder without fitting.",
    )
    figures.add_argument("--corpus", default=None, help="folder or collection file (default: params.toml's, data/raw)")
    figures.add_argument("--out", default=str(FIGURES_DIR), help="output folder (default: figures/)")
    figures.add_argument("--results", default=None, metavar="DIR",
                         help="draw the run in this results folder, fitting nothing (its corpus is read for the overview)")
    figures.add_argument("--refit", action="store_true", help="fit even when the results folder is current")
    _add_model_arguments(figures)
    _add_execution_arguments(figures)
    figures.set_defaults(handler=_figures)

    coverage = commands.add_parser(
        "coverage",
        help="how much of each language lands in the shared concept space",
        description=_COVERAGE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_token_arguments(coverage)
    coverage.add_argument("--top", type=_count(1), default=30, metavar="N", help="list the N most frequent unmapped Chinese words (default: 30)")
    coverage.add_argument("--json", action="store_true", help="print the report as JSON")
    coverage.set_defaults(handler=_coverage)

    terms = commands.add_parser(
        "terms",
        help="the most frequent terms of each article, labelled in both languages",
        description="Tokenize a corpus and print each article's most frequent terms with their surface forms.",
    )
    _add_token_arguments(terms)
    terms.add_argument("--top", type=_count(1), default=20, metavar="N", help="terms per article (default: 20)")
    terms.set_defaults(handler=_terms)

    fit = commands.add_parser(
        "fit",
        help="choose K, fit the topic models and write the result tables",
        description=_FIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_token_arguments(fit)
    defaults = AnalysisSettings()
    fit.add_argument("--out", default=None, metavar="DIR",
                     help="results folder (default: params.toml's for its corpus, else results/<corpus name>/)")
    _add_model_arguments(fit)
    fit.add_argument("--sample", type=_count(1), default=None, metavar="N", help="model a random sample of N articles (seeded by --seed)")
    fit.add_argument("--engine", choices=ENGINES, default="local",
                     help="local (default) or spark: tokenize, count and fit LDA on Apache Spark at one K; CORPUS may then "
                          "be JSON Lines files, folders or globs, local or hdfs:// / s3a:// (pip install -e '.[spark]')")
    fit.add_argument("--master", default=None, metavar="URL",
                     help="Spark master, e.g. local[2] (default: what spark-submit set, else local[*])")
    fit.add_argument("--optimizer", choices=SPARK_OPTIMIZERS, default="em",
                     help="MLlib LDA optimiser for --engine spark: em (default; closest to the local engine) or online (least memory)")
    fit.add_argument("--max-iter", type=_count(1), default=None, metavar="N", help="MLlib LDA iterations for --engine spark (default: em 50, online 100)")
    fit.set_defaults(handler=_fit)

    alignment = commands.add_parser(
        "alignment",
        help="how well each document of a parallel collection finds its translation",
        description=_ALIGNMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alignment.add_argument("corpus", metavar="CORPUS", help="collection of document pairs (records with pair and language fields)")
    alignment.add_argument("--k", type=_alignment_k, nargs="+", default=None, metavar="K",
                           help="theme spaces to measure: 'chosen' (the K the selection rule picks from --sweep), a K, "
                                "several (10 20 40 or 10,20,40), or 'none' for the token spaces only (default: chosen)")
    alignment.add_argument("--sweep", type=_k_values, default=defaults.k_values, metavar="RANGE",
                           help=f"K range the rule chooses from (default: {defaults.k_values[0]}-{defaults.k_values[-1]})")
    alignment.add_argument("--chains", "--seeds", dest="chains", type=_count(1), default=None, metavar="N",
                           help="Gibbs chains per K (default: by corpus size, as for fit)")
    alignment.add_argument("--seed", type=int, default=defaults.seed, help=f"first seed; a fixed K is fitted with this one (default: {defaults.seed})")
    alignment.add_argument("--no-baseline", action="store_true", help="leave out the naive CC-CEDICT mapping")
    _add_execution_arguments(alignment)
    alignment.set_defaults(handler=_alignment)

    named = commands.add_parser(
        "named",
        help="named (seeded) themes: each article's share of each, effects of language and source, prevalence over time",
        description=_NAMED_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    named.add_argument("corpus", nargs="?", default=None, metavar="CORPUS", help="folder or collection file (default: params.toml's, data/raw)")
    named.add_argument("--themes", default=None, metavar="FILE",
                       help="named-themes file (name, label, concepts; default: the shipped resources/named_themes.tsv)")
    named.add_argument("--free", type=_count(0), default=None, metavar="N", help="free themes beside the named ones (default: by corpus size, 4 under 10,000 modelled tokens, 10 under 100,000, else 20)")
    named.add_argument("--chains", type=_count(1), default=None, metavar="N", help="seeded chains pooled (default: 4)")
    named.add_argument("--named-prior", type=_share, default=None, metavar="SHARE",
                       help="a named theme's prior on its non-seed words, as a share of a free theme's (default: 0.01; 1 lets it "
                            "become any subject its seeds appear in)")
    named.add_argument("--period", choices=("year", "quarter", "month"), default="month",
                       help="periods of the prevalence over time (default: month)")
    named.add_argument("--sample", type=_count(1), default=None, metavar="N", help="model a random sample of N articles (seeded)")
    named.add_argument("--seed", type=int, default=None, help="first chain's seed (default: params.toml's)")
    named.add_argument("--out", default=None, metavar="DIR", help="results folder (default: results/<corpus>-named/)")
    named.add_argument("--figures", default=None, metavar="DIR", help="also draw the three named-theme figures into DIR")
    _add_execution_arguments(named)
    named.set_defaults(handler=_named)

    validate = commands.add_parser(
        "validate",
        help="write a run's word- and topic-intrusion test as one offline HTML page, for readers to answer",
        description="Write the word-intrusion and topic-intrusion test of a results folder (oolong's design) as one "
                    "offline, bilingual HTML page. A reader answers it and presses Save answers; `polthemes score` "
                    "scores the saved answers.csv. The answer key is drawn again from the results, never stored.",
    )
    validate.add_argument("results", nargs="?", default=None, metavar="RESULTS", help="results folder (default: params.toml's)")
    validate.add_argument("--out", default=None, metavar="FILE", help="the page (default: figures/intrusion_test.html)")
    validate.set_defaults(handler=_validate)

    score = commands.add_parser(
        "score",
        help="score readers' answers to the intrusion test: precision per theme",
        description="Score answers.csv files saved from the intrusion test page (one per reader) against the test "
                    "drawn again from the results folder: the share of items whose intruder was found, per task and theme.",
    )
    score.add_argument("answers", nargs="+", metavar="ANSWERS", help="answers.csv files saved from the page")
    score.add_argument("--results", default=None, metavar="DIR", help="results folder the page was written from (default: params.toml's)")
    score.set_defaults(handler=_score)

    notebooks = commands.add_parser(
        "notebooks",
        help="re-execute every notebook in notebooks/ in place (what make runs)",
        description="Run every numbered notebook top to bottom in a fresh kernel and save it with its outputs.",
    )
    notebooks.add_argument("names", nargs="*", metavar="NOTEBOOK", help="only these notebooks (default: all)")
    notebooks.set_defaults(handler=_notebooks)
    return parser


def _count(minimum: int):
    """An argparse type: an integer of at least ``minimum``, refused in one line otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"  # argparse names the type in its message
    return parse


def _share(text: str) -> float:
    """An argparse type: a number in (0, 1], refused in one line otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1, got {value}")
    return value


_share.__name__ = "share in (0, 1]"


def _k_values(text: str) -> tuple[int, ...]:
    """An argparse type: ``2-10`` or ``3,5,8`` (:func:`polthemes.settings.parse_k_values`)."""
    try:
        return parse_k_values(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _alignment_k(text: str) -> tuple:
    """One ``--k`` item of ``alignment``: ``chosen``, ``none`` (nothing), or K values as ``--k`` of ``fit``."""
    word = text.strip().lower()
    if word == "chosen":
        return ("chosen",)
    if word == "none":
        return ()
    return _k_values(text)


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The settings of a fit; each defaults to ``params.toml`` (``None`` here: not given)."""
    parser.add_argument("--k", type=_k_values, default=None, metavar="RANGE",
                        help="numbers of topics to try: 2-10, 3,5,8 or one K (default: params.toml's k)")
    parser.add_argument("--chains", "--seeds", dest="chains", type=_count(1), default=None, metavar="N",
                        help="Gibbs chains (seeds) per K: stability, consensus and the most likely chain (default: "
                             "params.toml's; 'auto' there is by modelled tokens, "
                             + ", ".join(f"{n} under {below:,}" for below, n in CHAINS_BY_TOKENS) + f", else {CHAINS_LARGE})")
    parser.add_argument("--heldout-folds", type=_count(0), default=None, metavar="N",
                        help="fits per K that leave one fold out, for held-out likelihood; 0 for none (default: params.toml's)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: params.toml's)")
    parser.add_argument("--backend", default=None, help=f"model for the sweep and the themes: {', '.join(BACKEND_NAMES)} (default: params.toml's)")
    parser.add_argument("--cross-check", default=None, metavar="LIST",
                        help="backends fitted at the chosen K for comparison, comma-separated, or none (default: params.toml's)")
    parser.add_argument("--unit", default=None, help=f"modelling unit: {', '.join(UNITS)} (default: params.toml's)")
    parser.add_argument("--window-tokens", type=_count(AnalysisSettings().min_unit_terms), default=None, metavar="N",
                        help="window length for --unit window")
    parser.add_argument("--bootstrap", type=_count(0), default=None, metavar="N",
                        help="bootstrap replicates for theme-share uncertainty (default: params.toml's)")


def _settings(args: argparse.Namespace, params: ProjectParams) -> AnalysisSettings:
    """``params.toml``'s settings with every model flag given on the command line applied."""
    given = {
        "k_values": args.k, "chains": args.chains, "heldout_folds": args.heldout_folds, "seed": args.seed,
        "backend": args.backend, "unit": args.unit, "window_tokens": args.window_tokens, "n_boot": args.bootstrap,
        "mode": getattr(args, "mode", None),
    }
    if args.cross_check is not None:
        text = args.cross_check.strip().lower()
        given["cross_check"] = () if text in ("", "none") else tuple(b.strip() for b in args.cross_check.split(","))
    settings = replace(params.settings, **{name: value for name, value in given.items() if value is not None})
    settings.check()
    return settings


def _add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("corpus", nargs="?", default=None, metavar="CORPUS", help="folder or collection file (default: params.toml's, data/raw)")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="one shared concept space (crosslingual, params.toml's default) or a vocabulary per language")
    parser.add_argument("--limit", type=_count(1), default=None, metavar="N", help="use only the first N articles")
    _add_execution_arguments(parser)


def _add_execution_arguments(parser: argparse.ArgumentParser) -> None:
    """How a run is carried out; none of these changes a result."""
    parser.add_argument("--workers", type=_count(1), default=None, metavar="N",
                        help="processes for segmenting Chinese and for the K sweep (default: every core)")
    parser.add_argument("--no-cache", action="store_true",
                        help="segment every paragraph afresh instead of using the segmentation cache (.cache/polthemes/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _execution(args: argparse.Namespace) -> dict:
    """``workers`` and ``cache_dir`` keyword arguments from the execution options."""
    from polthemes.execution import resolve_execution
    from polthemes.progress import set_quiet

    if args.quiet:
        set_quiet(True)
    return resolve_execution(args.workers, cache=not args.no_cache)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    log_to_stderr()
    previous_handler = _stop_on_sigterm()
    try:
        return args.handler(args)
    except (CorpusError, MetadataFileError, ResourceFileError, AnalysisError, OutputFolderError, ReadOnlyInputError,
            ResultsFolderError) as error:
        print(f"polthemes: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Terminated as stop:
        print("polthemes: stopped by SIGTERM", file=sys.stderr)
        return stop.code
    except KeyboardInterrupt:
        # Ctrl-C: as SIGTERM, every finally has run (pools stopped, staging removed).
        print("polthemes: interrupted; earlier results are left as they were", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)


class Terminated(SystemExit):
    """SIGTERM arrived: raised in the main thread so that every ``finally`` runs (worker pools
    are terminated, staging folders removed) before :func:`main` exits with 143."""


def _stop_on_sigterm():
    """Turn SIGTERM into :class:`Terminated` (main thread only); return the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise Terminated(128 + signum)

    return signal.signal(signal.SIGTERM, stop)


#: A modelling command lists this many skips, duplicates and warnings; ``inspect`` lists all.
LISTED_PROBLEMS = 20


def _read_reported(corpus: str, *, max_problems: int | None = LISTED_PROBLEMS, cache_dir: Path | None = None) -> CorpusReport:
    """Read ``corpus`` and print on stderr what was read, skipped, merged and doubted: every
    command says so, so a truncated archive never becomes a smaller model in silence. With
    ``cache_dir`` an unchanged corpus's reading is reused (the same report, 0.3 s for the archive)."""
    started = time.perf_counter()
    report = read_corpus_cached(corpus, cache_dir) if cache_dir is not None else read_corpus(corpus)
    print(report.summary(time.perf_counter() - started, max_problems=max_problems), file=sys.stderr)
    return report


def _reader(execution: dict) -> Callable[[str], CorpusReport]:
    """:func:`_read_reported` with the run's cache folder (none under ``--no-cache``)."""
    return functools.partial(_read_reported, cache_dir=execution["cache_dir"])


def _inspect(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    report = read_corpus(args.corpus)
    elapsed_s = time.perf_counter() - started
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(format_table(report, title_width=args.title_width))
    print(format_summary(report, elapsed_s), file=sys.stderr)
    return 0


def _figures(args: argparse.Namespace) -> int:
    from polthemes.jobs import figures_from_folder, regenerate_figures  # matplotlib is slow to import

    execution = _execution(args)
    if args.results:
        written = figures_from_folder(args.results, args.out, read=_reader(execution), corpus=args.corpus,
                                      workers=execution["workers"])
    else:
        params = load_params()
        written = regenerate_figures(
            args.corpus, args.out, settings=_settings(args, params), params=params, workers=execution["workers"],
            cache=execution["cache_dir"] or False, read=_reader(execution), refit=args.refit,
        )
    for path in written:
        print(f"wrote {path}")
    return 0


def _named(args: argparse.Namespace) -> int:
    from polthemes.jobs import named_theme_figures, named_themes

    execution = _execution(args)
    params = load_params()
    settings = replace(params.settings, seed=args.seed) if args.seed is not None else params.settings
    started = time.perf_counter()
    run = named_themes(args.corpus, args.out, themes=args.themes, settings=settings, n_free=args.free, n_chains=args.chains, named_prior=args.named_prior,
                       period=args.period, sample=args.sample, workers=execution["workers"], cache=execution["cache_dir"] or False,
                       read=_reader(execution))
    overview = run.tables["named_themes"]
    for _, row in overview.iterrows():
        if row.status == "fitted":
            print(f"{row['name']:<26} mean share {row.mean_share:.3f} [{row.lower:.3f}, {row.upper:.3f}]  "
                  f"({int(row.seed_tokens)} seed tokens: {row.seeds_in_corpus}"
                  + ("; weak evidence, see named_themes.csv" if row.evidence == "weak" else "") + ")")
        else:
            print(f"{row['name']:<26} {row.status}")
    effects = run.tables["named_theme_effects"]
    for note in dict.fromkeys(effects.note.fillna("")):
        if note:
            print(f"note: {note}")
    if args.figures:
        for path in named_theme_figures(run, args.figures):
            print(f"wrote {path}")
    print(f"wrote {run.folder}/ in {time.perf_counter() - started:.1f} s ({_timings(run.timings_s)})", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from polthemes.jobs import write_validation_page
    from polthemes.results import load_results

    results = load_results(args.results or load_params().results)
    page = Path(args.out) if args.out else FIGURES_DIR / "intrusion_test.html"
    print(f"wrote {write_validation_page(results, page)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from polthemes.evaluation.intrusion import intrusion_test_of, run_id, score_intrusion
    from polthemes.results import load_results

    results = load_results(args.results or load_params().results)
    table = score_intrusion(args.answers, intrusion_test_of(results), run=run_id(results))
    labels = results.labels
    table.insert(2, "label", [labels[t] for t in table.theme])
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    return 0


def _corpus(args: argparse.Namespace) -> str:
    """The corpus a command reads: the one given, else ``params.toml``'s."""
    return args.corpus if args.corpus is not None else str(load_params().corpus)


def _tokenize(args: argparse.Namespace):
    from polthemes.text.pipeline import tokenize_articles

    execution = _execution(args)
    report = _reader(execution)(_corpus(args))
    articles = report.articles[: args.limit] if args.limit else report.articles
    mode = args.mode or load_params().settings.mode
    started = time.perf_counter()
    corpus = tokenize_articles(articles, mode, **execution)
    elapsed_s = time.perf_counter() - started
    print(f"{len(articles)} articles tokenized in {elapsed_s:.1f} s ({mode})", file=sys.stderr)
    return corpus


def _fit(args: argparse.Namespace) -> int:
    from polthemes.corpus.reader import sample_articles
    from polthemes.jobs import fit

    params = load_params()
    settings = _settings(args, params)
    corpus = _corpus(args)
    if args.engine == "spark":
        return _fit_on_spark(args, corpus, settings)
    execution = _execution(args)
    started = time.perf_counter()
    name = corpus_name(corpus)
    is_main_job = Path(corpus).resolve() == params.corpus.resolve()
    out = Path(args.out) if args.out else params.results if is_main_job else RESULTS_DIR / name
    check_results_folder(out, corpus=corpus)
    report = _reader(execution)(corpus)
    if args.limit or args.sample:
        articles = report.articles[: args.limit] if args.limit else report.articles
        if args.sample:
            articles = sample_articles(articles, args.sample, seed=settings.seed)
        report = CorpusReport(articles=articles, skipped=report.skipped, duplicates=report.duplicates, warnings=report.warnings)
    whole = is_main_job and not (args.limit or args.sample) and settings == params.settings
    result = fit(report, settings, out, name=name, params=params if whole else None, **execution)
    elapsed_s = time.perf_counter() - started
    table = result.tables["k_selection"]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    selection = result.selection
    chains = len(selection.chains())
    themes = f"consensus of {chains} chains, anchored on seed {selection.best_seed}" if chains > 1 else f"one chain, seed {selection.best_seed}"
    if selection.basis == "only K":
        print(f"\nK = {selection.chosen_k}, the only K tried ({result.settings.backend}; {themes})")
    else:
        print(f"\nchosen K = {selection.chosen_k} by {selection.basis} ({result.settings.backend}; {themes}); {selection.rule}")
    if result.selection.warning:
        print(f"\n*** {result.selection.warning} ***")
    if result.selection.edge_note:
        print(f"\nnote: {result.selection.edge_note}")
    if result.selection.stability_note:
        print(f"\nnote: {result.selection.stability_note}")
    if result.selection.floor_note:
        print(f"\nnote: {result.selection.floor_note}")
    print()
    _print_themes(result.labels, result.tables.get("theme_support"))
    if report.warnings or report.skipped:
        print(f"\nnote: reading the corpus gave {len(report.warnings)} warning(s) and {len(report.skipped)} skip(s), "
              "listed on standard error and in manifest.json ('reading')")
    if is_main_job and not whole:
        print(f"\nnote: these settings differ from {params.path.name}'s, so the next `make` refits {out}/ with the file's; "
              f"change {params.path.name} to keep them", file=sys.stderr)
    print(f"\nwrote {out}/ in {elapsed_s:.1f} s ({_timings(result.timings_s)})", file=sys.stderr)
    return 0


def _print_themes(labels: Sequence[str], support=None) -> None:
    """The themes, and with ``support`` (the ``theme_support`` table) how many chains found each."""
    from polthemes.modelling.consensus import support_line

    print("themes:")
    for k, label in enumerate(labels):
        found = f"  ({support_line(support.iloc[k])})" if support is not None else ""
        print(f"  {k}: {label}{found}")


def _timings(timings_s: dict[str, float]) -> str:
    return ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings_s.items())


def _fit_on_spark(args: argparse.Namespace, corpus: str, settings: AnalysisSettings) -> int:
    from polthemes.engines.spark import SparkUnavailable, run_spark_analysis

    if args.sample or args.limit:
        raise AnalysisError("--sample and --limit belong to the local engine; give Spark the files to model")
    first = corpus.split(",")[0]
    name = corpus_name(first.split("*")[0].rstrip("/") or ".") if "://" not in first else Path(first.split("*")[0].rstrip("/")).name
    out = Path(args.out) if args.out else RESULTS_DIR / f"{name}-spark"
    check_results_folder(out, corpus=corpus.split(","))
    started = time.perf_counter()
    try:
        run = run_spark_analysis(corpus.split(","), settings, out, master=args.master, optimizer=args.optimizer,
                                 max_iter=args.max_iter, corpus_name=name)
    except SparkUnavailable as error:
        print(f"polthemes: cannot start Spark: {error}", file=sys.stderr)
        return 2
    skipped = run.reading.skipped
    for item in skipped[:LISTED_PROBLEMS]:
        print(f"skipped {item.location}: {item.reason}", file=sys.stderr)
    if len(skipped) > LISTED_PROBLEMS:
        print(f"... and {len(skipped) - LISTED_PROBLEMS} more skipped records", file=sys.stderr)
    _print_themes(run.labels)
    print(f"\nwrote {out}/ in {time.perf_counter() - started:.1f} s on Spark ({_timings(run.timings_s)})", file=sys.stderr)
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from polthemes.notebooks import NOTEBOOKS_DIR, execute_notebook, missing_requirements, notebook_paths

    paths = notebook_paths()
    # A name, a stem or a path (``notebooks/03-lda.ipynb``, as a shell completes it) names a notebook.
    asked = {Path(name).name if name.endswith(".ipynb") else f"{Path(name).name}.ipynb" for name in args.names}
    unknown = sorted(asked - {path.name for path in paths})
    if unknown:
        raise AnalysisError(f"no notebook {', '.join(unknown)} in {NOTEBOOKS_DIR}; the notebooks are "
                            f"{', '.join(path.name for path in paths)}")
    for path in paths:
        if asked and path.name not in asked:
            continue
        missing = missing_requirements(path)
        if missing:
            # Keep the committed outputs rather than overwrite them with "corpus absent".
            print(f"skipped {path.name}: needs {', '.join(str(m) for m in missing)}, which is absent here")
            continue
        started = time.perf_counter()
        execute_notebook(path)
        print(f"executed {path} in {time.perf_counter() - started:.0f} s")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from polthemes.text.coverage import coverage_report

    report = coverage_report(_tokenize(args), top_unmapped=args.top)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(report.to_text())
    return 0


def _alignment(args: argparse.Namespace) -> int:
    from polthemes.evaluation.alignment import AlignmentError, document_pairs, measure_alignment

    k_values = tuple(dict.fromkeys(k for item in (args.k or [("chosen",)]) for k in item))
    settings = AnalysisSettings(k_values=args.sweep, chains=args.chains, seed=args.seed)
    settings.check()
    execution = _execution(args)
    started = time.perf_counter()
    report = _reader(execution)(args.corpus)
    try:
        document_pairs(report.articles)  # refused before any tokenizing
        result = measure_alignment(report.articles, k_values=k_values, settings=settings, naive_baseline=not args.no_baseline,
                                   **execution)
    except AlignmentError as error:
        raise CorpusError(f"{args.corpus}: {error}") from None
    print(result.to_text())
    print(f"\nmeasured in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _terms(args: argparse.Namespace) -> int:
    from polthemes.text.coverage import top_terms

    corpus = _tokenize(args)
    for article in corpus.articles:
        counts = {}
        for term in article.terms:
            counts[term] = counts.get(term, 0) + 1
        print(f"{article.id} ({article.language}, {len(article.terms)} tokens)")
        for term in top_terms(article, args.top):
            print(f"  {counts[term]:>4}  {term:<28}  {corpus.label(term)}")
    return 0


_COLUMNS = ("id", "lang", "title", "date", "source", "author", "paras", "chars", "removed")


def format_table(report: CorpusReport, *, title_width: int = 36) -> str:
    """The articles as an aligned text table (CJK-aware widths)."""
    rows = [
        (
            article.id,
            article.language,
            _truncate(article.title, title_width),
            article.date,
            _truncate(article.source, 16),
            _truncate(article.author, 16),
            str(len(article.paragraphs)),
            str(article.n_characters),
            str(len(article.removed)),
        )
        for article in report.articles
    ]
    widths = [max([wcswidth(h)] + [wcswidth(row[i]) for row in rows]) for i, h in enumerate(_COLUMNS)]
    numeric = {"paras", "chars", "removed"}

    def line(cells: Sequence[str]) -> str:
        padded = []
        for name, cell, width in zip(_COLUMNS, cells, widths):
            gap = " " * (width - wcswidth(cell))
            padded.append(gap + cell if name in numeric else cell + gap)
        return "  ".join(padded).rstrip()

    return "\n".join([line(_COLUMNS), line(["-" * w for w in widths])] + [line(row) for row in rows])


def format_summary(report: CorpusReport, elapsed_s: float) -> str:
    """What was read, skipped and merged, one problem per line (for stderr): every one."""
    return report.summary(elapsed_s)


def _truncate(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` terminal columns, marking the cut with an ellipsis."""
    if wcswidth(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


if __name__ == "__main__":
    sys.exit(main())
