"""The analysis on Apache Spark, for archives that outgrow one machine (``--engine spark``).

Nothing is rewritten for Spark: executors run the project's own reader rules, cleaning,
language detection and :class:`~polthemes.text.pipeline.TokenPipeline` (jieba with the glossary,
CC-CEDICT, the English lemmatiser) inside ``mapPartitions``; MLlib does the counting
(``CountVectorizer`` over the vocabulary the local engine would keep), TF-IDF (``IDF``) and
LDA (expectation-maximisation by default, online variational Bayes on request). What comes back is the same result folder as the
local engine (the same CSV tables with the same columns, ``manifest.json``), plus Parquet
copies of the per-document tables, so notebooks and figures read it unchanged.

What runs where:

* executors: reading JSON Lines (files, folders, globs, gzip; local, HDFS or object
  storage paths), per-record cleaning, tokenizing, counting, TF-IDF, LDA, topic mixtures;
* driver: the English paragraphs that fit the tokenizer (English term frequencies choose
  CC-CEDICT senses), the keys of records that reuse an id or repeat a text, the set of
  template lines per source and the few articles its cut would empty (the local reader's
  :func:`~polthemes.corpus.reader.template_cut` decides what they keep), the vocabulary (terms and
  counts), the K x V topic-term matrix, and the result tables, which hold one row per
  modelling unit and a few per article (for tens of millions of units, read the Parquet
  copies instead of the CSVs).

The K sweep, seed stability, bootstrap and cross-check models stay with the local engine:
choose K on a sample (``polthemes fit --sample``), then fit that K on the whole archive here.
"""

from __future__ import annotations

import glob as globbing
import hashlib
import importlib.util
import logging
import pickle
import os
import shutil
import sys
import time
from collections import Counter
from contextlib import contextmanager
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd

from polthemes.corpus.boilerplate import repeated_line_threshold
from polthemes.corpus.reader import (
    TemplateCut,
    raw_documents,
    finish_article,
    jsonl_records,
    counted_lines,
    cut_repeated_lines,
    emptied_page,
    exact_copy_key,
    source_group,
    template_cut,
)
from polthemes.corpus.clean import CleaningRules, draft_article
from polthemes.modelling.backends import DEFAULT_ETA, top_terms_per_topic
from polthemes.files import check_output_location, check_results_folder
from polthemes.config import METADATA_FILENAME
from polthemes.corpus.records import CorpusReport, DuplicateArticle, SkippedSource
from polthemes.results import Results
from polthemes.settings import SPARK_OPTIMIZERS, AnalysisError, AnalysisSettings

logger = logging.getLogger(__name__)

#: MLlib LDA optimisers. "em" (expectation-maximisation over the document-term graph) is
#: the default: on a 5,000-item sample its topics agree with the local engine's nearly as
#: well as two local seeds agree with each other (benchmarks/results/spark_vs_local.md).
#: "online" (variational Bayes on a 5% mini-batch per iteration) needs far less memory and
#: time per iteration, for corpora whose graph does not fit, and agrees less.
OPTIMIZERS = SPARK_OPTIMIZERS
DEFAULT_OPTIMIZER = "em"
#: Iterations of MLlib's LDA per optimiser; online VB sees one mini-batch per iteration.
DEFAULT_MAX_ITER = {"em": 50, "online": 100}
#: Suffixes read from a folder given as input.
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz")


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing; the message says how to get them."""


# --- Session --------------------------------------------------------------------------------


def java_problem() -> str:
    """Why Spark cannot start here ('' when Java and pyspark are both present)."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed: pip install -e '.[spark]' (make setup installs it)"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and shutil.which("java") is None:
        return "no Java runtime found (Spark needs Java 17 or 21): install e.g. openjdk-17-jre-headless, or set JAVA_HOME"
    return ""


def spark_session(master: str | None = "local[2]", *, app_name: str = "polthemes", config: dict[str, str] | None = None):
    """A SparkSession; ``master=None`` keeps what ``spark-submit`` configured.

    Raises :class:`SparkUnavailable` with the fix when pyspark or Java is missing, instead
    of a Py4J traceback.
    """
    problem = java_problem()
    if problem:
        raise SparkUnavailable(problem)
    from pyspark.sql import SparkSession

    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        # Started from Python rather than by spark-submit: the executors are local processes
        # and must run this interpreter (the one with polthemes installed), not `python3` on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = {
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        # Workers rebuild the tokenizer once per Python process; keep the processes.
        "spark.python.worker.reuse": "true",
        **(config or {}),
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


# --- Input ----------------------------------------------------------------------------------


def expand_inputs(inputs: str | Path | Sequence[str | Path], *, not_read: list | None = None) -> list[str]:
    """Local paths, folders and globs -> the JSON Lines files they name; a URI with a scheme
    (hdfs://, s3a://, gs://) is passed to Spark as given (Spark expands its globs).

    A folder is listed as the local reader lists it (recursively, in path order, hidden
    files and folders left out); its other files are not read by this engine and are
    appended to ``not_read`` as ``(file, reason)`` for the report.
    """
    from polthemes.corpus.reader import is_hidden

    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    files: list[str] = []
    for item in map(str, items):
        if "://" in item and not item.startswith("file://"):
            files.append(item)
            continue
        local = item.removeprefix("file://")
        matches = sorted(globbing.glob(local, recursive=True)) if any(c in local for c in "*?[") else [local]
        if not matches:
            raise AnalysisError(f"{item}: no file matches")
        for match in matches:
            path = Path(match)
            if path.is_dir():
                listed = sorted(p for p in path.rglob("*") if p.is_file() and not is_hidden(p.relative_to(path)))
                found = [str(p) for p in listed if p.name.lower().endswith(JSONL_SUFFIXES)]
                if not found:
                    raise AnalysisError(f"{path}: no JSON Lines files ({', '.join(JSONL_SUFFIXES)}) in this folder")
                files.extend(found)
                if not_read is not None:
                    not_read.extend((str(p), "not JSON Lines: the Spark engine reads JSON Lines only")
                                    for p in listed if not p.name.lower().endswith(JSONL_SUFFIXES) and p.name != METADATA_FILENAME)
            elif path.is_file():
                files.append(str(path))
            else:
                raise AnalysisError(f"{path}: no such file or folder")
    return files


def _overrides(inputs: str | Path | Sequence[str | Path]) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """``metadata.csv`` overrides of every local folder given, as the local reader applies
    them, and the file that names each id (to warn about an id no article has)."""
    from polthemes.corpus.reader import read_overrides

    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    merged: dict[str, dict[str, str]] = {}
    named_in: dict[str, str] = {}
    for item in map(str, items):
        path = Path(item.removeprefix("file://"))
        if "://" not in item.removeprefix("file://") and path.is_dir():
            found = read_overrides(path)
            merged.update(found)
            named_in.update(dict.fromkeys(found, str(path / METADATA_FILENAME)))
    return merged, named_in


def _numbered_lines(sc, files: list[str]):
    """RDD of (position, file, line number, line), one text file per input so line numbers
    are exact and ``position`` (file index, line number) orders records as the local reader
    does. A URI glob (hdfs:///archive/*.jsonl.gz) is expanded by Spark, so its records are
    numbered across the files it matches."""
    parts = []
    for index, file in enumerate(files):
        lines = sc.textFile(file).zipWithIndex()
        parts.append(lines.map(lambda pair, index=index, file=file: ((index, pair[1] + 1), file, pair[1] + 1, pair[0])))
    return sc.union(parts)


#: Input bytes per partition when the input's size is known (local files).
BYTES_PER_PARTITION = 4 << 20


def _partitions(files: list[str], parallelism: int) -> int:
    """How many partitions to spread the records over: a gzip file is one split, so its lines
    are redistributed; up to 4 per core, fewer for a small local input (each partition costs
    a task per stage, which dominates on a handful of articles)."""
    most = max(4 * parallelism, len(files))
    if any("://" in f and not f.startswith("file://") for f in files):
        return most
    size = sum(Path(_display(f)).stat().st_size * (4 if f.endswith(".gz") else 1) for f in files)
    return max(min(parallelism, most), min(most, -(-size // BYTES_PER_PARTITION)))


def _parse_partition(rows: Iterable[tuple[int, str, int, str]]) -> Iterator[tuple]:
    """(position, draft, exact-copy key) or (position, SkippedSource, "") per record, parsed
    by the local reader's own :func:`~polthemes.corpus.reader.jsonl_records` so both engines skip
    alike, and keyed by :func:`~polthemes.corpus.reader.exact_copy_key` as the local reader keys it."""
    rules = CleaningRules.current()  # once per partition, as the local reader loads them once per corpus
    for position, file, line_no, line in rows:
        where = "{file}, record {line_no}" if any(c in file for c in "*?[") else "{file}:{line_no}"
        records = jsonl_records(_display(file), line, first_line_no=line_no, where=where)
        if "\ufffd" in line:
            # Hadoop's text reader replaced bytes that are not UTF-8: skip, as the local reader does.
            records = ((location, "not UTF-8 (bytes replaced by U+FFFD when read)") for location, _ in records)
        for item in raw_documents(Path(_display(file)), records):
            if isinstance(item, SkippedSource):
                yield position, item, ""
            else:
                yield position, draft_article(item, rules), exact_copy_key(item.text)


def _display(uri: str) -> str:
    return unquote(uri.removeprefix("file://"))


# --- Tokenizing on executors ----------------------------------------------------------------

#: The fitted tokenizer of this Python worker process, rebuilt once from its fitted state.
_WORKER_PIPELINES: dict[str, object] = {}


def _worker_pipeline(key: str, state: dict):
    from polthemes.text.pipeline import TokenPipeline

    pipeline = _WORKER_PIPELINES.get(key)
    if pipeline is None:
        _WORKER_PIPELINES.clear()
        pipeline = _WORKER_PIPELINES[key] = TokenPipeline.from_fitted_state(state)
    return pipeline


def _tokenize_partition(articles: Iterable, key: str, state: dict, unit: str, window_tokens: int, min_terms: int):
    """Per ``(position, article)``: its modelling units (each with the article's position,
    for corpus order), its token counts (for labels and coverage) and all its terms (for
    the per-article TF-IDF table, which counts whole articles as the local engine does)."""
    from polthemes.text.pipeline import TokenizedArticle, article_paragraphs
    from polthemes.text.concepts import STOPWORD
    from polthemes.modelling.units import modelling_units

    pipeline = _worker_pipeline(key, state)
    for (file_index, line_no), article in articles:
        paragraphs, counts = [], Counter()
        for text, language in article_paragraphs(article):
            tokens = pipeline.tokenize(text, language)
            counts.update(tokens)
            paragraphs.append(tuple(term for term, _, _, origin in tokens if origin != STOPWORD))
        tokenized = TokenizedArticle(article.id, article.language, tuple(paragraphs))
        units = modelling_units([tokenized], unit, window_tokens=window_tokens, min_terms=min_terms)
        rows = [
            (file_index, line_no, article.id, u.index, u.language, list(u.terms), "\n".join(article.paragraphs[p] for p in u.paragraphs))
            for u in units
        ]
        yield rows, counts, (article.id, tokenized.terms)


def _summed_counts(items: Iterable) -> Iterator[Counter]:
    total: Counter = Counter()
    for _, counts, _ in items:
        total.update(counts)
    yield total


def _merge_counts(a: Counter, b: Counter) -> Counter:
    a.update(b)
    return a


# --- The run --------------------------------------------------------------------------------


def run_spark_analysis(
    inputs: str | Path | Sequence[str | Path],
    settings: AnalysisSettings = AnalysisSettings(k_values=(10,)),
    out_dir: str | Path | None = None,
    *,
    spark=None,
    master: str | None = "local[2]",
    optimizer: str = DEFAULT_OPTIMIZER,
    max_iter: int | None = None,
    lda_options: dict | None = None,
    corpus_name: str = "",
    parquet_uri: str | None = None,
) -> Results:
    """Model JSON Lines ``inputs`` on Spark at the one K in ``settings.k_values``.

    ``spark`` is an existing SparkSession (else one is started on ``master``; ``None`` keeps
    what spark-submit configured). ``lda_options`` passes further MLlib LDA parameters
    (``subsamplingRate``, ``checkpointInterval`` ...). Writes the result folder to
    ``out_dir`` when given: the local engine's CSV tables and manifest, written by the
    driver, and Parquet copies of ``document_topics`` and ``article_themes``, written by
    the executors.

    On a cluster, where the Parquet copies go matters: executors write them, so a plain
    ``out_dir`` works only if it is a filesystem the driver and every executor share (NFS,
    or ``local[*]``); otherwise each executor writes its part on its own disk. Give
    ``parquet_uri`` (``hdfs://...``, ``s3a://...``, ``file://`` for a shared mount), or
    set ``spark.polthemes.parquetUri`` in the Spark configuration (``spark-submit --conf``),
    and the copies go there as ``<uri>/document_topics`` and ``<uri>/article_themes``,
    leaving ``out_dir`` to the driver's CSVs and manifest (which records the URI). Without
    either, the copies go to ``out_dir/parquet/`` as on one machine, and a run on a
    non-local master logs that ``out_dir`` must be shared.

    Raises :class:`AnalysisError` for parameters that cannot work, before Spark starts,
    and :class:`SparkUnavailable` without Java or pyspark.
    """
    k, max_iter = _checked_parameters(settings, optimizer, max_iter)
    _check_parquet_uri(parquet_uri)
    if out_dir is not None:
        check_results_folder(out_dir, corpus=inputs)  # before Spark starts, not after the run
    not_read: list[tuple[str, str]] = []
    files = expand_inputs(inputs, not_read=not_read)
    overrides, named_in = _overrides(inputs)
    spark = spark or spark_session(master)
    if parquet_uri is None and out_dir is not None:
        parquet_uri = spark.conf.get("spark.polthemes.parquetUri", None) or None
        _check_parquet_uri(parquet_uri)
        if parquet_uri is None and not spark.sparkContext.master.startswith("local"):
            logger.info(f"Parquet copies go to {Path(out_dir).resolve() / 'parquet'}, written by the executors: on a cluster "
                "that folder must be shared by all of them (else pass parquet_uri or --conf spark.polthemes.parquetUri=hdfs://...)")
    partitions = _partitions(files, spark.sparkContext.defaultParallelism)
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    timings: dict[str, float] = {}

    with _timed(timings, "read"):
        drafts, copies, parsed, skipped = _read_drafts(spark.sparkContext, files, partitions)
        read = _finished_articles(spark.sparkContext, drafts, copies, overrides, files, partitions)
    skipped = not_read + skipped + read.skipped
    # As the local reader lists them: the template rule's, in corpus order, then metadata.csv's.
    warnings = read.warnings + [(named_in[article_id], f"no article with id {article_id!r}") for article_id in read.unknown_ids]
    _log_report(read.duplicates, warnings)
    with _timed(timings, "tokenize"):
        tokens = _tokenize(spark.sparkContext, read.articles, read.n_articles, settings, partitions)
    with _timed(timings, "features"):
        features = _features(spark, tokens, settings, k)
        logger.info(f"{read.n_articles} articles -> {tokens.n_units} {tokens.unit} units, {len(features.vocabulary)} terms (Spark)")
    with _timed(timings, "lda"):
        fitted = _fit_lda(features.counted, k, max_iter, optimizer, settings.seed, lda_options)
    with _timed(timings, "tables"):
        results = _tables(spark, read.articles, tokens, features, fitted, settings, k)

    reading = CorpusReport(skipped=[SkippedSource(*s) for s in sorted(skipped)], duplicates=list(read.duplicates),
                           warnings=[SkippedSource(*w) for w in warnings])
    record = _manifest(files, corpus_name, settings, tokens.unit, read.n_articles, tokens.n_units, features.vocabulary,
                       features.n_tokens, k, optimizer, max_iter, spark.sparkContext, results, reading)
    run = Results(settings=settings, tables=results.tables, manifest=record, labels=results.labels,
                  theme_terms=fitted.topics, vocabulary=list(features.vocabulary), term_counts=features.term_counts,
                  timings_s={name: round(seconds, 3) for name, seconds in timings.items()}, reading=reading)
    if out_dir is not None:
        parquet = {"document_topics": fitted.mixtures, "article_themes": results.tables["article_themes"]}
        write_spark_results(run, Path(out_dir), parquet=parquet, parquet_uri=parquet_uri)
    for cached in (parsed, read.finished, read.articles, tokens.tokenized, tokens.units, features.counted, fitted.mixtures):
        cached.unpersist()
    return run


#: Duplicates and warnings logged one per line; the rest are counted (all are in the SparkRun).
LOGGED_PROBLEMS = 20


def _log_report(duplicates: list[DuplicateArticle], warnings: list[tuple[str, str]]) -> None:
    """Duplicates and warnings in the lines ``polthemes inspect`` prints for the local reader
    (skipped records are the caller's: the CLI prints ``Results.reading.skipped``)."""
    lines = [f"duplicate {d.origin} (id {d.id}) = {d.duplicate_of}" for d in duplicates]
    lines += [f"warning {location}: {reason}" for location, reason in warnings]
    for line in lines[:LOGGED_PROBLEMS]:
        logger.info(line)
    if len(lines) > LOGGED_PROBLEMS:
        logger.info(f"... and {len(lines) - LOGGED_PROBLEMS} more duplicates and warnings")


def _check_parquet_uri(uri: str | None) -> None:
    """A Parquet destination must name its filesystem: a bare path would be resolved on the
    driver and written on each executor's own disk."""
    if uri is not None and "://" not in uri:
        raise AnalysisError(f"parquet_uri {uri!r} names no filesystem: give file:///shared/path, hdfs://... or s3a://...")
    if uri is not None and uri.startswith("file://"):
        check_output_location(_display(uri))


def _checked_parameters(settings: AnalysisSettings, optimizer: str, max_iter: int | None) -> tuple[int, int]:
    """(K, max_iter) once they are known to work, so a bad value fails in a line before
    Spark starts rather than as a Py4J traceback minutes into a cluster job."""
    settings.check()
    if len(settings.k_values) != 1:
        raise AnalysisError(
            f"the Spark engine fits one K, got {list(settings.k_values)}: choose K on a sample with the local engine "
            "(polthemes fit --sample N), then give that K here"
        )
    if optimizer not in OPTIMIZERS:
        raise AnalysisError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    k = settings.k_values[0]
    if k < 2:
        raise AnalysisError(f"MLlib's LDA needs K >= 2, got K={k}")
    max_iter = DEFAULT_MAX_ITER[optimizer] if max_iter is None else max_iter
    if max_iter < 1:
        raise AnalysisError(f"max_iter must be at least 1, got {max_iter}")
    return k, max_iter


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Seconds spent in ``step``, for the run's ``timings_s`` (the benchmarks compare them)."""
    start = time.perf_counter()
    yield
    timings[step] = time.perf_counter() - start


def _read_drafts(sc, files: list[str], partitions: int) -> tuple:
    """Step 1: records -> drafts on executors, with the local reader's skips.

    Returns (drafts, the positions of exact copies, the parsed RDD to unpersist at the end,
    skips). Records stay where they were parsed; only small keys (ids, text keys, positions)
    travel to the driver to decide which records reuse an id (of those the first keeps it,
    as locally) and, among the rest, which repeat an earlier record's text
    (:func:`~polthemes.corpus.reader.exact_copy_key`): the template rule does not count those.
    """
    parsed = _numbered_lines(sc, files).repartition(partitions).mapPartitions(_parse_partition).cache()
    try:
        skipped = parsed.filter(lambda row: isinstance(row[1], SkippedSource)).map(lambda row: (row[1].location, row[1].reason)).collect()
    except Exception as error:  # Py4J wraps Hadoop's read errors (truncated gzip, unreadable file)
        cause = str(error).strip().splitlines()[0][:300]
        raise AnalysisError(f"{', '.join(map(_display, files))}: Spark could not read the input ({cause})") from None
    keyed = parsed.filter(lambda row: not isinstance(row[1], SkippedSource))
    reused = _later_uses(keyed.map(lambda row: (row[1].id, (row[0], row[1].origin))), partitions)
    skipped += [(origin, f"id {key!r} already used by {first}") for _, origin, key, first in reused]
    dropped = sc.broadcast({position for position, *_ in reused})
    keyed = keyed.filter(lambda row: row[0] not in dropped.value)
    copies = {position for position, *_ in _later_uses(keyed.map(lambda row: (row[2], (row[0], row[1].id))), partitions)}
    return keyed.map(lambda row: (row[0], row[1])), copies, parsed, skipped


@dataclass
class _ReadArticles:
    """What step 2 leaves: the articles the local reader would keep, and why others went."""

    finished: object  # RDD of (position, Article or SkippedSource), cached
    articles: object  # RDD of (position, Article), cached; position = (file index, line number)
    n_articles: int
    skipped: list[tuple[str, str]]
    duplicates: list[DuplicateArticle]  # in corpus order, as the local reader lists them
    warnings: list[tuple[str, str]]  # the template rule's near-copy warnings, in corpus order
    unknown_ids: list[str]  # metadata.csv ids that no record has, sorted


def _finished_articles(sc, drafts, copies: set, overrides: dict[str, dict[str, str]], files: list[str], partitions: int) -> _ReadArticles:
    """Step 2: template lines cut and articles finished, as the local reader does.

    The cut is the local reader's (:func:`~polthemes.corpus.reader.template_cut`), decided from
    :func:`_template_cuts`; then ``metadata.csv`` applies, and an identical body read twice
    counts once (the first).
    """
    cuts = sc.broadcast(_template_cuts(sc, drafts, copies))
    notices = sorted((position, notice) for cut in cuts.value.values() for position, notice in cut.notices.items())
    given = sc.broadcast(overrides)  # metadata.csv of the folders given: a few fields per article

    def finish(pair):
        position, draft = pair
        cut = cuts.value.get(source_group(draft))
        if cut is not None:
            cut_repeated_lines(draft, cut.lines_to_cut(position))
        return position, finish_article(draft, given.value.get(draft.id, {}))

    finished = drafts.map(finish).cache()
    skipped = finished.filter(lambda pair: isinstance(pair[1], SkippedSource)).map(lambda pair: (pair[1].location, pair[1].reason)).collect()
    finished_articles = finished.filter(lambda pair: not isinstance(pair[1], SkippedSource))
    repeats = _later_uses(finished_articles.map(lambda pair: (pair[1].content_sha1, (pair[0], (pair[1].id, pair[1].origin)))), partitions)
    # Not skipped: the text is modelled, once, under the first id (CorpusReport.duplicates).
    duplicates = [DuplicateArticle(article_id, origin, first[0]) for _, (article_id, origin), _, first in sorted(repeats)]
    repeated_bodies = sc.broadcast({position for position, *_ in repeats})
    articles = finished_articles.filter(lambda pair: pair[0] not in repeated_bodies.value).cache()
    n_articles = articles.count()
    unknown_ids = []
    if overrides:
        known = set(drafts.map(lambda pair: pair[1].id).filter(lambda i: i in given.value).collect())
        unknown_ids = sorted(set(overrides) - known)
    if not n_articles:
        raise AnalysisError(f"{', '.join(files)}: no articles found")
    warnings = [(notice.location, notice.reason) for _, notice in notices]
    return _ReadArticles(finished, articles, n_articles, skipped, duplicates, warnings, unknown_ids)


def _template_cuts(sc, drafts, copies: set) -> dict[str, TemplateCut]:
    """Each source's :class:`~polthemes.corpus.reader.TemplateCut`, keyed by article position.

    Executors count, per source and line, the articles that carry it (exact ``copies`` left
    out, as the local reader leaves them out) and all articles (copies in); only the lines
    that reach the template threshold come to the driver. Then executors send back the few
    articles that cutting them would empty (:func:`~polthemes.corpus.reader.emptied_page`), and the
    driver decides, per source, what those keep.
    """
    is_copy = sc.broadcast(frozenset(copies))
    group_sizes = dict(
        drafts.filter(lambda pair: pair[0] not in is_copy.value)
        .map(lambda pair: (source_group(pair[1]), 1))
        .reduceByKey(lambda a, b: a + b)
        .collect()
    )
    thresholds = {group: repeated_line_threshold(n) for group, n in group_sizes.items() if n >= repeated_line_threshold(n)}
    if not thresholds:
        return {}
    limits = sc.broadcast(thresholds)
    # ((source, line), (articles carrying it but the copies, all articles carrying it))
    counted = (
        drafts.filter(lambda pair: source_group(pair[1]) in limits.value)
        .flatMap(lambda pair: [((source_group(pair[1]), line), (int(pair[0] not in is_copy.value), 1)) for line in counted_lines(pair[1])])
        .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
        .filter(lambda item: item[1][0] >= limits.value[item[0][0]])
        .map(lambda item: (item[0], item[1][1]))
        .collect()
    )
    in_articles: dict[str, dict[str, int]] = {}
    for (group, line), n in counted:
        in_articles.setdefault(group, {})[line] = n
    if not in_articles:
        return {}
    templates = sc.broadcast({group: frozenset(lines) for group, lines in in_articles.items()})

    def emptied(pair):
        position, draft = pair
        template = templates.value.get(source_group(draft))
        page = template and emptied_page(draft, template, copy=position in is_copy.value)
        return [(source_group(draft), position, page)] if page else []

    pages: dict[str, dict] = {}
    for group, position, page in drafts.flatMap(emptied).collect():
        pages.setdefault(group, {})[position] = page
    return {group: template_cut(templates.value[group], lines, pages.get(group, {})) for group, lines in in_articles.items()}


@dataclass
class _Tokens:
    """What step 3 leaves: tokenized articles and their modelling units."""

    tokenized: object  # RDD per article: (unit rows, token counts, (id, all its terms)), cached
    units: object  # RDD of (row, file, line, id, unit, language, terms, text) in corpus order, cached
    corpus: object  # a TokenizedCorpus without articles: the bilingual term labels
    unit: str
    n_units: int


def _tokenize(sc, articles, n_articles: int, settings: AnalysisSettings, partitions: int) -> _Tokens:
    """Step 3: the tokenizer fitted on the English paragraphs (driver), articles tokenized
    and split into units on executors.

    English term frequencies choose CC-CEDICT senses, so the pipeline is fitted once on the
    driver and its fitted state broadcast; units are sorted into corpus order in a fixed
    number of partitions, because MLlib's LDA numbers documents and seeds its start by
    partition: that is what makes a seeded run repeatable.
    """
    from polthemes.text.pipeline import TokenizedCorpus, TokenPipeline, article_paragraphs
    from polthemes.modelling.units import resolve_unit

    english = articles.flatMap(lambda pair: [(pair[0], t) for t, lang in article_paragraphs(pair[1]) if lang == "en"]).collect()
    pipeline = TokenPipeline(settings.mode).fit_english([text for _, text in sorted(english)])
    state = pipeline.fitted_state()
    key = hashlib.sha1(pickle.dumps(state)).hexdigest()  # names this fitted state in worker processes
    unit = resolve_unit(settings.unit, n_articles)
    window, min_terms = settings.window_tokens, settings.min_unit_terms
    shipped = sc.broadcast(state)  # English term frequencies: sent to each executor once
    tokenized = articles.mapPartitions(lambda part: _tokenize_partition(part, key, shipped.value, unit, window, min_terms)).cache()
    token_counts = tokenized.mapPartitions(_summed_counts).reduce(_merge_counts)
    corpus = TokenizedCorpus(articles=[], mode=settings.mode)
    pipeline.describe(corpus, token_counts)
    units = (
        tokenized.flatMap(lambda item: item[0])
        .sortBy(lambda u: (u[0], u[1], u[3]), numPartitions=partitions)
        .zipWithIndex()
        .map(lambda pair: (pair[1], *pair[0]))
        .cache()
    )
    n_units = units.count()
    if not n_units:
        raise AnalysisError(f"no {unit} has {min_terms} or more terms after tokenizing; nothing to model")
    return _Tokens(tokenized, units, corpus, unit, n_units)


@dataclass
class _Features:
    """What step 4 leaves: the vocabulary and the units counted over it."""

    vocabulary: list[str]
    n_tokens: int  # occurrences of vocabulary terms in the units
    frame: object  # DataFrame of the units, with their text (to quote passages)
    counter: object  # CountVectorizerModel over the vocabulary
    counted: object  # DataFrame of the units with their "counts" vectors, cached
    term_counts: np.ndarray  # each vocabulary term's occurrences in the units


def _features(spark, tokens: _Tokens, settings: AnalysisSettings, k: int) -> _Features:
    """Step 4: the vocabulary exactly as the local engine filters it, and MLlib's counts.

    Term totals and document frequencies come from one pass over the units, and the terms
    are chosen by the local :func:`~polthemes.modelling.features.select_vocabulary`, so both engines
    model the same terms; ``CountVectorizer`` then counts against that fixed vocabulary.
    """
    from pyspark.ml.feature import CountVectorizerModel
    from pyspark.sql import types as T

    from polthemes.modelling.features import select_vocabulary

    units, n_units = tokens.units, tokens.n_units
    # One pass over the units: (term, (occurrences, units holding it)).
    counts = units.flatMap(lambda u: [(t, (n, 1)) for t, n in Counter(u[6]).items()])
    summed = counts.reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1])).collect()
    total = {term: n for term, (n, _) in summed}
    document_frequency = {term: df for term, (_, df) in summed}
    try:
        vocabulary = select_vocabulary(total, document_frequency, n_units, min_count=settings.min_count,
                                       max_document_share=settings.max_document_share)
    except ValueError as error:
        raise AnalysisError(f"{error} ({n_units} {tokens.unit} units)") from None
    words = set(vocabulary)
    modelled = units.filter(lambda u: any(t in words for t in u[6])).count()
    if k > len(vocabulary) or k > modelled:
        raise AnalysisError(f"K={k} is more than the {modelled} units with vocabulary terms or {len(vocabulary)} terms can carry")

    schema = T.StructType([
        T.StructField("row", T.LongType()), T.StructField("file", T.IntegerType()), T.StructField("line", T.LongType()),
        T.StructField("id", T.StringType()), T.StructField("unit", T.IntegerType()),
        T.StructField("language", T.StringType()), T.StructField("terms", T.ArrayType(T.StringType())),
        T.StructField("text", T.StringType()),
    ])
    frame = spark.createDataFrame(units, schema)
    counter = CountVectorizerModel.from_vocabulary(vocabulary, inputCol="terms", outputCol="counts")
    counted = counter.transform(frame).drop("text").cache()
    term_counts = np.array([total[t] for t in vocabulary], dtype=np.int64)
    return _Features(vocabulary, int(term_counts.sum()), frame, counter, counted, term_counts)


@dataclass
class _FittedLda:
    """What step 5 leaves: MLlib's model, its topics and every unit's mixture."""

    model: object
    topics: np.ndarray  # K x V, rows sum to one
    mixtures: object  # DataFrame of the units with their "topicDistribution", cached


def _fit_lda(counted, k: int, max_iter: int, optimizer: str, seed: int, lda_options: dict | None) -> _FittedLda:
    """Step 5: MLlib's LDA, seeded.

    Online VB gets the local engine's priors (alpha = 1/K, eta = 0.01); MLlib's EM needs
    priors above 1 (it adds 1 internally) and keeps its own defaults.
    """
    from pyspark.ml.clustering import LDA

    priors = {"docConcentration": [1.0 / k] * k, "topicConcentration": DEFAULT_ETA} if optimizer == "online" else {}
    lda = LDA(k=k, maxIter=max_iter, seed=seed, optimizer=optimizer, featuresCol="counts", **priors, **(lda_options or {}))
    model = lda.fit(counted)
    topics = model.topicsMatrix().toArray().T  # K x V
    topics = topics / topics.sum(axis=1, keepdims=True)
    mixtures = model.transform(counted).select("row", "file", "line", "id", "unit", "language", "terms", "topicDistribution").cache()
    return _FittedLda(model, topics, mixtures)


@dataclass
class _Tables:
    """What step 6 leaves: the local engine's tables and the facts the manifest records."""

    labels: list[str]
    tables: dict[str, pd.DataFrame]
    log_likelihood: float
    corpus_sha256: str
    languages: dict[str, int]


def _tables(spark, articles, tokens: _Tokens, features: _Features, fitted: _FittedLda, settings: AnalysisSettings, k: int) -> _Tables:
    """Step 6: the local engine's tables, in corpus order, from what the executors computed.

    Only what the tables hold reaches the driver: one row of shares per unit, a few fields
    per article, the texts of the quoted passages and each article's top TF-IDF terms.
    """
    from polthemes.results import article_digest, combine_article_digests
    from polthemes.themes.labels import read_label_overrides, theme_labels
    from polthemes.themes.shares import recurring_themes
    from polthemes.themes.tables import topic_terms_table, vocabulary_table

    labels = theme_labels(top_terms_per_topic(fitted.topics, features.vocabulary, 10), tokens.corpus, overrides=read_label_overrides())
    rows, shares, document_topics = _document_topics(fitted.mixtures, k)
    metadata_rows = [m for _, m in sorted(articles.map(
        lambda pair: (pair[0], (pair[1].id, pair[1].language, pair[1].date, pair[1].source, article_digest(pair[1]),
                               pair[1].short_title))
    ).collect())]
    article_themes = articles_from_units(document_topics, shares, metadata_rows)
    passages = _passages(features.frame, rows, shares, labels)
    article_order = {m[0]: i for i, m in enumerate(metadata_rows)}
    distinctive = _distinctive_terms(_whole_articles(spark, features.counter, tokens.tokenized), features.vocabulary,
                                     tokens.corpus, settings.top_terms, article_order)
    log_likelihood = float(fitted.model.logLikelihood(features.counted))
    tables = {
        "k_selection": pd.DataFrame([{"k": k, "log_likelihood": round(log_likelihood, 3),
                                      "log_perplexity": round(-log_likelihood / features.n_tokens, 6), "chosen": True}]),
        "topic_terms": topic_terms_table(fitted.topics, features.vocabulary, labels, tokens.corpus, settings.top_terms),
        "document_topics": document_topics,
        "article_themes": article_themes,
        "recurring_themes": recurring_themes(article_themes, labels),
        "passages": passages,
        "distinctive_terms": distinctive,
        "vocabulary": vocabulary_table(features.vocabulary, features.term_counts, tokens.corpus),
    }
    languages = Counter(m[1] for m in metadata_rows)
    return _Tables(labels, tables, log_likelihood, combine_article_digests(m[4] for m in metadata_rows), dict(sorted(languages.items())))


def _document_topics(mixtures, k: int) -> tuple[list[tuple], np.ndarray, pd.DataFrame]:
    """The units' rows in corpus order, their topic shares (units x K) and the local
    ``document_topics`` table. A unit with no vocabulary term gets no topic mass from
    MLlib; the local models give it the uniform mixture, and so does this."""
    from polthemes.themes.tables import document_topics_table

    rows = sorted(mixtures.rdd.map(
        lambda r: ((r.file, r.line, r.unit), r.row, r.id, r.unit, r.language, len(r.terms), r.topicDistribution.toArray().tolist())
    ).collect())
    shares = np.array([r[6] for r in rows])
    sums = shares.sum(axis=1, keepdims=True)
    shares = np.where(sums > 0, shares / np.where(sums > 0, sums, 1), 1.0 / k)
    document_topics = document_topics_table(shares, [r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows], [r[5] for r in rows])
    return rows, shares, document_topics


def _passages(frame, rows: list[tuple], shares: np.ndarray, labels: list[str]) -> pd.DataFrame:
    """The local ``passages`` table: units chosen on the driver by
    :func:`~polthemes.themes.passages.passage_units`, and only their texts fetched from executors."""
    from pyspark.sql import functions as F

    from polthemes.themes.passages import passage_units, passages_table

    keys = [(r[2], r[3]) for r in rows]
    chosen = passage_units(shares, keys, [r[5] for r in rows])
    wanted = sorted({rows[i][1] for picked in chosen for i in picked})
    by_row = dict(frame.filter(F.col("row").isin(wanted)).select("row", "text").rdd.map(tuple).collect())
    texts = {i: by_row[rows[i][1]] for picked in chosen for i in picked}
    return passages_table(shares, chosen, labels, keys, [r[4] for r in rows], texts)


def _whole_articles(spark, counter, tokenized):
    """Every term of every article counted over the vocabulary: TF-IDF weighs whole
    articles, as the local ``tfidf_tables`` does, not modelling units."""
    from pyspark.sql import types as T

    return counter.transform(spark.createDataFrame(
        tokenized.map(lambda item: item[2]),
        T.StructType([T.StructField("id", T.StringType()), T.StructField("terms", T.ArrayType(T.StringType()))]),
    ))


def articles_from_units(document_topics: pd.DataFrame, shares: np.ndarray, metadata_rows) -> pd.DataFrame:
    """Article rows (token-weighted means of their units, by :func:`polthemes.modelling.units.roll_up_rows`)
    with the local ``article_themes`` table's columns."""
    from polthemes.modelling.units import roll_up_rows
    from polthemes.themes.tables import article_themes_table

    matrix, order = roll_up_rows(shares, document_topics.id.tolist(), document_topics.n_terms.tolist())
    return article_themes_table(matrix, order, {m[0]: (m[1], m[2], m[3], m[5]) for m in metadata_rows})


def _later_uses(keyed, partitions: int) -> list[tuple]:
    """``(position, name, key, first name)`` for every record whose key an earlier record
    already used; ``keyed`` holds ``(key, (position, name))``. Only keys used twice reach
    the driver."""
    out = []
    for key, uses in keyed.groupByKey(partitions).filter(lambda item: len(item[1]) > 1).collect():
        first, *later = sorted(uses)
        out += [(position, name, key, first[1]) for position, name in later]
    return out


def _distinctive_terms(articles, vocabulary, corpus, n: int, article_order: dict[str, int]) -> pd.DataFrame:
    """Each article's ``n`` highest TF-IDF terms, weighted by MLlib's IDF on executors.

    ``articles`` holds every term of every article counted over the vocabulary, as the local
    ``tfidf_tables`` counts them. MLlib's idf is log((m + 1) / (df + 1)), without
    scikit-learn's +1, so a term in every article weighs 0 and is left out; rows are
    l2-normalised as in the local table.
    """
    from pyspark.ml.feature import IDF

    idf = IDF(inputCol="counts", outputCol="tfidf")
    weighted = idf.fit(articles).transform(articles)
    words = articles.sparkSession.sparkContext.broadcast(list(vocabulary))

    def top(row):
        vector = row.tfidf
        norm = float(np.linalg.norm(vector.values)) or 1.0
        counts = dict(zip(row.counts.indices.tolist(), row.counts.values.tolist()))
        weights = [(j, v) for j, v in zip(vector.indices.tolist(), vector.values.tolist()) if v > 0]
        order = sorted(weights, key=lambda p: (-round(p[1] / norm, 12), words.value[p[0]]))[:n]
        return [(row.id, rank, words.value[j], round(v / norm, 6), int(counts[j])) for rank, (j, v) in enumerate(order, start=1)]

    rows = sorted(weighted.rdd.flatMap(top).collect(), key=lambda r: (article_order[r[0]], r[1]))
    table = pd.DataFrame(rows, columns=["id", "rank", "term", "tfidf", "count"])
    labels = {term: corpus.label(term) for term in table.term.unique()}
    table["label"] = table.term.map(labels)
    return table


def _manifest(files, corpus_name, settings, unit, n_articles, n_units, vocabulary, n_tokens, k, optimizer, max_iter, sc,
              tables: _Tables, reading: CorpusReport) -> dict:
    """The one manifest (:func:`polthemes.results.manifest`), with Spark's facts inside its keys."""
    from polthemes.results import RECORDED_LIBRARIES, as_written, manifest

    log_likelihood = tables.log_likelihood
    return as_written(manifest(
        engine={"name": "spark", "spark": sc.version, "master": sc.master, "optimizer": optimizer},
        corpus={"name": corpus_name, "sha256": tables.corpus_sha256, "articles": n_articles, "languages": tables.languages,
                "inputs": [_display(f) for f in files], "skipped": len(reading.skipped), "duplicates": len(reading.duplicates)},
        settings=settings, seeds=[settings.seed], unit=unit,
        model={"backend": f"spark-{optimizer}", "k": k, "alpha": 1.0 / k if optimizer == "online" else None,
               "eta": DEFAULT_ETA if optimizer == "online" else None, "max_iter": max_iter, "n_iter": max_iter,
               "converged": None, "convergence": None,
               "log_likelihood": round(log_likelihood, 3), "log_perplexity": round(-log_likelihood / n_tokens, 6)},
        selection={"chosen_k": k, "unstable": False, "warning": "", "edge_note": "", "stability_note": "",
                   "rule": "given (the Spark engine fits one K; choose it with the local engine's sweep on a sample)"},
        data={"units": n_units, "terms": len(vocabulary), "tokens": n_tokens},
        reading={**reading.problems_record(), "articles_read": n_articles},
        labels=tables.labels,
        libraries=(*RECORDED_LIBRARIES, "pyspark"),
    ))


def write_spark_results(run: Results, out_dir: Path, *, parquet: dict, parquet_uri: str | None = None) -> list[Path]:
    """The results folder of :func:`polthemes.results.write_results` in ``out_dir`` (by the
    driver), and each table of ``parquet`` written by Spark to ``<parquet_uri>/<table>``, or
    to ``out_dir/parquet/<table>`` without a URI (see :func:`run_spark_analysis` for what a
    cluster needs)."""
    from polthemes.results import write_results

    run.manifest["parquet"] = {name: f"{parquet_uri.rstrip('/')}/{name}" if parquet_uri else f"parquet/{name}" for name in parquet}

    def write_parquet(staging: Path) -> None:
        for name, data in parquet.items():
            # Before the folder is replaced: a failed write leaves the previous results whole.
            target = run.manifest["parquet"][name] if parquet_uri else str((staging / "parquet" / name).resolve())
            if isinstance(data, pd.DataFrame):
                from pyspark.sql import SparkSession

                data = SparkSession.getActiveSession().createDataFrame(data)
            else:
                data = data.drop("terms").withColumn("topicDistribution", _vector_to_array(data))
            data.write.mode("overwrite").parquet(target)

    return write_results(run, Path(out_dir), extra=write_parquet)


def _vector_to_array(frame):
    from pyspark.ml.functions import vector_to_array

    return vector_to_array(frame.topicDistribution)
