"""Stage 1, reading the corpus: files in, cleaned :class:`Article` records out.

Sources (folders of ``.txt``/``.md``, JSON Lines, CSV; gzip) are decoded (``decode``),
saved HTML is read as text (``markup``), each page is cleaned into an article (``clean``:
header, metadata lines, boilerplate rules), its language detected (``language``, which
also holds the one Han-character pattern), ``metadata.csv`` applied (``metadata``), and
template lines repeated across a source cut (``boilerplate``). ``reader`` ties these
together as :func:`read_corpus`; ``tables`` turns a :class:`CorpusReport` into tables.
Nothing here knows about tokens or models.
"""

from polthemes.corpus.reader import CorpusError, corpus_name, read_corpus, sample_articles
from polthemes.corpus.records import Article, CorpusReport, DuplicateArticle, RemovedLine, SkippedSource

__all__ = ["Article", "CorpusError", "CorpusReport", "DuplicateArticle", "RemovedLine", "SkippedSource",
           "corpus_name", "read_corpus", "sample_articles"]
