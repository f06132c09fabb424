"""Stage 2, text: articles to terms in one space shared by Chinese and English.

English is lemmatised and stemmed (``english``); Chinese is converted to simplified
characters and segmented by jieba with the glossary as a user dictionary (``chinese``,
``segmentation`` with its SQLite cache). Both languages meet in concept terms
(``concepts``): the hand-made bilingual ``glossary`` first, CC-CEDICT (``cedict``) for
the rest. ``pipeline`` is the :class:`TokenPipeline` that does all of it for a corpus;
``coverage`` says how much of a corpus the space reaches, and ``naive_mapping`` is the
first-sense baseline the alignment benchmark measures against.
"""

from polthemes.text.pipeline import TokenizedArticle, TokenizedCorpus, TokenPipeline

__all__ = ["TokenPipeline", "TokenizedArticle", "TokenizedCorpus"]
