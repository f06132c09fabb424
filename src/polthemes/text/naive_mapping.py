"""The baseline the shared concept space must beat: every jieba word to its first CC-CEDICT sense.

The concept space (:mod:`polthemes.text.concepts`) puts a glossary, a choice among CC-CEDICT's
senses by English evidence, compound splitting and stopword handling between a Chinese
word and its English term. This module leaves all of that out, so a measure of alignment
(:mod:`polthemes.evaluation.alignment`) can say how much each piece is worth against doing nothing
clever:

* **Chinese**: jieba's own dictionary (plus ``resources/userdict_zh.txt``, which
  :class:`~polthemes.text.chinese.ChineseTokenizer` always loads; no glossary form is added),
  the project's stopwords and count filter; each content word becomes its *first*
  CC-CEDICT sense, whatever it says, lower-cased, lemmatised and stopword-filtered by the
  English tokenizer, its words joined with ``_`` and Snowball-stemmed, which is the form of
  the project's own CC-CEDICT terms (``发展`` -> "to develop" -> ``develop``; a sense of
  several content words stays one joined term, as the project writes it:
  ``gross_domest_product_gdp``). With ``split_senses=True`` each content word of the sense
  is a term of its own instead (``gross``, ``domest``, ``product``, ``gdp``): a looser
  baseline that meets English text more often, at the price of one Chinese word weighing
  as several tokens. A sense of only stopwords drops the word; a word CC-CEDICT lacks
  stays Chinese (unmapped). Latin words inside Chinese text go to the English side, as in
  the project.
* **English**: the project's English tokenizer without the glossary's multiword forms,
  each term Snowball-stemmed (:func:`polthemes.text.concepts.stem_key`).

The result is a :class:`~polthemes.text.pipeline.TokenizedCorpus`, so every measure that reads
the project's tokens reads these too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from polthemes.text.cedict import Cedict, load_cedict
from polthemes.text.concepts import DICTIONARY, ENGLISH, STOPWORD, UNMAPPED, stem_key
from polthemes.corpus.records import Article
from polthemes.text.english import PHRASE_JOINER, EnglishTokenizer
from polthemes.text.chinese import ChineseTokenizer, latin_words
from polthemes.text.pipeline import TokenizedArticle, TokenizedCorpus, article_paragraphs

#: The ``mode`` of a corpus tokenized here, so no table mistakes it for the project's tokens.
NAIVE_MODE = "naive-cedict"


class NaiveCedictMapper:
    """Maps a jieba word to the stem of its first CC-CEDICT sense, remembering each word."""

    def __init__(self, english: EnglishTokenizer, cedict: Cedict, *, split_senses: bool = False) -> None:
        self.english = english
        self.cedict = cedict
        self.split_senses = split_senses
        self._terms: dict[str, tuple[tuple[str, str], ...]] = {}

    def map_chinese(self, word: str) -> tuple[tuple[str, str], ...]:
        """``(term, origin)`` pairs, origin ``cedict`` or ``unmapped``; none when the first
        sense is only stopwords. One pair unless ``split_senses``."""
        mapped = self._terms.get(word)
        if mapped is None:
            senses = self.cedict.senses(word)
            if not senses:
                mapped = ((word, UNMAPPED),)
            else:
                terms = self.english.terms(senses[0])
                if self.split_senses:
                    mapped = tuple((stem_key(term), DICTIONARY) for term in terms)
                else:
                    mapped = ((stem_key(PHRASE_JOINER.join(terms)), DICTIONARY),) if terms else ()
            self._terms[word] = mapped
        return mapped


def naive_cedict_tokens(
    articles: Sequence[Article], *, split_senses: bool = False, cache_dir: str | Path | bool | None = True
) -> TokenizedCorpus:
    """Every article's terms under the naive mapping, paragraph by paragraph (see the module).

    ``cache_dir`` is where jieba's verified prefix dictionary is kept (as for
    :class:`~polthemes.text.chinese.ChineseTokenizer`); it changes no term.
    """
    chinese = ChineseTokenizer(keep_words=(), cache_dir=cache_dir)
    english = EnglishTokenizer()
    mapper = NaiveCedictMapper(english, load_cedict(), split_senses=split_senses)
    corpus = TokenizedCorpus(articles=[], mode=NAIVE_MODE + ("-split" if split_senses else ""))
    origins: dict[str, Counter[str]] = defaultdict(Counter)
    surfaces: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for article in articles:
        paragraphs = []
        for text, language in article_paragraphs(article):
            terms: list[str] = []
            english_pairs = english.terms_with_surfaces(text) if language != "zh" else [
                pair for word in latin_words(text) for pair in english.terms_with_surfaces(word)
            ]
            if language == "zh":
                for word in chinese.words(text):
                    mapped = mapper.map_chinese(word)
                    if not mapped:
                        origins["zh"][STOPWORD] += 1
                        corpus.dropped_as_stopwords[word] += 1
                    for term, origin in mapped:
                        origins["zh"][origin] += 1
                        if origin == UNMAPPED:
                            corpus.unmapped[word] += 1
                        surfaces[term]["zh"][word] += 1
                        terms.append(term)
            for term, surface in english_pairs:
                stem = stem_key(term)
                origins["en"][ENGLISH] += 1
                surfaces[stem]["en"][surface] += 1
                terms.append(stem)
            paragraphs.append(tuple(terms))
        corpus.articles.append(TokenizedArticle(article.id, article.language, tuple(paragraphs)))
    corpus.origins = dict(origins)
    corpus.surfaces = {term: dict(by_language) for term, by_language in surfaces.items()}
    return corpus
