"""polthemes: recurring themes in Chinese and English political writing.

The package is laid out in pipeline order; each stage imports only the stages before it:

* ground: ``config`` (paths), ``settings`` (:class:`AnalysisSettings` and every choice
  name), ``params`` (the project's ``params.toml``), ``files`` (atomic writes, folders the
  project may replace), ``execution`` (workers, cache), ``progress``, ``resources``;
* ``corpus``: files to cleaned articles;
* ``text``: articles to bilingual concept terms;
* ``modelling``: units, counts, topic models, the K rule, chains and their consensus;
* ``themes``: every theme table, from plain arrays, for any engine;
* ``results``: the one result type, manifest, writer and loader of a results folder;
* ``engines``: the local and the Spark run of the same analysis;
* ``evaluation``: alignment of translated document pairs;
* ``report``: plots, saved figures, fonts, the intertopic map;
* faces: ``jobs`` (what ``make`` runs), ``notebooks``, ``cli`` (argparse only).
"""

from polthemes.corpus import Article, CorpusError, CorpusReport, RemovedLine, SkippedSource, read_corpus

__version__ = "0.1.0"

__all__ = ["Article", "CorpusError", "CorpusReport", "RemovedLine", "SkippedSource", "read_corpus", "__version__"]
