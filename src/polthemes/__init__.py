"""polthemes: recurring themes in Chinese and English political writing.

Layers, each importing only those before it: ``decode`` -> ``metadata``/``boilerplate``
-> ``document`` -> ``language`` -> ``corpus`` -> ``cli``.
"""

from polthemes.corpus import CorpusError, read_corpus
from polthemes.records import Article, CorpusReport, RemovedLine, SkippedSource

__version__ = "0.1.0"

__all__ = ["Article", "CorpusError", "CorpusReport", "RemovedLine", "SkippedSource", "read_corpus", "__version__"]
